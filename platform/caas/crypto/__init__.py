"""Password hashes, signed access and device tokens, webhook signatures.

Computations without I/O, shared by the service layer (sign-in) and the entry points
(webhooks); the secrets come from the configuration.
"""

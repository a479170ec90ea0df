"""Background jobs: the dramatiq broker, its middleware, and the outbox relay."""

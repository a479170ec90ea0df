"""Adapters: databases, external-system clients, the broker."""

"""Alembic migration environments: ``control`` (the tenant registry) and ``tenant``."""

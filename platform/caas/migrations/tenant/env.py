"""Alembic environment of the tenant database."""
from caas.migrations.environment import run

run("tenant")

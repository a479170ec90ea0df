"""Alembic environment of the control database."""
from caas.migrations.environment import run

run("control")

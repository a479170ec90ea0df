"""Alembic environment for the tenant database; the connection comes from the caller."""
from alembic import context

from caas.adapters.schema import tenant_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=tenant_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

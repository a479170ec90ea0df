"""The Alembic environment both migration folders share; the connection comes from the caller."""
from alembic import context

from caas.adapters.sql import tables


def run(which: str) -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=getattr(tables, f"{which}_metadata"),
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()

"""Run Alembic migrations for the control plane or a tenant database."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from caas.adapters.sql.readiness import NOT_SET_UP, OUTDATED, DatabaseNotReady

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(which: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS / which))
    return config


def upgrade(engine: Engine, which: str, revision: str = "head") -> None:
    """Upgrade ``engine``'s database (``which`` is ``"control"`` or ``"tenant"``) to ``revision``."""
    config = alembic_config(which)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(which: str) -> str:
    return ScriptDirectory.from_config(alembic_config(which)).get_current_head()


def require_head(engine: Engine, which: str) -> None:
    """Raise :class:`DatabaseNotReady` unless ``engine``'s database is at the head revision
    of ``which`` (``"control"`` or ``"tenant"``); reads only its version table."""
    current, head = current_revision(engine), head_revision(which)
    if current is None:
        raise DatabaseNotReady(engine.url, NOT_SET_UP, "no revision recorded")
    if current != head:
        raise DatabaseNotReady(engine.url, OUTDATED, f"at revision {current}, not {head}")

"""A database the platform cannot use as it is: unreachable, missing, or not migrated.

Engines raise :class:`DatabaseNotReady` instead of the driver's error in those cases,
naming the database, so an entry point can say what to run instead of a traceback.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

#: Why a database is not ready.
UNREACHABLE = "unreachable"  # no server, refused, a SQLite file that cannot be opened
MISSING = "missing"  # the server answers, the database does not exist
NOT_SET_UP = "not set up"  # no tables: never migrated
OUTDATED = "outdated"  # migrated to an older revision than this release's

_UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE


class DatabaseNotReady(Exception):
    """The database at ``url`` cannot be used: ``reason`` is one of the constants above,
    ``detail`` the driver's own words (first line), if any."""

    def __init__(self, url: URL | str, reason: str, detail: str = ""):
        self.url = url.render_as_string(hide_password=True) if isinstance(url, URL) else url
        self.reason = reason
        self.detail = detail
        super().__init__(f"the database at {self.url} is {reason}"
                         + (f" ({detail})" if detail else ""))


def report_unready(engine: Engine) -> None:
    """Make ``engine`` raise :class:`DatabaseNotReady` for a failed connection or a
    missing table, its other errors unchanged."""
    sa.event.listen(engine, "handle_error", _unready)


def _unready(context) -> DatabaseNotReady | None:
    error, driver = context.sqlalchemy_exception, context.original_exception
    message = str(driver).strip()
    if context.connection is None and isinstance(error, sa.exc.OperationalError):
        detail = _connection_failure(message)
        reason = MISSING if 'database "' in detail and "does not exist" in detail else UNREACHABLE
        return DatabaseNotReady(context.engine.url, reason, detail)
    if (message.startswith("no such table")
            or getattr(driver, "sqlstate", None) == _UNDEFINED_TABLE):
        return DatabaseNotReady(context.engine.url, NOT_SET_UP, message.splitlines()[0])
    return None


def _connection_failure(message: str) -> str:
    """The reason in a driver's connection error: psycopg's ``connection failed: connection
    to server at "h", port 5432 failed: FATAL:  database "x" does not exist`` → the end."""
    first = message.splitlines()[0] if message else ""
    reason = first.rpartition(" failed: ")[2]
    return reason.removeprefix("FATAL:").strip()

"""Database engines: the control plane's, and a bounded cache of tenant engines.

Tenant engines are created on first use and disposed when evicted, so a
process serving thousands of tenants holds connections only for recent ones.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from caas.adapters.sql.readiness import report_unready


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while the in-process worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_folder_of(sqlite_file: str | None) -> None:
    if sqlite_file and sqlite_file != ":memory:":
        # A folder that cannot be made is reported at the first connection, as a
        # database that cannot be opened, naming its URL.
        with suppress(OSError):
            Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _make_folder_of(parsed.database)
        engine = sa.create_engine(url, pool_size=pool_size, max_overflow=max_overflow,
                                  connect_args={"check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # No pre-ping: it would add a round trip to every checkout. Connections are
        # recycled before server-side timeouts, and a connection found dead invalidates
        # the pool so only the request that met it fails.
        engine = sa.create_engine(url, pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800)
    report_unready(engine)
    return engine


class TenantEngines:
    """Per-tenant engines from a URL template, LRU-bounded.

    :param url_template: a database URL with ``{slug}`` (SQLite path) or ``{db}``
        (PostgreSQL database name ``caas_tenant_<slug>``) in it.
    :param max_size: engines kept at most; the least recently used is disposed.
    """

    def __init__(self, url_template: str, max_size: int = 1000, pool_size: int = 2,
                 max_overflow: int = 10):
        self.url_template = url_template
        self.max_size = max_size
        self.pool_size, self.max_overflow = pool_size, max_overflow
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._lock = threading.Lock()

    def url_for(self, slug: str) -> str:
        return self.url_template.format(slug=slug, db=f"caas_tenant_{slug.replace('-', '_')}")

    def get(self, slug: str) -> Engine:
        with self._lock:
            engine = self._engines.get(slug)
            if engine is not None:
                self._engines.move_to_end(slug)
                return engine
            engine = make_engine(self.url_for(slug), self.pool_size, self.max_overflow)
            self._engines[slug] = engine
            while len(self._engines) > self.max_size:
                _, evicted = self._engines.popitem(last=False)
                evicted.dispose()
            return engine

    def forget(self, slug: str) -> None:
        with self._lock:
            engine = self._engines.pop(slug, None)
        if engine is not None:
            engine.dispose()

    def __len__(self) -> int:
        return len(self._engines)

    def dispose_all(self) -> None:
        with self._lock:
            engines, self._engines = list(self._engines.values()), OrderedDict()
        for engine in engines:
            engine.dispose()

    # --- creating and dropping tenant databases ---------------------------

    def create_database(self, slug: str) -> None:
        """Create the tenant's empty database (a new PostgreSQL database, or a SQLite file's folder)."""
        url = make_url(self.url_for(slug))
        if url.get_backend_name() == "sqlite":
            _make_folder_of(url.database)
            return
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                 poolclass=sa.pool.NullPool)
        report_unready(admin)
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                  {"d": url.database}).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()

    def drop_database(self, slug: str) -> None:
        self.forget(slug)
        url = make_url(self.url_for(slug))
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                for suffix in ("", "-wal", "-shm"):
                    Path(url.database + suffix).unlink(missing_ok=True)
            return
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                 poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def reading(engine):
    """A connection for one read. On a database server, autocommit spares the BEGIN and
    ROLLBACK round trips; SQLite runs in process, where switching modes costs more."""
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


@contextmanager
def single_write(engine):
    """A connection for one write that commits by itself: autocommit on a database server
    (no BEGIN and COMMIT round trips), a short transaction on SQLite."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")

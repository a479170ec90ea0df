"""The two database set-ups under test: embedded SQLite and PostgreSQL.

Each is a context manager yielding a :class:`Backend`, whose ``env`` configures
both the setup process and gunicorn, and which cleans up after itself.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psutil
import psycopg

from server import GunicornSettings

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
CONTROL_DB = "caas_bench_control"
TENANT_DB_PATTERN = "^caas_tenant_bench_[0-9]+$"
BENCH_DBS = f"(datname = '{CONTROL_DB}' OR datname ~ '{TENANT_DB_PATTERN}')"
# Connections left for others (tests, psql sessions) when sizing the tenant engine cache.
PG_SAFETY_MARGIN = 10
PG_MAX_ENGINE_CACHE = 40


@dataclass
class Backend:
    name: str
    env: dict[str, str]
    notes: list[str] = field(default_factory=list)
    connections: "ConnectionSampler | None" = None  # PostgreSQL only
    # Cumulative CPU seconds of a database server running beside the app, if any.
    database_cpu: Callable[[], float] | None = None


@contextmanager
def sqlite(instance: Path) -> Iterator[Backend]:
    """The embedded default: only the instance folder is set, the URLs are the defaults."""
    yield Backend("sqlite", {"CAAS_INSTANCE_PATH": str(instance)},
                  ["embedded default: control.db + tenants/<slug>.db in a temp instance folder"])


@contextmanager
def postgresql(instance: Path, tenants: int, gunicorn: GunicornSettings) -> Iterator[Backend]:
    """A control-plane database of its own and one database per tenant, all dropped at the end.

    :raises RuntimeError: another bench run is using the bench databases right now.
    """
    with _admin() as admin:
        busy = _count(admin, f"SELECT count(*) FROM pg_stat_activity WHERE {BENCH_DBS}")
        if busy:
            raise RuntimeError(f"{busy} sessions are using the bench databases: another bench "
                               "run in progress? Refusing to drop its databases.")
        stale = _drop_bench_databases(admin)
        admin.execute(f'CREATE DATABASE "{CONTROL_DB}"')
        cache_size, notes = _tenant_engine_cache(admin, tenants, gunicorn)
    if stale:
        notes.insert(0, f"dropped {stale} stale bench databases from an earlier run")
    env = {"CAAS_INSTANCE_PATH": str(instance),
           "CAAS_DATABASE_URL": f"{PG_SERVER}/{CONTROL_DB}",
           "CAAS_TENANT_DATABASE_URL": f"{PG_SERVER}/{{db}}",
           "CAAS_TENANT_POOL_SIZE": "1"}
    if cache_size is not None:
        env["CAAS_TENANT_ENGINE_CACHE_SIZE"] = str(cache_size)
    sampler = ConnectionSampler()
    sampler.start()
    try:
        yield Backend("postgresql", env, notes, sampler, _postgres_cpu_meter())
    finally:
        sampler.stop()
        with _admin() as admin:
            dropped = _drop_bench_databases(admin)
        print(f"  [postgresql] dropped {dropped} bench databases", flush=True)


def check_postgresql() -> None:
    """:raises SystemExit: PostgreSQL cannot be reached, with a hint."""
    try:
        _admin().close()
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at 127.0.0.1:5432 is not reachable ({exc}); "
                         "run with --backends sqlite to skip it")


def _admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN_DSN, autocommit=True)


def _count(connection: psycopg.Connection, query: str) -> int:
    return int(connection.execute(query).fetchone()[0])


def _drop_bench_databases(admin: psycopg.Connection) -> int:
    names = [row[0] for row in admin.execute(f"SELECT datname FROM pg_database WHERE {BENCH_DBS}")]
    for name in names:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return len(names)


def _tenant_engine_cache(admin: psycopg.Connection, tenants: int,
                         gunicorn: GunicornSettings) -> tuple[int | None, list[str]]:
    """Bound the per-worker tenant engine cache if idle pooled connections would not fit.

    Each cached tenant engine keeps one idle connection (pool size 1); on top of
    that each worker needs up to one control-plane and one overflow connection
    per thread.
    """
    max_connections = _count(admin, "SHOW max_connections")
    reserved = _count(admin, "SHOW superuser_reserved_connections")
    in_use = _count(admin, "SELECT count(*) FROM pg_stat_activity "
                           "WHERE backend_type = 'client backend'")
    available = max_connections - reserved - in_use - PG_SAFETY_MARGIN
    per_worker_extra = 2 * gunicorn.threads
    needed = gunicorn.workers * (tenants + per_worker_extra)
    notes = [f"CAAS_TENANT_POOL_SIZE=1; max_connections={max_connections}, "
             f"{reserved} reserved, {in_use} in use by others, margin {PG_SAFETY_MARGIN}"]
    if needed <= available:
        notes.append(f"{needed} connections needed for {tenants} tenants fit: cache not bounded")
        return None, notes
    cache = min(PG_MAX_ENGINE_CACHE, available // gunicorn.workers - per_worker_extra)
    notes.append(f"{tenants} tenants x {gunicorn.workers} workers need ~{needed} connections "
                 f"> {available} available: CAAS_TENANT_ENGINE_CACHE_SIZE={cache} per worker "
                 f"(the LRU evicts and disposes engines; evicted tenants reconnect on next use, "
                 f"and RSS per tenant counts at most {cache} resident engines per worker)")
    return cache, notes


def _postgres_cpu_meter() -> Callable[[], float] | None:
    """CPU seconds used so far by the local PostgreSQL server, or None if it is not local.

    The postmaster's ``children_*`` times hold its exited backends, so sessions that
    open and close within a round are counted too.
    """
    postmaster = next((p for p in psutil.process_iter(["name", "ppid"])
                       if p.info["name"] == "postgres" and p.parent() is not None
                       and p.parent().name() != "postgres"), None)
    if postmaster is None:
        return None

    def cpu_seconds() -> float:
        own = postmaster.cpu_times()
        total = own.user + own.system + own.children_user + own.children_system
        for child in postmaster.children():
            try:
                times = child.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass  # exited meanwhile: now in the postmaster's children_* times
        return total

    return cpu_seconds


class ConnectionSampler:
    """Polls PostgreSQL for connections to the bench databases and sessions opened.

    ``window()`` returns the peak concurrent connections since the previous call,
    and how many sessions were opened (``pg_stat_database.sessions``) meanwhile;
    PostgreSQL flushes that counter lazily, so the count is a lower bound.
    """

    INTERVAL = 0.2

    def __init__(self):
        self._connection = _admin()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._peak = 0
        self._thread = threading.Thread(target=self._poll, name="pg-sampler", daemon=True)
        self._sessions_mark = self._sessions()

    def _connected(self) -> int:
        return _count(self._connection, f"SELECT count(*) FROM pg_stat_activity WHERE {BENCH_DBS}")

    def _sessions(self) -> int:
        self._connection.execute("SELECT pg_stat_clear_snapshot()")  # no stale cached stats
        return _count(self._connection, "SELECT coalesce(sum(sessions), 0) FROM pg_stat_database "
                                        f"WHERE {BENCH_DBS}")

    def _poll(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            with self._lock:
                self._peak = max(self._peak, self._connected())

    def start(self) -> None:
        self._thread.start()

    def window(self) -> dict:
        with self._lock:
            peak, self._peak = self._peak, self._connected()
            sessions = self._sessions()
            opened, self._sessions_mark = sessions - self._sessions_mark, sessions
        return {"peak_connections": peak, "sessions_opened": opened}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._connection.close()

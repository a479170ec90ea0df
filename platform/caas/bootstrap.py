"""Wires the adapters together: the one object the entry points hand to use cases."""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from caas.adapters.engines import TenantEngines, make_engine
from caas.adapters.repositories import TenantRepository
from caas.adapters.services import TenantSettings
from caas.clock import WALL, TenantClock
from caas.domain.services import backoff
from caas.domain.tenants import Tenant
from caas.plugins import Plugins
from caas.service_layer.unit_of_work import ControlUnitOfWork, TenantUnitOfWork
from caas.tenancy import UnknownTenant

log = logging.getLogger(__name__)


@contextmanager
def _reader(engine):
    """A connection for one read. On a database server, autocommit spares the BEGIN and
    ROLLBACK round trips; SQLite runs in process, where switching modes costs more."""
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


@contextmanager
def _single_write(engine):
    """A connection for one write that commits by itself: autocommit on a database server
    (no BEGIN and COMMIT round trips), a short transaction on SQLite."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


class ExpiringCache:
    """Values kept for ``seconds`` per key, shared by the threads of a process."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._values: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load):
        """The cached value of ``key``, or ``load()``'s, kept from now on."""
        cached = self._values.get(key)
        now = time.monotonic()
        if cached and now - cached[0] < self.seconds:
            return cached[1]
        value = load()
        with self._lock:
            self._values[key] = (now, value)
        return value

    def forget(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)


class Platform:
    """Configuration, plugins, databases and the job dispatcher of one process.

    Kept in ``app.extensions["caas"]``; use cases receive it explicitly.
    """

    TENANT_CACHE_SECONDS = 30.0

    def __init__(self, config: dict, plugins: Plugins, dispatch=None):
        self.config = config
        self.plugins = plugins
        self.control_engine = make_engine(config["CAAS_DATABASE_URL"])
        self.tenant_engines = TenantEngines(config["CAAS_TENANT_DATABASE_URL"],
                                            config["CAAS_TENANT_ENGINE_CACHE_SIZE"],
                                            config["CAAS_TENANT_POOL_SIZE"])
        # (tenant_slug, outbox_ids, delay_seconds) -> None, set by the job layer
        self.dispatch = dispatch
        self.external = None  # ExternalSystems, set by create_app
        # (tenant_slug, service_id, delay_seconds) -> None, set by the job layer
        self.schedule_activation = None
        self._tenants = ExpiringCache(self.TENANT_CACHE_SECONDS)
        #: Tenant settings read on hot paths (e.g. every OTA attempt); a change made in
        #: another process is seen within ``CAAS_SETTINGS_CACHE_SECONDS``.
        self.settings_cache = ExpiringCache(config["CAAS_SETTINGS_CACHE_SECONDS"])

    # --- units of work -----------------------------------------------------

    def control_uow(self) -> ControlUnitOfWork:
        return ControlUnitOfWork(self.control_engine)

    def tenant_uow(self, slug: str) -> TenantUnitOfWork:
        return TenantUnitOfWork(self.tenant_engines.get(slug), slug, self.tenant_clock(slug),
                                on_commit=self._after_tenant_commit,
                                hook_implemented=self.plugins.implements)

    # --- time ----------------------------------------------------------------

    #: Where a tenant's test-clock offset is kept, in its own settings (sandbox mode only).
    CLOCK_OFFSET_SETTING = "billing_clock_offset_seconds"

    def tenant_clock(self, slug: str) -> TenantClock:
        """The tenant's business clock: the real time in production; in sandbox mode, moved
        ahead by the tenant's test-clock offset (cached like other hot settings, and
        forgotten here when it changes)."""
        if not self.config["CAAS_SANDBOX"]:
            return WALL
        return self.settings_cache.get(f"clock:{slug}", lambda: self._read_clock(slug))

    def _read_clock(self, slug: str) -> TenantClock:
        with self.tenant_reader(slug) as conn:
            return TenantClock(TenantSettings(conn).get(self.CLOCK_OFFSET_SETTING, 0))

    def forget_clock(self, slug: str) -> None:
        self.settings_cache.forget(f"clock:{slug}")

    # --- one statement, no transaction to begin and end ------------------------

    def tenant_reader(self, slug: str):
        return _reader(self.tenant_engines.get(slug))

    def control_reader(self):
        return _reader(self.control_engine)

    def tenant_writer(self, slug: str):
        """A connection for one tenant write that needs no transaction around it."""
        return _single_write(self.tenant_engines.get(slug))

    def _after_tenant_commit(self, uow: TenantUnitOfWork) -> None:
        if uow.outbox.added:
            self.send_jobs(uow.tenant_slug, list(uow.outbox.added))

    def send_jobs(self, slug: str, outbox_ids: list[int], delay_seconds: float = 0) -> None:
        """Hand committed outbox jobs to the broker; if it is down, the relay sends them later."""
        if self.dispatch is None:
            return
        try:
            self.dispatch(slug, outbox_ids, delay_seconds)
        except Exception:
            # The jobs are safe in the outbox; the relay sends them once the broker is back.
            log.exception("outbox dispatch failed; the relay will retry", extra={"tenant": slug})

    def job_retry_delay(self, attempts: int) -> float:
        """Seconds before an outbox job that failed ``attempts`` times is tried again."""
        return backoff(attempts, self.config["CAAS_OUTBOX_RETRY_SECONDS"],
                       self.config["CAAS_OUTBOX_RETRY_MAX_SECONDS"])

    # --- the tenant registry, cached briefly per process ------------------

    def tenant(self, slug: str) -> Tenant:
        """The active tenant ``slug``, or :class:`UnknownTenant`."""
        tenant = self._tenants.get(slug, lambda: self._read_tenant(slug))
        if tenant is None or tenant.status != "active":
            self._tenants.forget(slug)  # a tenant created a moment ago is found next time
            raise UnknownTenant(slug)
        return tenant

    def _read_tenant(self, slug: str) -> Tenant | None:
        with self.control_reader() as conn:
            return TenantRepository(conn).get(slug)

    def webhook_secret(self, slug: str, system: str) -> str | None:
        """The secret ``system`` signs its webhooks to tenant ``slug`` with; ``None`` if unknown."""
        try:
            return self.tenant(slug).secrets.get(system)
        except UnknownTenant:
            return None

    def forget_tenant(self, slug: str) -> None:
        self._tenants.forget(slug)

    def tenants(self) -> list[Tenant]:
        with self.control_reader() as conn:
            return TenantRepository(conn).list()

    def country_of(self, tenant: Tenant):
        return self.plugins.country(tenant.country)

    def close(self) -> None:
        if self.external is not None:
            self.external.close()
        self.tenant_engines.dispose_all()
        self.control_engine.dispose()

"""Wires the adapters together: the one object the entry points hand to use cases."""
from __future__ import annotations

import logging
import threading
import time

from caas.adapters.sql.engines import TenantEngines, make_engine, reading, single_write
from caas.adapters.sql import migrations
from caas.adapters.sql.tenants import TenantRepository, TenantSettings
from caas.adapters.sql.unit_of_work import ControlUnitOfWork, TenantReader, TenantUnitOfWork
from caas.clock import WALL, TenantClock
from caas.domain.services import backoff
from caas.domain.tenants import Tenant
from caas.plugins import Plugins
from caas.service_layer import clock
from caas.service_layer.context import TenantContext
from caas.tenancy import UnknownTenant

log = logging.getLogger(__name__)


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
        overflow = config["CAAS_DB_MAX_OVERFLOW"]
        self.control_engine = make_engine(config["CAAS_DATABASE_URL"], max_overflow=overflow)
        self.tenant_engines = TenantEngines(config["CAAS_TENANT_DATABASE_URL"],
                                            config["CAAS_TENANT_ENGINE_CACHE_SIZE"],
                                            config["CAAS_TENANT_POOL_SIZE"], overflow)
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

    def tenant_clock(self, slug: str) -> TenantClock:
        """The tenant's business clock: the real time in production; in sandbox mode, moved
        ahead by the tenant's test-clock offset (cached like other hot settings, and
        forgotten here when it changes)."""
        if not self.config["CAAS_SANDBOX"]:
            return WALL
        return self.settings_cache.get(f"clock:{slug}", lambda: self._read_clock(slug))

    def _read_clock(self, slug: str) -> TenantClock:
        with self.tenant_reader(slug) as conn:
            return TenantClock(TenantSettings(conn).get(clock.OFFSET_SETTING, 0))

    def forget_clock(self, slug: str) -> None:
        self.settings_cache.forget(f"clock:{slug}")

    # --- one statement, no transaction to begin and end ------------------------

    def tenant_reader(self, slug: str):
        return reading(self.tenant_engines.get(slug))

    def control_reader(self):
        return reading(self.control_engine)

    def tenant_writer(self, slug: str):
        """A connection for one tenant write that needs no transaction around it."""
        return single_write(self.tenant_engines.get(slug))

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

    # --- what use cases receive ----------------------------------------------------

    def for_tenant(self, tenant: Tenant) -> TenantContext:
        """The context a use case acting for ``tenant`` receives."""
        return TenantContext(tenant, units=_TenantUnits(self, tenant.slug),
                             gateways=self.external.for_tenant(
                                 tenant, self.plugins.countries.get(tenant.country)),
                             plugins=self.plugins,
                             settings=self.config, jobs=_Jobs(self, tenant.slug),
                             cache=self.settings_cache)

    def provision(self, slug: str) -> None:
        """Create tenant ``slug``'s database, at the latest schema."""
        self.tenant_engines.create_database(slug)
        migrations.upgrade(self.tenant_engines.get(slug), "tenant")

    def unprovision(self, slug: str) -> None:
        self.tenant_engines.drop_database(slug)

    def schema_revision(self, slug: str) -> tuple[str | None, str]:
        """The migration revision tenant ``slug``'s database is at, and this release's head."""
        return (migrations.current_revision(self.tenant_engines.get(slug)),
                migrations.head_revision("tenant"))

    def close(self) -> None:
        if self.external is not None:
            self.external.close()
        self.tenant_engines.dispose_all()
        self.control_engine.dispose()


class _TenantUnits:
    """A tenant's units of work over its database, stamped with its clock."""

    def __init__(self, platform: Platform, slug: str):
        self.platform, self.slug = platform, slug

    def transaction(self) -> TenantUnitOfWork:
        return self.platform.tenant_uow(self.slug)

    def reader(self) -> TenantReader:
        platform = self.platform
        return TenantReader(platform.tenant_engines.get(self.slug), self.slug, self.clock(),
                            hook_implemented=platform.plugins.implements)

    def clock(self) -> TenantClock:
        return self.platform.tenant_clock(self.slug)

    def forget_clock(self) -> None:
        self.platform.forget_clock(self.slug)


class _Jobs:
    """A tenant's background jobs, handed to the broker."""

    def __init__(self, platform: Platform, slug: str):
        self.platform, self.slug = platform, slug

    def send(self, outbox_ids: list[int], delay_seconds: float = 0) -> None:
        self.platform.send_jobs(self.slug, outbox_ids, delay_seconds)

    def activate_later(self, service_id: int, delay_seconds: float) -> None:
        self.platform.schedule_activation(self.slug, service_id, delay_seconds)

    def retry_delay(self, attempts: int) -> float:
        return self.platform.job_retry_delay(attempts)

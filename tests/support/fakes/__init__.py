"""In-memory fakes of the service layer's ports, and a :class:`TenantContext` made of them:
no database, no HTTP, no Flask application.

``world = fake_world("ES")`` gives ``world.ctx`` (what use cases take), ``world.store`` (the
committed tables), ``world.gateways``, ``world.jobs``, ``world.clock``.
"""
from __future__ import annotations

from functools import lru_cache

from caas import config as configuration
from caas.domain.tenants import Tenant
from caas.plugins import Plugins
from caas.service_layer.context import TenantContext
from tests.support.fakes import dashboard, money, orders
from tests.support.fakes import repositories as repo
from tests.support.fakes.gateways import FakeGateways
from caas.tenancy import UnknownTenant
from tests.support.fakes.store import FakeUnits, FakeUnitOfWork, FixedClock, Store


class FakeJobs:
    """Jobs the use cases sent, instead of a broker."""

    def __init__(self):
        self.sent: list[tuple[list[int], float]] = []
        self.activations: list[tuple[int, float]] = []

    def send(self, outbox_ids: list[int], delay_seconds: float = 0) -> None:
        self.sent.append((list(outbox_ids), delay_seconds))

    def activate_later(self, service_id: int, delay_seconds: float) -> None:
        self.activations.append((service_id, delay_seconds))

    def retry_delay(self, attempts: int) -> float:
        return 30.0 * 2 ** attempts


class DictCache:
    """The per-process cache, as a dict that keeps values until they are forgotten."""

    def __init__(self):
        self.values: dict = {}

    def get(self, key: str, load):
        if key not in self.values:
            self.values[key] = load()
        return self.values[key]

    def forget(self, key: str) -> None:
        self.values.pop(key, None)


@lru_cache(maxsize=1)
def plugins() -> Plugins:
    """The bundled plugins, loaded once: the catalog is in memory and read-only."""
    return Plugins(None).load()


def bind(uow) -> None:
    """Lay the in-memory repositories on a fake unit of work (as ``TenantUnitOfWork.bind``)."""
    uow.users, uow.customers, uow.audit = repo.Users(uow), repo.Customers(uow), repo.Audit(uow)
    uow.outbox = repo.Outbox(uow)
    uow.events = repo.Events(uow.outbox)
    uow.catalog, uow.orders = orders.Catalog(uow), orders.Orders(uow)
    uow.vehicles, uow.payments = orders.Vehicles(uow), money.Payments(uow)
    uow.webhooks, uow.held_events = money.Webhooks(uow), money.HeldEvents(uow)
    uow.tickets = money.Tickets(uow)
    uow.subscriptions, uow.invoices = money.Subscriptions(uow), money.Invoices(uow)
    uow.usage = money.Usage(uow)
    uow.catalog_settings, uow.settings = repo.CatalogSettings(uow), repo.Settings(uow)
    uow.services, uow.documents = orders.Services(uow), repo.Documents(uow)
    uow.notifications = repo.Notifications(uow)
    uow.preferences = repo.NotificationPreferences(uow)
    uow.reminders = repo.MaintenanceReminders(uow)
    uow.maintenance = repo.MaintenanceRecords(uow)
    uow.password_resets, uow.throttle = repo.PasswordResets(uow), repo.Throttle(uow)
    uow.dashboard = dashboard.DashboardQueries(uow)


class FakeWorld:
    """One tenant in memory, and everything its use cases reach."""

    def __init__(self, country: str = "ES", locales: list[str] | None = None,
                 tenant: Tenant | None = None, **settings):
        found = plugins().countries[country]
        self.tenant = tenant or Tenant(
            slug=f"{country.lower()}-test", name=f"Test {country}", country=country,
            currency=found.currency, locales=locales or list(found.locales),
            timezone=found.timezone, id=1)
        self.store, self.clock = Store(), FixedClock()
        self.gateways, self.jobs, self.cache = FakeGateways(), FakeJobs(), DictCache()
        # Registration retries at once: a unit test never sleeps.
        self.settings = {**configuration.defaults("/nonexistent"),
                         "CAAS_REGISTRATION_RETRY_WAIT_SECONDS": 0, **settings}
        self.ctx = TenantContext(
            self.tenant, units=FakeUnits(self.store, self.clock, bind, self._sent),
            gateways=self.gateways, plugins=plugins(), settings=self.settings, jobs=self.jobs,
            cache=self.cache)

    def _sent(self, uow) -> None:
        if uow.outbox.added:
            self.jobs.send(uow.outbox.added)
            uow.outbox.added = []

    def rows(self, table: str) -> list:
        """The committed rows of ``table``, in insertion order."""
        return list(self.store.table(table).rows.values())

    def jobs_of(self, task: str) -> list[dict]:
        """The payloads of the committed outbox jobs of ``task``."""
        return [row["payload"] for row in self.rows("outbox") if row["task"] == task]

    def audit(self, action: str | None = None) -> list[dict]:
        return [row for row in self.rows("audit_log") if action in (None, row["action"])]


def fake_world(country: str = "ES", **settings) -> FakeWorld:
    return FakeWorld(country, **settings)


def bind_control(uow) -> None:
    """The control plane's repositories on a fake unit of work."""
    uow.tenants, uow.operators = repo.Tenants(uow), repo.Operators(uow)
    uow.throttle = repo.Throttle(uow)


class FakeControlPlane:
    """The platform in memory: its tenant registry, and a :class:`FakeWorld` per tenant
    it provisions (``plane.worlds[slug]``), at schema ``HEAD`` unless a test says else."""

    HEAD = "head"

    def __init__(self, **settings):
        self.store, self.clock = Store(), FixedClock()
        self.plugins = plugins()
        self.config = {**configuration.defaults("/nonexistent"), **settings}
        self.worlds: dict[str, FakeWorld] = {}
        self.revisions: dict[str, str | None] = {}

    def control_uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, self.clock, bind_control)

    def tenant(self, slug: str) -> Tenant:
        with self.control_uow() as uow:
            tenant = uow.tenants.get(slug)
        if tenant is None or tenant.status != "active":
            raise UnknownTenant(slug)
        return tenant

    def tenants(self) -> list[Tenant]:
        with self.control_uow() as uow:
            return uow.tenants.list()

    def for_tenant(self, tenant: Tenant):
        return self.worlds[tenant.slug].ctx

    def provision(self, slug: str) -> None:
        with self.control_uow() as uow:
            tenant = uow.tenants.get(slug)
        self.worlds[slug] = FakeWorld(tenant.country, tenant=tenant, **self.config)
        self.revisions[slug] = self.HEAD

    def unprovision(self, slug: str) -> None:
        self.worlds.pop(slug, None)

    def schema_revision(self, slug: str) -> tuple[str | None, str]:
        return self.revisions[slug], self.HEAD

    def forget_tenant(self, slug: str) -> None:
        pass

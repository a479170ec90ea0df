"""Units of work: one transaction over the control plane or one tenant database."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator

from sqlalchemy.engine import Engine

from caas.adapters.sql import notifications, orders, services, usage
from caas.adapters.sql.billing import invoices, runs, subscriptions
from caas.adapters.sql import repositories as repo
from caas.adapters.sql import tables
from caas.adapters.sql.engines import reading
from caas.clock import WALL, TenantClock
from caas.context import current_actor, current_request_id


class UnitOfWork:
    """A transaction; nothing is kept unless :meth:`commit` is called.

    :param on_commit: called with the unit of work after a successful commit.
    """

    def __init__(self, engine: Engine, on_commit: Callable[["UnitOfWork"], None] | None = None):
        self.engine = engine
        self.on_commit = on_commit
        self.committed = False

    def __enter__(self):
        self.conn = self.engine.connect()
        self.transaction = self.conn.begin()
        self.bind(self.conn)
        return self

    def bind(self, conn) -> None:
        """Create the repositories over ``conn``."""

    def commit(self) -> None:
        self.transaction.commit()
        self.committed = True
        if self.on_commit:
            self.on_commit(self)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: what its block wrote is undone alone when the block raises."""
        with self.conn.begin_nested():
            yield

    def __exit__(self, *exc_info):
        if not self.committed and self.transaction.is_active:
            self.transaction.rollback()
        self.conn.close()


class ControlUnitOfWork(UnitOfWork):
    def bind(self, conn) -> None:
        self.tenants = repo.TenantRepository(conn)
        self.operators = repo.OperatorRepository(conn)
        self.throttle = repo.LoginThrottle(conn, tables.control_login_failures)


class TenantUnitOfWork(UnitOfWork):
    """A transaction in one tenant's database; its outbox jobs are dispatched after commit.

    :param clock: the tenant's business time, which its repositories stamp rows with (the
        outbox, the sign-in throttle and idempotency keys keep the real time).
    """

    def __init__(self, engine: Engine, tenant_slug: str, clock: TenantClock = WALL,
                 on_commit=None, hook_implemented: Callable[[str], bool] = lambda hook: True):
        super().__init__(engine, on_commit)
        self.tenant_slug = tenant_slug
        self.clock = clock
        self._hook_implemented = hook_implemented

    def now(self) -> datetime:
        """The tenant's business time."""
        return self.clock.now()

    def bind(self, conn) -> None:
        clock, actor = self.clock, current_actor()
        self.users = repo.UserRepository(conn, clock)
        self.audit = repo.AuditLog(conn, actor, current_request_id(), clock)
        self.outbox = repo.OutboxRepository(conn)
        self.events = repo.PluginEvents(self.outbox, self._hook_implemented)
        self.throttle = repo.LoginThrottle(conn, tables.login_failures)
        self.catalog = orders.CatalogRepository(conn, clock)
        self.customers = orders.CustomerRepository(conn, clock)
        self.orders = orders.OrderRepository(conn, self.audit, clock)
        self.vehicles = orders.VehicleRepository(conn, clock)
        self.payments = orders.PaymentRepository(conn, clock)
        self.webhooks = orders.WebhookEvents(conn, clock)
        self.held_events = orders.HeldPaymentEvents(conn, clock)
        self.idempotency = orders.IdempotencyKeys(conn)
        self.tickets = orders.SupportTickets(conn, self.audit, clock)
        self.catalog_settings = services.CatalogSettings(conn, clock)
        self.settings = services.TenantSettings(conn)
        self.services = services.ServiceRepository(conn, self.audit, clock)
        self.notifications = notifications.Notifications(conn, clock)
        self.preferences = notifications.NotificationPreferences(conn, clock)
        self.reminders = notifications.MaintenanceReminders(conn, clock)
        self.maintenance = notifications.MaintenanceRecords(conn, clock)
        self.documents = notifications.Documents(conn, clock)
        self.subscriptions = subscriptions.SubscriptionRepository(conn, clock)
        self.invoices = invoices.InvoiceRepository(conn, clock)
        self.billing_runs = runs.BillingRuns(conn, clock)
        self.usage = usage.UsageRepository(conn, clock)


class TenantReader(TenantUnitOfWork):
    """The tenant's repositories over one connection outside a transaction: for reads, which
    then need no BEGIN and ROLLBACK round trips on a database server."""

    def __enter__(self):
        self._connection = reading(self.engine)
        self.conn = self._connection.__enter__()
        self.bind(self.conn)
        return self

    def commit(self) -> None:
        raise RuntimeError("a reader writes nothing")

    def __exit__(self, *exc_info):
        self._connection.__exit__(*exc_info)

"""Units of work: one transaction over the control plane or one tenant database."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.engine import Engine

from caas.adapters import billing, notifications, orders, services, usage
from caas.adapters import repositories as repo
from caas.adapters import schema
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

    def __exit__(self, *exc_info):
        if not self.committed and self.transaction.is_active:
            self.transaction.rollback()
        self.conn.close()


class ControlUnitOfWork(UnitOfWork):
    def __init__(self, engine: Engine, max_failures: int, window_seconds: int):
        super().__init__(engine)
        self._throttle = (max_failures, window_seconds)

    def bind(self, conn) -> None:
        self.tenants = repo.TenantRepository(conn)
        self.operators = repo.OperatorRepository(conn)
        self.throttle = repo.LoginThrottle(conn, schema.control_login_failures, *self._throttle)


class TenantUnitOfWork(UnitOfWork):
    """A transaction in one tenant's database; its outbox jobs are dispatched after commit."""

    def __init__(self, engine: Engine, tenant_slug: str, max_failures: int, window_seconds: int,
                 on_commit=None, hook_implemented: Callable[[str], bool] = lambda hook: True):
        super().__init__(engine, on_commit)
        self.tenant_slug = tenant_slug
        self._throttle = (max_failures, window_seconds)
        self._hook_implemented = hook_implemented

    def bind(self, conn) -> None:
        self.users = repo.UserRepository(conn)
        self.audit = repo.AuditLog(conn, current_actor(), current_request_id())
        self.outbox = repo.OutboxRepository(conn)
        self.events = repo.PluginEvents(self.outbox, self._hook_implemented)
        self.throttle = repo.LoginThrottle(conn, schema.login_failures, *self._throttle)
        self.catalog = orders.CatalogRepository(conn)
        self.customers = orders.CustomerRepository(conn)
        self.orders = orders.OrderRepository(conn, self.audit)
        self.vehicles = orders.VehicleRepository(conn)
        self.payments = orders.PaymentRepository(conn)
        self.webhooks = orders.WebhookEvents(conn)
        self.idempotency = orders.IdempotencyKeys(conn)
        self.tickets = orders.SupportTickets(conn, self.audit)
        self.catalog_settings = services.CatalogSettings(conn)
        self.settings = services.TenantSettings(conn)
        self.services = services.ServiceRepository(conn, current_actor())
        self.notifications = notifications.Notifications(conn)
        self.preferences = notifications.NotificationPreferences(conn)
        self.reminders = notifications.MaintenanceReminders(conn)
        self.maintenance = notifications.MaintenanceRecords(conn)
        self.documents = notifications.Documents(conn)
        self.subscriptions = billing.SubscriptionRepository(conn)
        self.invoices = billing.InvoiceRepository(conn)
        self.billing_runs = billing.BillingRuns(conn)
        self.usage = usage.UsageRepository(conn)

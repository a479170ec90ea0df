"""Units of work: one transaction over the control plane or one tenant database."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from caas.adapters.sql import (audit, catalog, customers, dashboard, idempotency,
                               notifications, orders, outbox, password_resets, payments,
                               services, sign_in, tables, tenants, tickets, usage, users,
                               vehicles)
from caas.adapters.sql.billing import invoices, runs, subscriptions
from caas.adapters.sql.engines import reading
from caas.clock import WALL, TenantClock
from caas.context import current_actor, current_request_id
from caas.service_layer.unit_of_work import Duplicate


class UnitOfWork:
    """A transaction; nothing is kept unless :meth:`commit` is called.

    A unique row met by a write comes out as :class:`Duplicate`, whether at the write, at
    commit or inside :meth:`savepoint`: use cases never see the driver's errors.

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
        try:
            self.transaction.commit()
        except IntegrityError as exc:
            raise Duplicate(str(exc.orig)) from exc
        self.committed = True
        if self.on_commit:
            self.on_commit(self)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Writes undone alone when they meet a unique row (raising :class:`Duplicate`),
        the rest of the transaction kept."""
        try:
            with self.conn.begin_nested():
                yield
        except IntegrityError as exc:
            raise Duplicate(str(exc.orig)) from exc

    def __exit__(self, exc_type, exc, traceback):
        if not self.committed and self.transaction.is_active:
            self.transaction.rollback()
        self.conn.close()
        if isinstance(exc, IntegrityError):
            raise Duplicate(str(exc.orig)) from exc


class ControlUnitOfWork(UnitOfWork):
    def bind(self, conn) -> None:
        self.tenants = tenants.TenantRepository(conn)
        self.operators = users.OperatorRepository(conn)
        self.throttle = sign_in.LoginThrottle(conn, tables.control_login_failures)


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
        self.users = users.UserRepository(conn, clock)
        self.audit = audit.AuditLog(conn, actor, current_request_id(), clock)
        self.outbox = outbox.OutboxRepository(conn)
        self.events = outbox.PluginEvents(self.outbox, self._hook_implemented)
        self.throttle = sign_in.LoginThrottle(conn, tables.login_failures)
        self.password_resets = password_resets.PasswordResets(conn)
        self.catalog = catalog.CatalogRepository(conn, clock)
        self.customers = customers.CustomerRepository(conn, clock)
        self.orders = orders.OrderRepository(conn, self.audit, clock)
        self.vehicles = vehicles.VehicleRepository(conn, clock)
        self.payments = payments.PaymentRepository(conn, clock)
        self.webhooks = payments.WebhookEvents(conn, clock)
        self.held_events = payments.HeldPaymentEvents(conn, clock)
        self.idempotency = idempotency.IdempotencyKeys(conn)
        self.tickets = tickets.SupportTickets(conn, self.audit, clock)
        self.catalog_settings = catalog.CatalogSettings(conn, clock)
        self.settings = tenants.TenantSettings(conn)
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
        self.dashboard = dashboard.DashboardQueries(conn)


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

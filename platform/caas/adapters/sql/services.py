"""Services: options bought for a vehicle, and their status history."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.audit import AuditLog, read_history, record_steps
from caas.adapters.sql.rows import aware, page
from caas.clock import WALL, TenantClock
from caas.domain.money import Money
from caas.domain.services import Service, ServiceStatus
from caas.service_layer.unit_of_work import LiveServiceExists, StaleService


class ServiceRepository:
    """Services and their status history; saving a service records its pending transitions,
    in the service's history and in the audit log."""

    def __init__(self, conn: Connection, audit: AuditLog, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn
        self.audit = audit

    @staticmethod
    def _service(row) -> Service:
        return Service(
            id=row.id, customer_id=row.customer_id, vin=row.vin, option=row.option,
            billing=row.billing, price=Money.from_minor(row.price_minor, row.currency),
            card_token=row.card_token, status=ServiceStatus(row.status),
            payment_id=row.payment_id, payment_status=row.payment_status,
            refunded=Money.from_minor(row.refunded_minor, row.currency),
            refund_due=None if row.refund_due_minor is None else Money.from_minor(
                row.refund_due_minor, row.currency), attempts=row.attempts,
            max_attempts=row.max_attempts, next_attempt_at=aware(row.next_attempt_at),
            last_error=row.last_error, activated_at=aware(row.activated_at),
            expires_at=aware(row.expires_at), ended_at=aware(row.ended_at),
            created_at=aware(row.created_at), updated_at=aware(row.updated_at),
            version=row.version)

    @staticmethod
    def _values(service: Service) -> dict[str, Any]:
        return dict(status=service.status.value, live_key=service.live_key,
                    payment_id=service.payment_id, payment_status=service.payment_status,
                    refunded_minor=service.refunded.to_minor() if service.refunded else 0,
                    refund_due_minor=service.refund_due.to_minor() if service.refund_due else None,
                    attempts=service.attempts, max_attempts=service.max_attempts,
                    next_attempt_at=service.next_attempt_at,
                    last_error=service.last_error[:1000] if service.last_error else None,
                    activated_at=service.activated_at, expires_at=service.expires_at,
                    ended_at=service.ended_at, updated_at=service.updated_at)

    def add(self, service: Service) -> Service:
        """Insert a new purchase; :class:`LiveServiceExists` if the option is live on the vehicle."""
        service.created_at = service.updated_at = self.now()
        try:
            with self.conn.begin_nested():
                service.id = self.conn.execute(tables.services.insert().values(
                    customer_id=service.customer_id, vin=service.vin, option=service.option,
                    billing=service.billing, price_minor=service.price.to_minor(),
                    currency=service.price.currency, card_token=service.card_token,
                    created_at=service.created_at, version=service.version,
                    **self._values(service))).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise LiveServiceExists(service.live_key) from None
        service.pending.insert(0, (None, service.status, "purchase requested"))
        self._record(service)
        return service

    def save(self, service: Service) -> None:
        """Write ``service`` unless someone changed it since it was read (:class:`StaleService`)."""
        service.updated_at = self.now()
        table = tables.services
        changed = self.conn.execute(
            table.update().where(table.c.id == service.id, table.c.version == service.version)
            .values(version=service.version + 1, **self._values(service))).rowcount
        if not changed:
            raise StaleService(service.id)
        service.version += 1
        self._record(service)

    def _record(self, service: Service) -> None:
        record_steps(self.conn, tables.service_events, service.id, self.audit.actor,
                     service.pending, self.now())
        self.audit.steps("service", service.id, service.pending)
        service.pending.clear()

    def get(self, service_id: int) -> Service | None:
        row = self.conn.execute(sa.select(tables.services)
                                .where(tables.services.c.id == service_id)).first()
        return self._service(row) if row else None

    def by_payment(self, payment_id: str) -> Service | None:
        row = self.conn.execute(sa.select(tables.services)
                                .where(tables.services.c.payment_id == payment_id)).first()
        return self._service(row) if row else None

    def unresolved_purchases(self, stale_before: datetime, *, vin: str | None = None,
                             option: str | None = None, limit: int = 500) -> list[int]:
        """Ids of purchases still waiting for their authorization whose outcome must be looked
        up: its answer was lost, or its process died (no sign of life since ``stale_before``)."""
        table = tables.services
        query = sa.select(table.c.id).where(
            table.c.status == ServiceStatus.PAYING.value,
            sa.or_(table.c.payment_status == "unknown", table.c.next_attempt_at < stale_before))
        if vin is not None:
            query = query.where(table.c.live_key == f"{vin}:{option}")
        return list(self.conn.execute(query.order_by(table.c.id).limit(limit)).scalars())

    def live_options(self, vin: str) -> set[str]:
        table = tables.services
        return set(self.conn.execute(sa.select(table.c.option).where(
            table.c.vin == vin, table.c.live_key.is_not(None))).scalars())

    def of_vehicle(self, vin: str, offset: int, limit: int) -> tuple[list[Service], int]:
        rows, total = page(self.conn, sa.select(tables.services).where(tables.services.c.vin == vin),
                           tables.services.c.id.desc(), offset, limit)
        return [self._service(row) for row in rows], total

    def of_customer(self, customer_id: int, offset: int, limit: int,
                    vin: str | None = None) -> tuple[list[Service], int]:
        """The customer's services (on the vehicle ``vin`` only, if given), newest first."""
        table = tables.services
        query = sa.select(table).where(table.c.customer_id == customer_id)
        if vin is not None:
            query = query.where(table.c.vin == vin)
        rows, total = page(self.conn, query, table.c.id.desc(), offset, limit)
        return [self._service(row) for row in rows], total

    def overdue(self, status: ServiceStatus, before: datetime, limit: int = 500) -> list[int]:
        """Ids of services in ``status`` whose next step was due before ``before``."""
        table = tables.services
        return list(self.conn.execute(sa.select(table.c.id).where(
            table.c.status == status.value, table.c.next_attempt_at < before)
            .order_by(table.c.next_attempt_at).limit(limit)).scalars())

    def open_holds(self, limit: int = 500) -> list[int]:
        """Ids of services that ended (or never started) with their authorization still held:
        nobody will capture it, so it must be released."""
        table = tables.services
        return list(self.conn.execute(sa.select(table.c.id).where(
            table.c.live_key.is_(None), table.c.payment_status == "authorized")
            .order_by(table.c.id).limit(limit)).scalars())

    def expired(self, at: datetime, limit: int = 500) -> list[int]:
        """Ids of active time-limited services whose time is up at ``at``."""
        table = tables.services
        return list(self.conn.execute(sa.select(table.c.id).where(
            table.c.status == ServiceStatus.ACTIVE.value, table.c.expires_at <= at)
            .order_by(table.c.expires_at).limit(limit)).scalars())

    def history(self, service_ids: list[int]) -> dict[int, list[dict]]:
        return read_history(self.conn, tables.service_events, service_ids)

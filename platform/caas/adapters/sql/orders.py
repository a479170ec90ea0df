"""Orders and their status history."""
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
from caas.domain.orders import AWAITING_VEHICLE, Order, Status
from caas.service_layer.unit_of_work import StaleOrder


class OrderRepository:
    """Orders and their status history; saving an order records its pending transitions,
    in the order's history and in the audit log."""

    def __init__(self, conn: Connection, audit: AuditLog, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn
        self.audit = audit

    @staticmethod
    def _order(row) -> Order:
        currency = row.currency
        return Order(
            id=row.id, reference=row.reference, customer_id=row.customer_id, model=row.model,
            plan=row.plan, options=list(row.options),
            price=Money.from_minor(row.price_minor, currency),
            reservation=Money.from_minor(row.reservation_minor, currency),
            owner=dict(row.owner), status=Status(row.status), vin=row.vin, plate=row.plate,
            factory_order_id=row.factory_order_id, estimated_date=row.estimated_date,
            created_by=row.created_by, created_at=aware(row.created_at),
            updated_at=aware(row.updated_at),
            registration_escalated_at=aware(row.registration_escalated_at), version=row.version)

    def _values(self, order: Order) -> dict[str, Any]:
        return dict(status=order.status.value, vin=order.vin, plate=order.plate,
                    factory_order_id=order.factory_order_id, estimated_date=order.estimated_date,
                    registration_escalated_at=order.registration_escalated_at,
                    updated_at=order.updated_at)

    def add(self, order: Order) -> Order:
        order.created_at = order.updated_at = self.now()
        order.id = self.conn.execute(tables.orders.insert().values(
            reference=order.reference, customer_id=order.customer_id, model=order.model,
            plan=order.plan, options=order.options, price_minor=order.price.to_minor(),
            reservation_minor=order.reservation.to_minor(), currency=order.price.currency,
            owner=order.owner, created_by=order.created_by, created_at=order.created_at,
            version=order.version, **self._values(order))).inserted_primary_key[0]
        self._record(order)
        return order

    def save(self, order: Order) -> None:
        """Write ``order`` if nobody changed it since it was read, else raise :class:`StaleOrder`."""
        order.updated_at = self.now()
        table = tables.orders
        changed = self.conn.execute(
            table.update().where(table.c.id == order.id, table.c.version == order.version)
            .values(version=order.version + 1, **self._values(order))).rowcount
        if not changed:
            raise StaleOrder(order.reference)
        order.version += 1
        self._record(order)

    def _record(self, order: Order) -> None:
        steps = [(step.source, step.target, step.note) for step in order.pending]
        record_steps(self.conn, tables.order_events, order.id, self.audit.actor, steps,
                     self.now())
        self.audit.steps("order", order.id, steps)
        order.pending.clear()

    def get(self, order_id: int) -> Order | None:
        row = self.conn.execute(sa.select(tables.orders)
                                .where(tables.orders.c.id == order_id)).first()
        return self._order(row) if row else None

    def by_factory_order(self, factory_order_id: str) -> Order | None:
        row = self.conn.execute(sa.select(tables.orders).where(
            tables.orders.c.factory_order_id == factory_order_id)).first()
        return self._order(row) if row else None

    def page(self, offset: int, limit: int, *, status: str | None = None,
             customer_id: int | None = None) -> tuple[list[Order], int]:
        query = sa.select(tables.orders)
        if status:
            query = query.where(tables.orders.c.status == status)
        if customer_id is not None:
            query = query.where(tables.orders.c.customer_id == customer_id)
        rows, total = page(self.conn, query, tables.orders.c.id.desc(), offset, limit)
        return [self._order(row) for row in rows], total

    @staticmethod
    def _late(registration_due: datetime):
        """Registering orders escalated, or registering since before ``registration_due``
        (nothing else saves a registering order: its last change is when it started)."""
        orders = tables.orders.c
        return sa.and_(orders.status == Status.REGISTERING.value, sa.or_(
            orders.registration_escalated_at.is_not(None), orders.updated_at < registration_due))

    def status_counts(self, registration_due: datetime) -> tuple[dict[str, int], int]:
        """``({status: orders}, late registrations)``: a grouped count the status index
        answers alone, and a count of the registering orders that are late."""
        orders = tables.orders.c
        counts = self.conn.execute(sa.select(orders.status, sa.func.count())
                                   .group_by(orders.status)).all()
        late = self.conn.execute(sa.select(sa.func.count()).select_from(tables.orders)
                                 .where(self._late(registration_due))).scalar()
        return {status: int(count) for status, count in counts}, int(late)

    def waiting(self, offset: int, limit: int, statuses: list[str],
                registration_due: datetime) -> list[Order]:
        """Orders in ``statuses``, newest first; registering ones only when late (how many
        there are in all, :meth:`status_counts` says)."""
        orders = tables.orders.c
        # Most orders wait for something: reading the table backwards by its key and stopping
        # at the page's last row beats sorting every waiting order, which a lookup through
        # the status index needs (the expression keeps the planner off that index).
        query = sa.select(tables.orders).where(
            sa.func.coalesce(orders.status, "").in_(statuses),
            sa.or_(orders.status != Status.REGISTERING.value, self._late(registration_due)))
        rows = self.conn.execute(query.order_by(orders.id.desc()).offset(offset).limit(limit))
        return [self._order(row) for row in rows]

    def awaiting_vehicle(self, models: list[str]) -> list[Order]:
        """Orders of ``models`` that could take a vehicle now, oldest first."""
        table = tables.orders
        rows = self.conn.execute(sa.select(table).where(
            table.c.model.in_(sorted(set(models))),
            table.c.status.in_(sorted(status.value for status in AWAITING_VEHICLE)))
            .order_by(table.c.id))
        return [self._order(row) for row in rows]

    def history(self, order_ids: list[int]) -> dict[int, list[dict]]:
        return read_history(self.conn, tables.order_events, order_ids)

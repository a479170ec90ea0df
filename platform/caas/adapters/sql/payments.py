"""Payments and their attempts, received gateway webhooks and held payment events."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware, insert_once
from caas.clock import WALL, TenantClock
from caas.domain.money import Money
from caas.service_layer.unit_of_work import AlreadyPaid, PaymentInProgress


class PaymentRepository:
    """One row per attempt to pay a part of an order; at most one attempt runs at a time.

    An attempt is ``processing`` while its call to the gateway runs, then ``succeeded``,
    ``declined``, ``failed`` (known not to have charged) or ``unknown`` (the answer was
    lost: the gateway may have charged). An unknown attempt, or a processing one whose
    process died, is *unresolved*: it must be reconciled by its key before another starts.
    """

    UNRESOLVED = ("processing", "unknown")

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def _latest(self, order_id: int, kind: str):
        table = tables.payments
        return self.conn.execute(
            sa.select(table).where(table.c.order_id == order_id, table.c.kind == kind)
            .order_by(table.c.attempt.desc()).limit(1)).first()

    def start(self, order_id: int, kind: str, amount: Money, key_prefix: str,
              card_token: str) -> dict:
        """Open the next attempt, with a key of its own.

        :raises PaymentInProgress: the latest attempt is unresolved (the unique constraint on
            ``(order_id, kind, attempt)`` settles races between processes).
        :raises AlreadyPaid: an attempt succeeded, though the caller may have read the order
            before that attempt's transaction moved it on.
        """
        latest = self._latest(order_id, kind)
        if latest is not None and latest.status == "succeeded":
            raise AlreadyPaid(order_id)
        if latest is not None and latest.status in self.UNRESOLVED:
            raise PaymentInProgress(order_id)
        attempt = latest.attempt + 1 if latest is not None else 1
        now = self.now()
        values = dict(order_id=order_id, kind=kind, attempt=attempt, status="processing",
                      amount_minor=amount.to_minor(), currency=amount.currency,
                      card_token=card_token, gateway_key=f"{key_prefix}:{kind}:{attempt}",
                      created_at=now, updated_at=now)
        try:
            with self.conn.begin_nested():
                values["id"] = self.conn.execute(
                    tables.payments.insert().values(**values)).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise PaymentInProgress(order_id) from None
        return values

    def unresolved(self, order_id: int, kind: str, stale_after_seconds: float) -> dict | None:
        """The latest attempt if it awaits reconciliation: ``unknown``, or ``processing``
        with no sign of life for ``stale_after_seconds`` (its process died mid-call)."""
        latest = self._latest(order_id, kind)
        if latest is None or not self._unresolved(latest, stale_after_seconds):
            return None
        return self._attempt(latest)

    def all_unresolved(self, stale_after_seconds: float, limit: int = 500) -> list[dict]:
        """Every unresolved attempt, oldest first."""
        table = tables.payments
        stale = self.now() - timedelta(seconds=stale_after_seconds)
        rows = self.conn.execute(sa.select(table).where(sa.or_(
            table.c.status == "unknown",
            sa.and_(table.c.status == "processing", table.c.updated_at <= stale)))
            .order_by(table.c.updated_at).limit(limit))
        return [self._attempt(row) for row in rows]

    def _unresolved(self, row, stale_after_seconds: float) -> bool:
        if row.status == "unknown":
            return True
        return row.status == "processing" and \
            aware(row.updated_at) <= self.now() - timedelta(seconds=stale_after_seconds)

    @staticmethod
    def _attempt(row) -> dict:
        return dict(row._mapping, created_at=aware(row.created_at),
                    updated_at=aware(row.updated_at))

    def resume(self, attempt: dict) -> bool:
        """Take an unresolved attempt to send its request again, with its own key; ``False``
        when another request took it first."""
        table = tables.payments
        return bool(self.conn.execute(table.update().where(
            table.c.id == attempt["id"], table.c.status == attempt["status"],
            table.c.updated_at == attempt["updated_at"])
            .values(status="processing", updated_at=self.now())).rowcount)

    def finish(self, payment_id: int, status: str, *, gateway_payment_id: str | None = None,
               settlement: str | None = None, error: str | None = None) -> bool:
        """Record an attempt's outcome, once: ``False`` when it was resolved already."""
        table = tables.payments
        return bool(self.conn.execute(table.update().where(
            table.c.id == payment_id, table.c.status.in_(self.UNRESOLVED)).values(
            status=status, gateway_payment_id=gateway_payment_id, settlement=settlement,
            error=error[:500] if error else None, updated_at=self.now())).rowcount)

    def get(self, payment_id: int) -> dict | None:
        row = self.conn.execute(sa.select(tables.payments)
                                .where(tables.payments.c.id == payment_id)).first()
        return self._attempt(row) if row else None

    def succeeded(self, order_id: int, kind: str) -> dict | None:
        table = tables.payments
        row = self.conn.execute(sa.select(table).where(
            table.c.order_id == order_id, table.c.kind == kind,
            table.c.status == "succeeded")).first()
        return dict(row._mapping, updated_at=aware(row.updated_at)) if row else None

    def by_gateway_id(self, gateway_payment_id: str) -> dict | None:
        row = self.conn.execute(sa.select(tables.payments).where(
            tables.payments.c.gateway_payment_id == gateway_payment_id)).first()
        return dict(row._mapping) if row else None

    def by_key(self, gateway_key: str) -> dict | None:
        row = self.conn.execute(sa.select(tables.payments).where(
            tables.payments.c.gateway_key == gateway_key)).first()
        return self._attempt(row) if row else None

    def set_settlement(self, payment_id: int, settlement: str) -> None:
        self.conn.execute(tables.payments.update().where(tables.payments.c.id == payment_id)
                          .values(settlement=settlement, updated_at=self.now()))

    def of_orders(self, order_ids: list[int]) -> dict[int, list[dict]]:
        table = tables.payments
        result: dict[int, list[dict]] = {order_id: [] for order_id in order_ids}
        for row in self.conn.execute(sa.select(table).where(table.c.order_id.in_(order_ids))
                                     .order_by(table.c.id)):
            result[row.order_id].append({
                "kind": row.kind, "attempt": row.attempt, "status": row.status,
                "amount": Money.from_minor(row.amount_minor, row.currency),
                "settlement": row.settlement, "at": aware(row.updated_at)})
        return result


class WebhookEvents:
    """Webhook events already handled, so that a replay has no second effect."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def seen(self, system: str, event_id: str) -> dict | None:
        table = tables.webhook_events
        row = self.conn.execute(sa.select(table).where(
            table.c.system == system, table.c.event_id == event_id)).first()
        return dict(row._mapping) if row else None

    def record(self, system: str, event_id: str, payload: dict, outcome: str) -> bool:
        """Record the event; ``False`` if a concurrent delivery recorded it first."""
        return insert_once(self.conn, tables.webhook_events, system=system, event_id=event_id,
                           payload=payload, outcome=outcome[:200], received_at=self.now())


class HeldPaymentEvents:
    """Payment news about payments not known when it came, kept until claimed or refunded."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def hold(self, event: dict) -> bool:
        """Keep the report; ``False`` if a concurrent delivery kept it first."""
        return insert_once(self.conn, tables.held_payment_events, event_id=event["event_id"],
                           payment_id=event["payment_id"],
                           idempotency_key=event.get("idempotency_key"), payload=event,
                           received_at=self.now())

    def _rows(self, *conditions) -> list[dict]:
        table = tables.held_payment_events
        rows = self.conn.execute(sa.select(table).where(table.c.resolved_at.is_(None), *conditions)
                                 .order_by(table.c.id))
        return [dict(row._mapping, received_at=aware(row.received_at)) for row in rows]

    def unresolved(self) -> list[dict]:
        return self._rows()

    def matching(self, payment_ids: list[str], keys: list[str]) -> list[dict]:
        """Unresolved reports about any of ``payment_ids``, or sent after any of ``keys``."""
        table = tables.held_payment_events
        return self._rows(sa.or_(table.c.payment_id.in_(payment_ids),
                                 table.c.idempotency_key.in_(keys)))

    def resolve(self, held_id: int, resolution: str, ticket_id: int | None = None) -> None:
        table = tables.held_payment_events
        self.conn.execute(table.update().where(table.c.id == held_id).values(
            resolved_at=self.now(), resolution=resolution, ticket_id=ticket_id))

    def orphaned(self, payment_id: str) -> bool:
        """Whether ``payment_id`` was refunded as an orphan charge."""
        table = tables.held_payment_events
        return self.conn.execute(sa.select(table.c.id).where(
            table.c.payment_id == payment_id, table.c.resolution == "orphan_refunded")
            .limit(1)).first() is not None

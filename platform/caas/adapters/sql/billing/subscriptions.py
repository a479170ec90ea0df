"""The subscriptions of monthly services, read as :class:`Subscription` entities."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware
from caas.clock import WALL, TenantClock
from caas.domain.subscriptions import Subscription

SUBSCRIPTION_END_NOT_BILLED = ("withdrawn",)


def _utc(instant: datetime) -> datetime:
    # SQLite keeps the wall time it is given: store every instant in UTC.
    return instant.astimezone(timezone.utc)


def _priced_otherwise(option: str, price_minor: int, usage_price_minor: int | None,
                      usage_included: int | None) -> tuple:
    """Running subscriptions of ``option`` at other prices than these, and not already
    moving to them (their customers were told once)."""
    table = tables.subscriptions
    return (table.c.option == option, table.c.status == "active", sa.or_(
        table.c.price_minor != price_minor,
        table.c.usage_price_minor.is_distinct_from(usage_price_minor),
        table.c.usage_included.is_distinct_from(usage_included)), sa.or_(
        table.c.next_price_minor.is_distinct_from(price_minor),
        table.c.next_usage_price_minor.is_distinct_from(usage_price_minor),
        table.c.next_usage_included.is_distinct_from(usage_included)))


class SubscriptionRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def add(self, *, service_id: int, customer_id: int, vin: str, option: str, price_minor: int,
            currency: str, card_token: str, started_at: datetime,
            trial_ends_at: datetime | None = None, usage_price_minor: int | None = None,
            usage_included: int | None = None) -> int | None:
        """Start the subscription of a monthly service; ``None`` if it already has one."""
        now = self.now()
        try:
            with self.conn.begin_nested():
                return self.conn.execute(tables.subscriptions.insert().values(
                    service_id=service_id, customer_id=customer_id, vin=vin, option=option,
                    price_minor=price_minor, currency=currency, card_token=card_token,
                    usage_price_minor=usage_price_minor, usage_included=usage_included,
                    status="active", started_at=_utc(started_at),
                    trial_ends_at=trial_ends_at and _utc(trial_ends_at), created_at=now,
                    updated_at=now)).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            return None

    def by_id(self, subscription_id: int) -> Subscription | None:
        row = self.conn.execute(sa.select(tables.subscriptions).where(
            tables.subscriptions.c.id == subscription_id)).first()
        return _subscription(row) if row else None

    def by_service(self, service_id: int) -> Subscription | None:
        row = self.conn.execute(sa.select(tables.subscriptions).where(
            tables.subscriptions.c.service_id == service_id)).first()
        return _subscription(row) if row else None

    def set_cancel_at(self, subscription_id: int, cancel_at: datetime) -> bool:
        """Schedule the end; ``False`` when the subscription is no longer active."""
        table = tables.subscriptions
        return bool(self.conn.execute(table.update().where(
            table.c.id == subscription_id, table.c.status == "active").values(
            status="cancelling", cancel_at=_utc(cancel_at), updated_at=self.now())).rowcount)

    def end(self, subscription_ids: Iterable[int], at: datetime, reason: str) -> list[int]:
        """End the subscriptions still running; returns their service ids."""
        table = tables.subscriptions
        ids = list(subscription_ids)
        if not ids:
            return []
        running = list(self.conn.execute(sa.select(table.c.id, table.c.service_id).where(
            table.c.id.in_(ids), table.c.status != "ended")))
        if running:
            self.conn.execute(table.update().where(table.c.id.in_([r.id for r in running]))
                              .values(status="ended", ended_at=_utc(at), end_reason=reason,
                                      updated_at=self.now()))
        return [row.service_id for row in running]

    def move_price(self, option: str, from_period: str, *, price_minor: int,
                   usage_price_minor: int | None = None,
                   usage_included: int | None = None) -> list[dict]:
        """Give the running subscriptions of ``option`` at another price ``price_minor`` (or
        usage price and included quantity) those from ``from_period``; returns the moved ones
        (id, customer)."""
        table = tables.subscriptions
        return [dict(row._mapping) for row in self.conn.execute(
            table.update().where(*_priced_otherwise(option, price_minor, usage_price_minor,
                                                    usage_included))
            .values(next_price_minor=price_minor, next_price_from=from_period,
                    next_usage_price_minor=usage_price_minor,
                    next_usage_included=usage_included, updated_at=self.now())
            .returning(table.c.id, table.c.customer_id))]

    def to_move(self, option: str, *, price_minor: int, usage_price_minor: int | None = None,
                usage_included: int | None = None) -> list[dict]:
        """The subscriptions (id, customer) :meth:`move_price` would move, changing nothing."""
        table = tables.subscriptions
        return [dict(row._mapping) for row in self.conn.execute(
            sa.select(table.c.id, table.c.customer_id).where(*_priced_otherwise(
                option, price_minor, usage_price_minor, usage_included)).order_by(table.c.id))]

    def trials_to_remind(self, until: datetime) -> list[dict]:
        """Running subscriptions whose free trial ends before ``until``, not reminded yet;
        marked reminded here (in the caller's transaction)."""
        table = tables.subscriptions
        rows = [dict(row._mapping) for row in self.conn.execute(
            table.update().where(table.c.status == "active", table.c.trial_reminded_at.is_(None),
                                 table.c.trial_ends_at <= _utc(until))
            .values(trial_reminded_at=self.now())
            .returning(table.c.id, table.c.customer_id, table.c.option, table.c.price_minor,
                       table.c.currency, table.c.trial_ends_at))]
        for row in rows:
            row["trial_ends_at"] = aware(row["trial_ends_at"])
        return rows

    def due_to_end(self, before: datetime) -> list[int]:
        """Cancelled subscriptions whose month end has come."""
        table = tables.subscriptions
        return list(self.conn.execute(sa.select(table.c.id).where(
            table.c.status == "cancelling", table.c.cancel_at <= _utc(before))).scalars())

    def billable_customers(self, period: str, start: datetime, end: datetime) -> list[int]:
        """Customers with a subscription on during the period and not billed for it yet."""
        query = self._billable(period, start, end).with_only_columns(
            tables.subscriptions.c.customer_id).distinct().order_by(
            tables.subscriptions.c.customer_id)
        return list(self.conn.execute(query).scalars())

    def billable(self, period: str, start: datetime, end: datetime,
                 customer_ids: list[int]) -> list[Subscription]:
        query = self._billable(period, start, end).where(
            tables.subscriptions.c.customer_id.in_(customer_ids)).order_by(
            tables.subscriptions.c.customer_id, tables.subscriptions.c.id)
        return [_subscription(row) for row in self.conn.execute(query)]

    def earliest_start(self) -> datetime | None:
        return aware(self.conn.execute(sa.select(sa.func.min(
            tables.subscriptions.c.started_at))).scalar())

    @staticmethod
    def _billable(period: str, start: datetime, end: datetime):
        table, lines = tables.subscriptions, tables.invoice_lines
        billed = sa.select(lines.c.id).where(lines.c.subscription_id == table.c.id,
                                             lines.c.period == period,
                                             lines.c.kind == "subscription")
        ends = sa.func.coalesce(table.c.ended_at, table.c.cancel_at)
        billed_from = sa.func.coalesce(table.c.trial_ends_at, table.c.started_at)
        return sa.select(table).where(
            billed_from < _utc(end),
            sa.or_(ends.is_(None), sa.and_(ends > _utc(start), ends > billed_from)),
            sa.or_(table.c.end_reason.is_(None),
                   table.c.end_reason.not_in(SUBSCRIPTION_END_NOT_BILLED)),
            ~sa.exists(billed))


def _subscription(row) -> Subscription:
    data = dict(row._mapping)
    for key in ("started_at", "trial_ends_at", "trial_reminded_at", "cancel_at", "ended_at",
                "created_at", "updated_at"):
        data[key] = aware(data[key])
    return Subscription(**data)

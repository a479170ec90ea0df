"""Daily usage readings from telemetry, and their sums for month-end billing."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.clock import WALL, TenantClock


def _utc(instant: datetime) -> datetime:
    # Instants are compared in SQL: stored in UTC like the subscriptions' (SQLite keeps wall time).
    return instant.astimezone(timezone.utc)


class UsageRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def get(self, vin: str, metric: str, day: date) -> dict | None:
        table = tables.daily_usage
        row = self.conn.execute(sa.select(table).where(
            table.c.vin == vin, table.c.metric == metric, table.c.day == day)).first()
        return dict(row._mapping) if row else None

    def put(self, *, vin: str, metric: str, day: date, quantity: int, starts_at: datetime,
            ends_at: datetime, event_id: str) -> None:
        """Record the day's reading, replacing an earlier one of the same day (also one a
        concurrent report inserted meanwhile)."""
        table, now = tables.daily_usage, self.now()
        values = dict(quantity=quantity, event_id=event_id, updated_at=now)
        update = table.update().where(table.c.vin == vin, table.c.metric == metric,
                                      table.c.day == day).values(**values)
        if self.conn.execute(update).rowcount:
            return
        try:
            with self.conn.begin_nested():
                self.conn.execute(table.insert().values(
                    vin=vin, metric=metric, day=day, starts_at=_utc(starts_at),
                    ends_at=_utc(ends_at), created_at=now, **values))
        except sa.exc.IntegrityError:
            self.conn.execute(update)

    def invoiced(self, vin: str, options: list[str], period: str) -> bool:
        """Whether a subscription of ``vin`` to one of ``options`` has been billed for
        ``period``: its usage there is final."""
        subscriptions, lines = tables.subscriptions, tables.invoice_lines
        return self.conn.execute(sa.select(lines.c.id).join(
            subscriptions, subscriptions.c.id == lines.c.subscription_id).where(
            subscriptions.c.vin == vin, subscriptions.c.option.in_(options),
            lines.c.period == period, lines.c.kind.in_(("subscription", "usage"))).limit(1)
        ).first() is not None

    def billable_sums(self, subscription_ids: list[int], metrics: dict[str, str],
                      start: datetime, end: datetime) -> dict[int, int]:
        """Usage of each subscription in the period ``[start, end)``, in steps, with one grouped
        query: only whole local days on which it was billable count (not in its free trial,
        not from its end on), so a day it was on only in part is the customer's.

        :param metrics: option code → the metric it bills.
        """
        if not subscription_ids or not metrics:
            return {}
        subscriptions, usage = tables.subscriptions, tables.daily_usage
        billed_from = sa.func.coalesce(subscriptions.c.trial_ends_at, subscriptions.c.started_at)
        ends = sa.func.coalesce(subscriptions.c.ended_at, subscriptions.c.cancel_at)
        metered = sa.or_(*[sa.and_(subscriptions.c.option == option, usage.c.metric == metric)
                           for option, metric in metrics.items()])
        query = sa.select(subscriptions.c.id, sa.func.sum(usage.c.quantity)).join(
            usage, sa.and_(usage.c.vin == subscriptions.c.vin, metered)).where(
            subscriptions.c.id.in_(subscription_ids),
            usage.c.starts_at >= _utc(start), usage.c.ends_at <= _utc(end),
            usage.c.starts_at >= billed_from,
            sa.or_(ends.is_(None), usage.c.ends_at <= ends)).group_by(subscriptions.c.id)
        return {subscription_id: int(total) for subscription_id, total in self.conn.execute(query)}

    def of_vehicle(self, vin: str, first: date, last: date) -> list[dict]:
        """The vehicle's readings from day ``first`` to ``last``, by metric and day."""
        table = tables.daily_usage
        rows = self.conn.execute(sa.select(table.c.metric, table.c.day, table.c.quantity).where(
            table.c.vin == vin, table.c.day >= first, table.c.day <= last)
            .order_by(table.c.metric, table.c.day))
        return [dict(row._mapping) for row in rows]

"""The admin dashboard's figures, each one grouped query however many rows there are.

Months are handed in as :class:`~caas.service_layer.dashboard.Month` bounds (the tenant's
local midnights, computed by the caller), so that grouping by the tenant's month is plain
comparisons on every backend. Such an expression is grouped by through a subquery's column:
PostgreSQL refuses to group by an expression with parameters (each occurrence of a parameter
is a new one).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from caas.adapters.sql import tables
from caas.service_layer.dashboard import Month

#: What a subscription ended by was never paid for: it counts in no month's revenue.
NEVER_PAID = ("withdrawn",)


def _utc(instant: datetime) -> datetime:
    # Instants are stored in UTC (SQLite keeps the wall time it is given).
    return instant.astimezone(timezone.utc)


class seconds_between(FunctionElement):
    """``seconds_between(start, end)``: the seconds from one stored instant to another; each
    backend has its own arithmetic. (Its arguments are its clauses, so they key the cache.)"""

    name = "seconds_between"
    type = sa.Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_sqlite(element, compiler, **kw):
    start, end = element.clauses
    return "((julianday(%s) - julianday(%s)) * 86400.0)" % (
        compiler.process(end, **kw), compiler.process(start, **kw))


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    start, end = element.clauses
    return "EXTRACT(EPOCH FROM (%s - %s))" % (compiler.process(end, **kw),
                                              compiler.process(start, **kw))


def _month_of(column, months: Sequence[Month]):
    """The month (``YYYY-MM``) an instant falls in, ``NULL`` outside ``months``."""
    return sa.case(*[(sa.and_(column >= _utc(month.start), column < _utc(month.end)),
                      month.period) for month in months], else_=sa.null())


def _months_table(months: Sequence[Month]):
    """``months`` as rows (period, start, end) a query can join: a union of literal rows
    works on every backend, where a VALUES list does not."""
    stamp = sa.DateTime(timezone=True)
    return sa.union_all(*[sa.select(sa.literal(month.period, sa.String).label("period"),
                                    sa.literal(_utc(month.start), stamp).label("start"),
                                    sa.literal(_utc(month.end), stamp).label("end"))
                          for month in months]).subquery("months")


class DashboardQueries:
    def __init__(self, conn: Connection):
        self.conn = conn

    def orders_by_status(self, since: datetime) -> dict[str, int]:
        """How many orders placed since ``since`` are in each status now."""
        orders = tables.orders
        return dict(self.conn.execute(
            sa.select(orders.c.status, sa.func.count()).where(orders.c.created_at >= _utc(since))
            .group_by(orders.c.status)).all())

    def delivery_times(self, since: datetime, edges: Sequence[float]) -> dict:
        """How long orders delivered since ``since`` took from their reservation to their
        delivery (seconds; see :meth:`_durations`)."""
        events = tables.order_events
        reserved, delivered = events.alias("reserved"), events.alias("delivered")
        seconds = seconds_between(reserved.c.at, delivered.c.at)
        return self._durations(
            sa.select(seconds.label("seconds")).select_from(delivered.join(
                reserved, sa.and_(reserved.c.order_id == delivered.c.order_id,
                                  reserved.c.target == "reserved")))
            .where(delivered.c.target == "delivered", delivered.c.at >= _utc(since)), edges)

    def activation_times(self, since: datetime, edges: Sequence[float]) -> dict:
        """How long the services bought since ``since`` that were activated took, from the
        purchase to the vehicle's confirmation (seconds; see :meth:`_durations`)."""
        services = tables.services
        return self._durations(
            sa.select(seconds_between(services.c.created_at, services.c.activated_at)
                      .label("seconds"))
            .where(services.c.activated_at.is_not(None), services.c.created_at >= _utc(since)),
            edges)

    def _durations(self, durations, edges: Sequence[float]) -> dict:
        """``count``, ``median`` and ``p90`` (nearest rank; ``None`` without any), ``longest``
        and ``buckets``: how many durations fall between each two ``edges`` and past the
        last one."""
        found = durations.subquery()
        ranked = sa.select(found.c.seconds,
                           sa.func.row_number().over(order_by=found.c.seconds).label("rank"),
                           sa.func.count().over().label("n")).subquery()
        seconds, rank, n = ranked.c.seconds, ranked.c.rank, ranked.c.n
        bounds = list(zip(edges, list(edges[1:]) + [None]))
        row = self.conn.execute(sa.select(
            sa.func.count(), sa.func.min(sa.case((rank * 2 >= n, seconds))),
            sa.func.min(sa.case((rank * 10 >= n * 9, seconds))), sa.func.max(seconds),
            *[sa.func.coalesce(sa.func.sum(sa.case(
                (sa.and_(seconds >= low, seconds < high) if high is not None
                 else seconds >= low, 1), else_=0)), 0) for low, high in bounds])).one()
        return {"count": row[0], "median": row[1], "p90": row[2], "longest": row[3],
                "buckets": list(row[4:])}

    def activation_outcomes(self, months: Sequence[Month],
                            reasons: dict[str, str]) -> tuple[dict, dict]:
        """Activations finished for services bought in ``months``: per month, how many were
        activated and how many failed for good; and the failures by reason (the key of
        ``reasons`` whose prefix the error starts with, else ``"other"``)."""
        services = tables.services
        activated = services.c.activated_at.is_not(None)
        failed = services.c.status == "failed"
        reason = sa.case(*[(services.c.last_error.startswith(prefix, autoescape=True), key)
                           for key, prefix in reasons.items()], else_="other")
        finished = sa.select(
            _month_of(services.c.created_at, months).label("period"),
            sa.case((activated, 1), else_=0).label("activated"),
            sa.case((failed, 1), else_=0).label("failed"),
            sa.case((failed, reason)).label("reason")).where(sa.or_(activated, failed)).subquery()
        by_month = {period: {"activated": activated_count, "failed": failed_count}
                    for period, activated_count, failed_count in self.conn.execute(
                        sa.select(finished.c.period, sa.func.sum(finished.c.activated),
                                  sa.func.sum(finished.c.failed))
                        .where(finished.c.period.is_not(None)).group_by(finished.c.period))}
        failures = dict(self.conn.execute(
            sa.select(finished.c.reason, sa.func.count())
            .where(finished.c.period.is_not(None), finished.c.reason.is_not(None))
            .group_by(finished.c.reason)).all())
        return by_month, failures

    def recurring_revenue(self, months: Sequence[Month], currency: str) -> dict[str, dict]:
        """Per month: ``mrr`` (minor units), and its movement from the previous month's end:
        ``new``, ``churned``, ``moved`` (see :mod:`caas.service_layer.dashboard`)."""
        subs, span = tables.subscriptions, _months_table(months)
        billed_from = sa.func.coalesce(subs.c.trial_ends_at, subs.c.started_at)
        ends = sa.func.coalesce(subs.c.ended_at, subs.c.cancel_at)

        def running_at(month_end):
            # Billed for the month's last day: one ending with the month still counts in it.
            return sa.and_(billed_from < month_end, sa.or_(ends.is_(None), ends >= month_end))

        def price_in(period):
            return sa.case((sa.and_(subs.c.next_price_from.is_not(None),
                                    subs.c.next_price_from <= period), subs.c.next_price_minor),
                           else_=subs.c.price_minor)

        now_on, before_on = running_at(span.c.end), running_at(span.c.start)
        # The previous month's price: the move's month compared with the month before.
        before_price = sa.case((sa.and_(subs.c.next_price_from.is_not(None),
                                        subs.c.next_price_from < span.c.period),
                                subs.c.next_price_minor), else_=subs.c.price_minor)

        def total(condition, amount):
            return sa.func.coalesce(sa.func.sum(sa.case((condition, amount), else_=0)), 0)

        query = sa.select(
            span.c.period,
            total(now_on, price_in(span.c.period)),
            total(sa.and_(now_on, sa.not_(before_on)), price_in(span.c.period)),
            total(sa.and_(before_on, sa.not_(now_on)), before_price),
            total(sa.and_(now_on, before_on), price_in(span.c.period) - before_price),
        ).select_from(span.outerjoin(subs, sa.and_(
            subs.c.currency == currency,
            sa.or_(subs.c.end_reason.is_(None), subs.c.end_reason.not_in(NEVER_PAID)),
            sa.or_(now_on, before_on)))).group_by(span.c.period)
        return {period: {"mrr": mrr, "new": new, "churned": churned, "moved": moved}
                for period, mrr, new, churned, moved in self.conn.execute(query)}

    def invoiced(self, months: Sequence[Month]) -> dict[str, dict]:
        """Per month billed: the month-end invoices' ``total`` and what of it is ``paid``."""
        invoices = tables.invoices
        paid = invoices.c.status == "paid"
        return {period: {"total": total, "paid": paid_total}
                for period, total, paid_total in self.conn.execute(
                    sa.select(invoices.c.period, sa.func.sum(invoices.c.total_minor),
                              sa.func.sum(sa.case((paid, invoices.c.total_minor), else_=0)))
                    .where(invoices.c.kind == "invoice",
                           invoices.c.period.in_([month.period for month in months]))
                    .group_by(invoices.c.period))}

    def charge_problems(self, months: Sequence[Month]) -> dict[tuple[str, str], tuple[int, int]]:
        """Invoices whose charge failed or is unconfirmed, by the month they were issued in
        and status: (how many, their total in minor units)."""
        invoices = tables.invoices
        # An issue date is a local day: compared with the months' local first days.
        month = sa.case(*[(sa.and_(invoices.c.issue_date >= each.start.date(),
                                   invoices.c.issue_date < each.end.date()), each.period)
                          for each in months], else_=sa.null())
        problems = sa.select(month.label("period"), invoices.c.status, invoices.c.total_minor) \
            .where(invoices.c.status.in_(("failed", "unconfirmed"))).subquery()
        return {(period, status): (count, total) for period, status, count, total in
                self.conn.execute(
                    sa.select(problems.c.period, problems.c.status, sa.func.count(),
                              sa.func.sum(problems.c.total_minor))
                    .where(problems.c.period.is_not(None))
                    .group_by(problems.c.period, problems.c.status))}


"""The admin dashboard: how orders, activations, recurring revenue and charges went over the
last months, by the tenant's clock and calendar.

Every figure is read with one grouped query (the repository ``uow.dashboard``), however many
orders, services or invoices the tenant has.

**Monthly recurring revenue (MRR)** of a month is the sum of the monthly prices for that month
(VAT included, in the tenant's currency, minor units) of the subscriptions running at its end:
billed for its last day, so their free trial over before the month's end and their end (a
cancellation, a refused charge) not before it. One that ends with the month counts in it and
churns in the next. A withdrawn subscription was never paid, so it counts in no month.

Its movement from the previous month's end: **new** is the price of those running at this
end and not at the previous one, **churned** the previous price of those running then and not
now, **moved** the change in price of those running at both ends (a price move). So
``mrr = previous mrr + new − churned + moved``. The current month's end is still to come: its
MRR is what runs on to it as things stand.

Beside it, **invoiced** is the total of the month-end invoices billed for the month (after
its month-end run), and **paid** what of it was collected.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from caas.domain import billing as rules
from caas.domain.billing import Period
from caas.domain.money import Money
from caas.domain.orders import Status
from caas.i18n import lazy_gettext
from caas.service_layer.activation import FAILURE_REASONS
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import Invalid

#: The ranges a dashboard covers, in months (the current one included).
RANGES = (3, 6, 12)
#: Where the distributions of durations are cut.
DELIVERY_EDGES = (timedelta(0), timedelta(days=7), timedelta(days=30), timedelta(days=90))
ACTIVATION_EDGES = (timedelta(0), timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))
#: The reason of a failure whose error starts with none of :data:`FAILURE_REASONS`.
OTHER_REASON = "other"
#: The charges' outcomes the dashboard counts (invoice statuses).
CHARGE_PROBLEMS = ("failed", "unconfirmed")


@dataclass(frozen=True)
class Month:
    """A month (``YYYY-MM``) as the queries take it: ``start`` inclusive, ``end`` exclusive,
    the tenant's local midnights."""

    period: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Bucket:
    """How many durations were at least ``low`` and under ``high`` (``None``: no limit)."""

    low: timedelta
    high: timedelta | None
    count: int


@dataclass(frozen=True)
class Durations:
    """A distribution of durations: percentiles by nearest rank, ``None`` without any."""

    count: int
    median: timedelta | None
    p90: timedelta | None
    longest: timedelta | None
    buckets: tuple[Bucket, ...]


@dataclass(frozen=True)
class ActivationMonth:
    period: Period
    activated: int
    failed: int

    @property
    def success_rate(self) -> Decimal | None:
        """The share of the month's finished activations that succeeded (0 to 1)."""
        finished = self.activated + self.failed
        return Decimal(self.activated) / finished if finished else None


@dataclass(frozen=True)
class RevenueMonth:
    period: Period
    mrr: Money
    new: Money
    churned: Money
    moved: Money
    invoiced: Money
    paid: Money


@dataclass(frozen=True)
class ChargeMonth:
    """Invoices issued in the month whose charge failed, or whose outcome is unknown."""

    period: Period
    failed: int
    failed_amount: Money
    unconfirmed: int
    unconfirmed_amount: Money


@dataclass(frozen=True)
class Dashboard:
    months: tuple[Period, ...]
    #: Orders placed in the range, by their status now (every status, in the order's path).
    orders: dict[str, int]
    #: From the reservation's payment to the delivery, of the orders delivered in the range.
    delivery: Durations
    activations: tuple[ActivationMonth, ...]
    #: From the purchase to the vehicle's confirmation, of the services bought in the range.
    activation_times: Durations
    #: Failed activations of the services bought in the range, by reason (most first).
    failures: dict[str, int]
    revenue: tuple[RevenueMonth, ...]
    charges: tuple[ChargeMonth, ...]


def dashboard(ctx: TenantContext, months: int = 6) -> Dashboard:
    """The tenant's figures over the last ``months`` months (the current one included).

    :raises Invalid: ``months`` is not one of :data:`RANGES`.
    """
    if months not in RANGES:
        raise Invalid(lazy_gettext("Choose one of the ranges offered."),
                      errors={"months": [lazy_gettext("Choose one of the ranges offered.")]})
    zone, currency = ctx.tenant.timezone, ctx.tenant.currency
    with ctx.reader() as uow:
        spans = _months(rules.local_day(uow.now(), zone), months, zone)
        since = spans[0].start
        queries = uow.dashboard
        statuses = queries.orders_by_status(since)
        delivery = queries.delivery_times(since, _seconds(DELIVERY_EDGES))
        activation_times = queries.activation_times(since, _seconds(ACTIVATION_EDGES))
        outcomes, failures = queries.activation_outcomes(spans, FAILURE_REASONS)
        revenue = queries.recurring_revenue(spans, currency)
        invoiced = queries.invoiced(spans)
        problems = queries.charge_problems(spans)

    def money(minor) -> Money:
        return Money.from_minor(int(minor or 0), currency)

    periods = tuple(Period.parse(span.period) for span in spans)
    none = {"activated": 0, "failed": 0}
    return Dashboard(
        months=periods,
        orders={status.value: statuses.get(status.value, 0) for status in Status},
        delivery=_durations(delivery, DELIVERY_EDGES),
        activations=tuple(ActivationMonth(period, int(outcomes.get(str(period), none)["activated"]),
                                          int(outcomes.get(str(period), none)["failed"]))
                          for period in periods),
        activation_times=_durations(activation_times, ACTIVATION_EDGES),
        failures=dict(sorted(failures.items(), key=lambda item: (-item[1], item[0]))),
        revenue=tuple(RevenueMonth(
            period, *(money(revenue.get(str(period), {}).get(key))
                      for key in ("mrr", "new", "churned", "moved")),
            money(invoiced.get(str(period), {}).get("total")),
            money(invoiced.get(str(period), {}).get("paid"))) for period in periods),
        charges=tuple(ChargeMonth(
            period, *_problem(problems, period, "failed", money),
            *_problem(problems, period, "unconfirmed", money)) for period in periods))


def _months(today, count: int, zone: str) -> list[Month]:
    """The ``count`` months up to the one of ``today``, oldest first, with their bounds."""
    periods = [Period.of(today)]
    while len(periods) < count:
        periods.insert(0, periods[0].previous())
    return [Month(str(period), *period.bounds(zone)) for period in periods]


def _seconds(edges) -> list[float]:
    return [edge.total_seconds() for edge in edges]


def _durations(found: dict, edges) -> Durations:
    def duration(seconds):
        return None if seconds is None else timedelta(seconds=round(float(seconds)))
    highs = list(edges[1:]) + [None]
    return Durations(found["count"], duration(found["median"]), duration(found["p90"]),
                     duration(found["longest"]),
                     tuple(Bucket(low, high, int(count))
                           for low, high, count in zip(edges, highs, found["buckets"])))


def _problem(problems: dict, period: Period, status: str, money) -> tuple[int, Money]:
    count, total = problems.get((str(period), status), (0, 0))
    return int(count), money(total)

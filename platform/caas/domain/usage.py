"""Usage-priced billing: quantities measured by telemetry and what their use beyond the
included quantity costs.

Quantities are exact: a reading such as ``"1.250"`` GB is kept as a whole number of the
metric's smallest step (``1250`` thousandths, :func:`to_steps`), summed as integers,
and shown again as a decimal (:func:`from_steps`). Prices are consumer prices, VAT
included, like every catalog price: a month's usage costs the quantity used beyond the
included one times the unit price, rounded to the currency (:func:`usage_charge`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Iterable
from zoneinfo import ZoneInfo

from caas.domain.money import Money
from caas.i18n import lazy_gettext


class InvalidQuantity(ValueError):
    """Not a non-negative decimal with at most the metric's decimals (its text says which,
    in the reader's language: :func:`caas.i18n.exception_text`)."""


def to_steps(quantity: str | Decimal, decimals: int) -> int:
    """``"1.250"`` with 3 decimals is 1250 steps.

    :raises InvalidQuantity: negative, not a number, or finer than the metric measures.
    """
    try:
        value = Decimal(str(quantity))
    except InvalidOperation:
        raise InvalidQuantity(lazy_gettext("'%(quantity)s' is not a decimal number.",
                                           quantity=quantity))
    if not value.is_finite() or value < 0:
        raise InvalidQuantity(lazy_gettext("A quantity is zero or more."))
    steps = value.scaleb(decimals)
    if steps != steps.to_integral_value():
        raise InvalidQuantity(lazy_gettext("A quantity has at most %(decimals)s decimals.",
                                           decimals=decimals))
    return int(steps)


def metric_decimals(options: Iterable, metric: str) -> int:
    """The decimals quantities of ``metric`` are kept with: the finest any option measuring it
    declares, so that readings, sums and lines all count the same steps."""
    return max((option.usage.decimals for option in options
                if option.usage is not None and option.usage.metric == metric), default=0)


def from_steps(steps: int, decimals: int) -> Decimal:
    """The decimal quantity of ``steps``, with the metric's decimals (``1250`` → ``1.250``)."""
    return Decimal(steps).scaleb(-decimals).quantize(Decimal(1).scaleb(-decimals))


def day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """A local calendar day as aware instants, midnight to midnight (23 or 25 hours on the
    days the clocks change)."""
    tz = ZoneInfo(zone)
    return (datetime.combine(day, time(), tz),
            datetime.combine(day + timedelta(days=1), time(), tz))


@dataclass(frozen=True)
class UsagePricing:
    """A subscription's usage price (per unit, VAT included) and the quantity included each
    month, in steps."""

    unit_price: Money
    included: int


@dataclass(frozen=True)
class UsageCharge:
    """A month's usage line: used, included and billed quantities (steps) and the amount."""

    used: int
    included: int
    billed: int
    unit_price: Money
    amount: Money


def usage_charge(used: int, pricing: UsagePricing, decimals: int) -> UsageCharge:
    """What ``used`` steps cost in a month: the quantity beyond the included one, times the
    unit price, rounded half-up to the currency's minor unit."""
    billed = max(0, used - pricing.included)
    amount = Money(pricing.unit_price.amount * from_steps(billed, decimals),
                   pricing.unit_price.currency).rounded()
    return UsageCharge(used, pricing.included, billed, pricing.unit_price, amount)

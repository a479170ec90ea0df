"""Month-end billing ("mes vencido"): periods, proration, VAT and invoice numbers.

Framework-free rules:

* a period is a calendar month in the tenant's time zone (:class:`Period`);
* a subscription is billed in arrears for the days of the period it was on,
  counted in local calendar days (:func:`days_used`, :func:`prorate`); a
  cancellation takes effect at the end of the month, so its last month is whole;
* catalog prices are consumer prices, VAT included: a line's net amount is
  the price taken back out of its VAT and rounded in the currency's minor unit,
  its VAT the rest (:func:`price_line`), so the customer pays exactly the price
  shown, and the invoice's totals are the sums of its lines;
* invoice numbers come from a gapless per-tenant counter and are formatted by
  the country (:func:`invoice_number`).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from caas.domain.money import Money

PERIOD_PATTERN = re.compile(r"^([12]\d{3})-(0[1-9]|1[0-2])$")  # years 1000-2999


class InvalidPeriod(ValueError):
    """Not a ``YYYY-MM`` month."""


class AlreadyBilled(Exception):
    """A subscription's month, or a purchase, has its invoice already (written by a
    concurrent run or delivery of the same news)."""


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, the unit billed at once."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = PERIOD_PATTERN.match(text or "")
        if not match:
            raise InvalidPeriod(f"a period is a month written YYYY-MM, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> "Period":
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    def next(self) -> "Period":
        return Period.of(self.last_day + timedelta(days=1))

    def previous(self) -> "Period":
        return Period.of(self.first_day - timedelta(days=1))

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """The period's start and end as aware instants: local midnight to local midnight."""
        tz = ZoneInfo(zone)
        return (datetime.combine(self.first_day, time(), tz),
                datetime.combine(self.next().first_day, time(), tz))

    def closed_by(self, now: datetime, zone: str) -> bool:
        """Whether the month is over in ``zone`` at ``now``: only then is it billed."""
        return now >= self.bounds(zone)[1]


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def last_local_day(end: datetime, zone: str) -> date:
    """The local day of the last instant before ``end``: an exclusive end's last day."""
    return local_day(end - timedelta(microseconds=1), zone)


def last_closed_period(now: datetime, zone: str) -> Period:
    """The latest month that has ended in ``zone`` at ``now``."""
    return Period.of(local_day(now, zone)).previous()


def days_used(period: Period, started: date, ended: date | None) -> int:
    """Local calendar days of ``period`` on which the subscription was on.

    :param started: the local day it started (counted in full).
    :param ended: the local day it ended (counted in full), ``None`` while it runs.
    """
    first = max(started, period.first_day)
    last = min(ended, period.last_day) if ended else period.last_day
    return max(0, (last - first).days + 1)


def prorate(monthly: Money, period: Period, used: int) -> Money:
    """The month's price for ``used`` days of it, rounded to the currency."""
    if used >= period.days:
        return monthly.rounded()
    return Money(monthly.amount * used / period.days, monthly.currency).rounded()


@dataclass(frozen=True)
class PricedLine:
    """A line's net amount, its VAT rate and amount (rounded per currency) and its total."""

    net: Money
    vat_rate: Decimal
    vat: Money
    total: Money


def price_line(gross: Money, vat_rate: Decimal) -> PricedLine:
    """Split a VAT-included amount into net and VAT, each in whole minor units."""
    total = gross.rounded()
    net = Money(total.amount / (1 + vat_rate), total.currency).rounded()
    return PricedLine(net, vat_rate, total - net, total)


def totals(lines: list[PricedLine], currency: str) -> tuple[Money, Money, Money]:
    """Net, VAT and total of an invoice: the sums of its rounded lines."""
    zero = Money(0, currency)
    net = sum((line.net for line in lines), zero)
    vat = sum((line.vat for line in lines), zero)
    return net.rounded(), vat.rounded(), (net + vat).rounded()


def invoice_number(number_format: str, *, series: str, year: int, seq: int) -> str:
    """Format a counter value the country's way, e.g. ``"F{year}-{seq:06d}"``.

    ``series`` is ``"INV"`` for invoices and ``"CN"`` for credit notes.
    """
    return number_format.format(series=series, year=year, seq=seq)


def due_date(issued: date, payment_terms_days: int) -> date:
    return issued + timedelta(days=payment_terms_days)


# --- what a subscription owes for a period -------------------------------------------

@dataclass(frozen=True)
class Charge:
    """One subscription's line for one period, VAT included."""

    subscription_id: int
    days: int
    days_in_period: int
    amount: Money


def subscription_charge(subscription_id: int, monthly: Money, period: Period, started: date,
                        ended: date | None) -> Charge | None:
    """What the subscription owes for ``period``; ``None`` when it was not on during it."""
    used = days_used(period, started, ended)
    if not used:
        return None
    return Charge(subscription_id, used, period.days, prorate(monthly, period, used))

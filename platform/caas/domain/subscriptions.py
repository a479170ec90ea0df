"""A subscription: a monthly service billed in arrears ("mes vencido"), from its start (or
its free trial's end) until it ends, at its price or the price it was moved to."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caas.domain.billing import Charge, Period, last_local_day, local_day, subscription_charge
from caas.domain.money import Money
from caas.domain.usage import UsagePricing


@dataclass
class Subscription:
    """Amounts in minor units, VAT included; ``status`` is active, cancelling or ended."""

    id: int
    service_id: int
    customer_id: int
    vin: str
    option: str
    price_minor: int
    currency: str
    card_token: str
    status: str
    started_at: datetime
    created_at: datetime
    updated_at: datetime
    # A moved price applies from the month ``next_price_from`` (YYYY-MM) on.
    next_price_minor: int | None = None
    next_price_from: str | None = None
    usage_price_minor: int | None = None
    usage_included: int | None = None
    next_usage_price_minor: int | None = None
    next_usage_included: int | None = None
    trial_ends_at: datetime | None = None
    trial_reminded_at: datetime | None = None
    cancel_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None

    @property
    def ends_at(self) -> datetime | None:
        """When it stops being billed: its end, or the month end it was cancelled for."""
        return self.ended_at or self.cancel_at

    @property
    def billed_from(self) -> datetime:
        """Its free trial is not billed."""
        return self.trial_ends_at or self.started_at

    def _moved(self, period: Period) -> bool:
        return bool(self.next_price_from) and str(period) >= self.next_price_from

    def monthly_price(self, period: Period) -> Money:
        minor = self.next_price_minor if self._moved(period) else self.price_minor
        return Money.from_minor(minor, self.currency)

    def usage_pricing(self, period: Period) -> UsagePricing | None:
        """The usage price and included quantity in ``period`` (moved with the monthly
        price); ``None``: its usage is not priced."""
        moved = self._moved(period)
        unit_price = self.next_usage_price_minor if moved else self.usage_price_minor
        if unit_price is None:
            return None
        included = self.next_usage_included if moved else self.usage_included
        return UsagePricing(Money.from_minor(unit_price, self.currency), included or 0)

    def charge(self, period: Period, zone: str) -> Charge | None:
        """What it owes for ``period``, counted in local days of ``zone``; ``None`` when it
        was not billed during it."""
        ends = self.ends_at
        return subscription_charge(self.id, self.monthly_price(period), period,
                                   local_day(self.billed_from, zone),
                                   last_local_day(ends, zone) if ends else None)

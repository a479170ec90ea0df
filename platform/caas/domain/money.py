"""Money as a Decimal amount with an ISO 4217 currency, rounded per currency."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

# Babel looks the currency up in its locale data on every call; a month-end run asks
# a dozen times per invoice.
_precision = lru_cache(maxsize=512)(get_currency_precision)


@lru_cache(maxsize=None)
def _quantum(exponent: int) -> Decimal:
    return Decimal(1).scaleb(-exponent)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(str(self.amount)))

    @property
    def exponent(self) -> int:
        return _precision(self.currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> "Money":
        """Money from a whole number of minor units (cents), as the databases store it."""
        return cls(Decimal(units).scaleb(-_precision(currency)), currency)

    def to_minor(self) -> int:
        """The amount in minor units; exact, since it is rounded to the currency first."""
        return int(self.rounded().amount.scaleb(self.exponent))

    def rounded(self) -> "Money":
        """Round half-up to the currency's minor unit (2 for EUR and CHF)."""
        exponent = _quantum(self.exponent)
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_UP), self.currency)

    def __add__(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        return self + Money(-other.amount, other.currency)

    def to_dict(self) -> dict:
        return {"amount": str(self.rounded().amount), "currency": self.currency}

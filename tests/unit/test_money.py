"""Money: Decimal amounts rounded per currency at the edges."""
from decimal import Decimal

import pytest

from caas.domain.money import Money


@pytest.mark.parametrize("amount, currency, expected", [
    ("10.005", "EUR", "10.01"),   # half-up, not banker's rounding
    ("10.004", "CHF", "10.00"),
    ("1234.5", "JPY", "1235"),    # no minor unit
    ("0.1235", "BHD", "0.124"),   # three decimals
])
def test_rounds_half_up_to_the_currency_minor_unit(amount, currency, expected):
    assert Money(Decimal(amount), currency).to_dict() == {"amount": expected, "currency": currency}


def test_adds_only_the_same_currency():
    assert Money("1.10", "EUR") + Money("2.20", "EUR") == Money(Decimal("3.30"), "EUR")
    with pytest.raises(ValueError):
        Money("1", "EUR") + Money("1", "CHF")

"""Usage rules: exact quantities, a day's bounds in the tenant's time zone, the usage charge,
and what an option may declare."""
from datetime import date, timedelta, timezone
from decimal import Decimal

import pytest

from caas import CatalogOption, UsageMetric
from caas.domain.money import Money
from caas.domain.usage import (InvalidQuantity, UsagePricing, day_bounds, from_steps,
                               metric_decimals, to_steps, usage_charge)
from caas.i18n import metric_name

DATA = UsageMetric(metric="data", unit="GB", names={"en": "data"})


@pytest.mark.parametrize("text, steps", [("1.250", 1250), ("1.25", 1250), ("0", 0),
                                         ("12", 12000), ("0.001", 1)])
def test_a_quantity_is_a_whole_number_of_steps(text, steps):
    assert to_steps(text, 3) == steps
    assert from_steps(steps, 3) == Decimal(text)


@pytest.mark.parametrize("text", ["-1", "1.0001", "lots", "NaN", "Infinity"])
def test_a_quantity_is_zero_or_more_and_no_finer_than_the_metric(text):
    with pytest.raises(InvalidQuantity):
        to_steps(text, 3)


@pytest.mark.parametrize("day, hours", [(date(2028, 3, 26), 23), (date(2028, 10, 29), 25),
                                        (date(2028, 1, 31), 24)])
def test_a_local_day_is_23_or_25_hours_when_the_clocks_change(day, hours):
    starts, ends = (instant.astimezone(timezone.utc)
                    for instant in day_bounds(day, "Europe/Madrid"))
    assert ends - starts == timedelta(hours=hours)


@pytest.mark.parametrize("used, included, currency, price, billed, amount", [
    (11728, 10000, "EUR", "1.99", 1728, "3.44"),   # 1.728 × 1.99 = 3.43872, half-up
    (2160, 1000, "CHF", "0.95", 1160, "1.10"),     # 1.160 × 0.95 = 1.102
    (9000, 10000, "EUR", "1.99", 0, "0.00"),       # within the included quantity
    (1005, 0, "EUR", "0.10", 1005, "0.10"),        # 0.1005 rounds half-up
])
def test_usage_beyond_the_included_quantity_times_the_unit_price(used, included, currency,
                                                                 price, billed, amount):
    charge = usage_charge(used, UsagePricing(Money(price, currency), included), 3)
    assert (charge.billed, charge.amount) == (billed, Money(Decimal(amount), currency))


def _option(**changes):
    fields = dict(code="x", names={"en": "X"}, descriptions={"en": "X"},
                  billing_modes=("monthly",), activation_payload=dict,
                  deactivation_payload=dict, usage=DATA)
    return CatalogOption(**{**fields, **changes})


@pytest.mark.parametrize("metric", [
    dict(metric="Data"), dict(metric=""), dict(unit=""), dict(unit="x" * 17),
    dict(decimals=7), dict(decimals=-1), dict(names={"es": "datos"})])
def test_a_usage_metric_is_validated(metric):
    with pytest.raises(ValueError):
        UsageMetric(**{"metric": "data", "unit": "GB", "names": {"en": "data"}, **metric})


def test_only_a_monthly_option_declares_a_usage_metric():
    with pytest.raises(ValueError):
        _option(billing_modes=("one_time",))
    with pytest.raises(ValueError):
        _option(usage="data")
    assert _option().usage.name == "data"
    # Given the older way, with only English (and no catalog translating it): English.
    fuel = UsageMetric(metric="fuel", unit="l", names={"en": "fuel burnt"})
    assert fuel.name == "fuel burnt" and metric_name(fuel, "fr-CH") == "fuel burnt"


def test_a_metric_is_kept_in_the_finest_steps_any_option_declares():
    fine = _option(code="y", usage=UsageMetric(metric="data", unit="GB", names={"en": "d"},
                                               decimals=6))
    assert metric_decimals([_option(), fine], "data") == 6
    assert metric_decimals([_option()], "data") == 3
    assert metric_decimals([_option()], "fuel") == 0

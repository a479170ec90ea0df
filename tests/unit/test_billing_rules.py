"""Billing rules: periods in the tenant's time zone, proration, VAT split and rounding."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from caas.domain.billing import (InvalidPeriod, Period, days_used, last_closed_period,
                                 local_day, price_line, prorate, subscription_charge, totals)
from caas.domain.money import Money


@pytest.mark.parametrize("period, days", [("2026-01", 31), ("2026-02", 28), ("2028-02", 29),
                                          ("2100-02", 28), ("2000-02", 29), ("2026-04", 30)])
def test_a_month_has_its_calendar_days(period, days):
    assert Period.parse(period).days == days


@pytest.mark.parametrize("started, period, amount", [
    (date(2026, 2, 15), "2026-02", "10.00"),   # 14 of 28 days
    (date(2028, 2, 15), "2028-02", "10.34"),   # 15 of 29 days (leap year)
    (date(2026, 1, 17), "2026-01", "9.68"),    # 15 of 31 days
    (date(2026, 4, 16), "2026-04", "10.00"),   # 15 of 30 days
    (date(2026, 3, 1), "2026-03", "20.00"),    # the whole month
    (date(2026, 1, 20), "2026-03", "20.00"),   # a later month is whole
])
def test_the_first_month_is_prorated_by_days(started, period, amount):
    charge = subscription_charge(1, Money("20.00", "EUR"), Period.parse(period), started, None)
    assert charge.amount == Money(Decimal(amount), "EUR")


def test_a_subscription_ending_mid_month_pays_its_days_and_none_after():
    period = Period.parse("2026-03")
    assert days_used(period, date(2026, 1, 1), date(2026, 3, 10)) == 10
    assert subscription_charge(1, Money("31.00", "EUR"), Period.parse("2026-04"),
                               date(2026, 1, 1), date(2026, 3, 31)) is None
    assert prorate(Money("31.00", "EUR"), period, 31) == Money("31.00", "EUR")


def test_months_begin_and_end_at_local_midnight():
    start, end = Period.parse("2026-03").bounds("Europe/Madrid")
    assert start == datetime(2026, 2, 28, 23, tzinfo=timezone.utc)
    # Summer time began on the 29th: the month ends at 22:00 UTC.
    assert end == datetime(2026, 3, 31, 22, tzinfo=timezone.utc)
    # 23:30 UTC on 31 January is already February in Madrid (and still January in UTC).
    late = datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)
    assert local_day(late, "Europe/Madrid") == date(2026, 2, 1)
    assert last_closed_period(late, "Europe/Madrid") == Period.parse("2026-01")
    assert last_closed_period(late, "UTC") == Period.parse("2025-12")
    assert not Period.parse("2026-01").closed_by(datetime(2026, 1, 31, 22, 59,
                                                          tzinfo=timezone.utc), "Europe/Madrid")


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-01", "", "2026-00", "abcd-ef",
                                  "0000-01", "9999-12"])
def test_a_period_is_a_month_written_yyyy_mm(text):
    with pytest.raises(InvalidPeriod):
        Period.parse(text)


@pytest.mark.parametrize("country, gross, net, vat", [
    ("ES", "19.90", "16.45", "3.45"),   # 21 %
    ("FR", "19.90", "16.58", "3.32"),   # 20 %
    ("DE", "19.90", "16.72", "3.18"),   # 19 %
    ("CH", "19.90", "18.41", "1.49"),   # 8.1 %, CHF
    ("CH", "0.05", "0.05", "0.00"),
])
def test_vat_is_taken_out_of_the_price_per_line_and_rounded_to_the_currency(
        platform, country, gross, net, vat):
    rules = platform.plugins.country(country)
    line = price_line(Money(gross, rules.currency), rules.vat_rates[rules.invoice_vat_rate])
    assert (str(line.net.amount), str(line.vat.amount), str(line.total.amount)) == (gross and net,
                                                                                   vat, gross)


def test_invoice_totals_are_the_sums_of_the_rounded_lines():
    lines = [price_line(Money("0.10", "CHF"), Decimal("0.081")) for _ in range(3)]
    net, vat, total = totals(lines, "CHF")
    assert total == Money("0.30", "CHF") and net + vat == total
    assert net == sum((line.net for line in lines), Money(0, "CHF"))

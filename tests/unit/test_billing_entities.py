"""The billing entities: what a subscription owes for a month, and an invoice's amounts."""
from datetime import date, datetime, timezone
from decimal import Decimal

from caas.domain.billing import Period
from caas.domain.invoices import Invoice
from caas.domain.money import Money
from caas.domain.subscriptions import Subscription
from caas.domain.usage import UsagePricing

MADRID = "Europe/Madrid"


def _subscription(**fields) -> Subscription:
    started = datetime(2028, 2, 14, 23, 30, tzinfo=timezone.utc)  # Feb 15th in Madrid
    return Subscription(**{
        "id": 7, "service_id": 3, "customer_id": 5, "vin": "VF1AAAAA555555555",
        "option": "extended_range", "price_minor": 2000, "currency": "EUR", "card_token": "tok",
        "status": "active", "started_at": started, "created_at": started,
        "updated_at": started, **fields})


def test_a_subscription_is_billed_from_its_local_first_day():
    charge = _subscription().charge(Period.parse("2028-02"), MADRID)
    assert (charge.subscription_id, charge.days, charge.days_in_period) == (7, 15, 29)
    assert charge.amount == Money("10.34", "EUR")


def test_a_free_trial_is_not_billed_and_a_cancelled_month_is_whole():
    trial = _subscription(trial_ends_at=datetime(2028, 3, 1, 12, tzinfo=timezone.utc))
    assert trial.charge(Period.parse("2028-02"), MADRID) is None
    assert trial.charge(Period.parse("2028-03"), MADRID).days == 31
    cancelled = _subscription(status="cancelling",
                              cancel_at=datetime(2028, 2, 29, 23, tzinfo=timezone.utc))
    assert cancelled.ends_at == cancelled.cancel_at
    assert cancelled.charge(Period.parse("2028-02"), MADRID).days == 15
    assert cancelled.charge(Period.parse("2028-03"), MADRID) is None


def test_a_moved_price_applies_from_its_month_with_its_usage_price():
    moved = _subscription(next_price_minor=2500, next_price_from="2028-04",
                          usage_price_minor=10, usage_included=100,
                          next_usage_price_minor=12, next_usage_included=None)
    assert moved.monthly_price(Period.parse("2028-03")) == Money("20.00", "EUR")
    assert moved.monthly_price(Period.parse("2028-04")) == Money("25.00", "EUR")
    assert moved.usage_pricing(Period.parse("2028-03")) == UsagePricing(Money("0.10", "EUR"), 100)
    assert moved.usage_pricing(Period.parse("2028-05")) == UsagePricing(Money("0.12", "EUR"), 0)
    assert _subscription().usage_pricing(Period.parse("2028-03")) is None


def test_an_invoice_states_its_amounts_in_its_currency():
    issued = date(2028, 3, 1)
    invoice = Invoice(id=1, number="F2028-000001", kind="invoice", customer_id=5,
                      currency="EUR", net_minor=1653, vat_minor=347, total_minor=2000,
                      customer_name="Ana", customer_tax_id="", customer_address={}, locale="es",
                      issue_date=issued, due_date=issued, status="open",
                      created_at=datetime(2028, 3, 1, tzinfo=timezone.utc),
                      updated_at=datetime(2028, 3, 1, tzinfo=timezone.utc))
    assert (invoice.net, invoice.vat, invoice.total) == (
        Money("16.53", "EUR"), Money("3.47", "EUR"), Money(Decimal("20.00"), "EUR"))

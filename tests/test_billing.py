"""Subscriptions billed at month end ("mes vencido"), invoices, charges and credit notes."""
import threading
from datetime import datetime, timezone

import pytest

from caas.sandboxes import faults
from journey import enable_options, linked_vehicle, set_up_catalog

FEB_10_2028 = datetime(2028, 2, 10, 10, 0, tzinfo=timezone.utc)  # a leap year


@pytest.fixture
def billing_drain(app, drain):
    """Run queued jobs, month-end billing's included."""
    broker = app.extensions["caas_broker"]

    def run():
        for _ in range(2):
            broker.join("billing", timeout=30_000)
            drain()
    return run


def _shop(make_tenant, country="ES", locales=None):
    made = make_tenant(country, locales)
    set_up_catalog(made)
    enable_options(made)
    return made


def _buy(buyer, vin, option="extended_range", token="tok_ok"):
    response = buyer.post(f"/api/v1/vehicles/{vin}/services",
                          json={"option": option, "card_token": token})
    assert response.status_code == 202, response.json
    return response.json["id"]


def _advance(operator, slug, until):
    response = operator.post(f"/sandbox/clock/{slug}/advance", json={"until": until})
    assert response.status_code == 200, response.json
    return response.json


def _charges(operator, slug):
    entries = operator.get(f"/sandbox/payments/ledger?tenant={slug}").json["entries"]
    return [e for e in entries if e["reference"].startswith("invoice-") and e["type"] == "charge"]


def _subscribed(make_tenant, operator, client, mailbox, drain, country="ES", option="extended_range",
                token="tok_ok", at=FEB_10_2028):
    """A customer's monthly option, activated when the tenant's billing clock says ``at``."""
    shop = _shop(make_tenant, country)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain, country)
    _advance(operator, shop.slug, at.isoformat())
    service_id = _buy(buyer, vin, option, token)
    drain()
    assert buyer.get(f"/api/v1/services/{service_id}").json["status"] == "active"
    return shop, buyer, vin, service_id


def test_the_first_month_is_prorated_by_days_and_charged_once(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = _subscribed(make_tenant, operator, client, mailbox, drain)
    _advance(operator, shop.slug, "2028-03-01T00:30:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    # 20 of February 2028's 29 days (10th to 29th): 19.90 × 20 / 29 = 13.72, VAT included.
    assert invoice["period"] == "2028-02"
    assert invoice["total"]["amount"] == "13.72" and invoice["total"]["currency"] == "EUR"
    assert invoice["net"]["amount"] == "11.34" and invoice["vat"]["amount"] == "2.38"
    [line] = invoice["lines"]
    assert (line["days"], line["days_in_period"], line["vat_rate"]) == (20, 29, "0.21")
    assert invoice["number"] == "INV/2028/000001"
    assert invoice["customer_tax_id"] == "12345678Z"
    assert invoice["status"] == "paid" and invoice["issue_date"] == "2028-03-01"
    [charge] = _charges(operator, shop.slug)
    assert charge["amount"] == "13.72"
    assert charge["idempotency_key"] == f"{shop.slug}:invoice:INV/2028/000001:charge"
    # Running the month again, by hand or by the scheduler, bills nothing more.
    again = shop.admin.post("/api/v1/billing/runs", json={"period": "2028-02"})
    assert again.status_code == 200 and again.json["invoices"] == 0
    _advance(operator, shop.slug, "2028-03-02T00:00:00+01:00")
    billing_drain()
    assert len(buyer.get("/api/v1/invoices").json) == 1
    assert len(_charges(operator, shop.slug)) == 1
    # March is whole.
    _advance(operator, shop.slug, "2028-04-01T08:00:00+02:00")
    billing_drain()
    march = buyer.get("/api/v1/invoices").json[0]
    assert march["period"] == "2028-03" and march["total"]["amount"] == "19.90"
    assert march["number"] == "INV/2028/000002"
    runs = shop.admin.get("/api/v1/billing/runs").json
    assert {run["period"] for run in runs} >= {"2028-02", "2028-03"}

"""Usage-priced lines: daily telemetry readings, usage pricing, and their month-end line."""
import json
import threading
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from caas import CatalogOption, UsageMetric, hookimpl
from caas.crypto import signing
from caas.adapters.sql import migrations
from caas.sandboxes import faults
from tests.support.journey import linked_vehicle
from tests.support.platform import build_app
from tests.support.billing import (PREMIUM, advance_clock, buyer_email, invoice_charges, subscribed,
                                   usage_pricing)

JAN_1_2028 = datetime(2028, 1, 1, 9, tzinfo=timezone.utc)  # free trial until 15 January, 09:00


def _metered(make_tenant, operator, client, mailbox, drain, country="ES", usage_price="1.99",
             included="10"):
    """A premium-connectivity subscription bought on 1 January 2028, its usage priced."""
    return subscribed(make_tenant, operator, client, mailbox, drain, country,
                       option="premium_connectivity", at=JAN_1_2028,
                       set_up=usage_pricing(usage_price, included))


def _report(client, slug, secret, vin, day, quantity, metric="data", event_id=None,
            body=None):
    """Post a telemetry reading to ``slug``'s webhook, signed with ``secret`` (if any)."""
    if body is None:
        body = json.dumps({"event_id": event_id or f"evt-{vin}-{day}-{quantity}", "vin": vin,
                           "metric": metric, "day": day, "quantity": quantity}).encode()
    headers = {"Content-Type": "application/json"}
    if secret:
        headers[signing.HEADER] = signing.sign(secret, body)
    return client.post(f"/api/v1/webhooks/{slug}/telemetry", data=body, headers=headers)


def _reported(shop, client, vin, day, quantity, **kwargs):
    return _report(client, shop.slug, shop.tenant.secrets["telemetry"], vin, day, quantity,
                   **kwargs)


def _usage(reader, vin, period):
    response = reader.get(f"/api/v1/vehicles/{vin}/usage?period={period}")
    assert response.status_code == 200, response.json
    return {metric["metric"]: (metric["total"], {d["day"]: d["quantity"] for d in metric["days"]})
            for metric in response.json["metrics"]}


def _plays(operator, shop, vin, daily_quantity):
    response = operator.put(f"/sandbox/telemetry/vehicles/{vin}", json={
        "tenant": shop.slug, "metric": "data", "daily_quantity": daily_quantity})
    assert response.status_code == 200, response.json


def _invoice(buyer, period):
    [invoice] = [i for i in buyer.get("/api/v1/invoices").json
                 if i["kind"] == "invoice" and i["period"] == period]
    return invoice


def _line(invoice, kind):
    [line] = [line for line in invoice["lines"] if line["kind"] == kind]
    return line


# --- the month-end line ------------------------------------------------------------------

@pytest.mark.parametrize("country, usage_price, included, daily, line_total, net, vat, total", [
    # 16 whole billable days (16 to 31 January) × 0.733 GB = 11.728 GB; 1.728 GB beyond the
    # 10 included at 1.99 € = 3.43872 → 3.44 €, 21% VAT inside; plus 17 of 31 days of 9.90.
    ("ES", "1.99", "10", "0.733", "3.44", "2.84", "0.60", "8.87"),
    # 16 × 0.135 = 2.160 GB; 1.160 beyond 1 at 0.95 CHF = 1.102 → 1.10 CHF, 8.1% VAT inside.
    ("CH", "0.95", "1", "0.135", "1.10", "1.02", "0.08", "6.53"),
    # Within the included quantity: a line of zero shows what was used.
    ("ES", "1.99", "50", "0.733", "0.00", "0.00", "0.00", "5.43"),
])
def test_usage_beyond_the_included_quantity_reaches_the_month_end_invoice(
        make_tenant, operator, client, mailbox, drain, billing_drain, country, usage_price,
        included, daily, line_total, net, vat, total):
    shop, buyer, vin, _ = _metered(make_tenant, operator, client, mailbox, drain, country,
                                   usage_price, included)
    _plays(operator, shop, vin, daily)
    # The vehicle reports each day from 1 to 31 January as the clock passes them.
    advanced = advance_clock(operator, shop.slug, "2028-02-01T00:30:00+01:00")
    assert advanced["telemetry_reports"] == 31
    billing_drain()
    invoice = _invoice(buyer, "2028-01")
    line = _line(invoice, "usage")
    assert (line["quantity"], line["unit"], line["billed"]) == (
        "11.728" if country == "ES" else "2.160", "GB",
        "0.000" if line_total == "0.00" else ("1.728" if country == "ES" else "1.160"))
    assert line["included"] == f"{included}.000"
    assert line["unit_price"]["amount"] == usage_price
    assert (line["total"]["amount"], line["net"]["amount"], line["vat"]["amount"]) == (
        line_total, net, vat)
    assert line["total"]["currency"] == ("EUR" if country == "ES" else "CHF")
    assert _line(invoice, "subscription")["days"] == 17
    assert invoice["total"]["amount"] == total and invoice["status"] == "paid"
    assert [charge["amount"] for charge in invoice_charges(operator, shop.slug)] == [total]
    # Running January again bills its usage no second time.
    again = shop.admin.post("/api/v1/billing/runs", json={"period": "2028-01"})
    assert again.status_code == 202 and again.json["invoices"] == 0
    billing_drain()
    assert len(buyer.get("/api/v1/invoices").json) == 1


def test_the_invoice_document_shows_the_usage_in_the_customers_language(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, _ = _metered(make_tenant, operator, client, mailbox, drain)
    _plays(operator, shop, vin, "0.733")
    advance_clock(operator, shop.slug, "2028-02-01T00:30:00+01:00")
    billing_drain()
    invoice = _invoice(buyer, "2028-01")
    html = buyer.get(f"/api/v1/invoices/{invoice['id']}/document").get_data(as_text=True)
    assert "Conectividad premium, datos: 11,728\xa0GB usados, 10\xa0GB incluidos, " \
           "1,728\xa0GB a 1,99\xa0€ por GB" in html


def test_only_whole_billable_local_days_count_and_the_last_local_day_is_the_months(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = _metered(make_tenant, operator, client, mailbox, drain,
                                            usage_price="1.00", included="0")
    advance_clock(operator, shop.slug, "2028-01-31T23:30:00+01:00")  # still 31 January in Madrid
    # In the free trial, on the day it ends (09:00 UTC: partly free), paid days, the last day.
    for day, quantity in (("2028-01-10", "4.000"), ("2028-01-15", "4.000"),
                          ("2028-01-20", "2.000"), ("2028-01-31", "1.000")):
        assert _reported(shop, client, vin, day, quantity).json["outcome"] == "recorded"
    early = _reported(shop, client, vin, "2028-02-01", "5.000")
    assert early.status_code == 422 and "day" in early.json["errors"]["json"]
    assert buyer.delete(f"/api/v1/services/{service_id}").status_code == 200  # ends 1 February
    advance_clock(operator, shop.slug, "2028-02-01T00:30:00+01:00")  # 31 January, 23:30 UTC
    assert _reported(shop, client, vin, "2028-02-01", "5.000").status_code == 200
    billing_drain()
    line = _line(_invoice(buyer, "2028-01"), "usage")
    assert line["quantity"] == "3.000" and line["total"]["amount"] == "3.00"
    # After its end nothing more is billed, though the vehicle still reports.
    advance_clock(operator, shop.slug, "2028-02-29T12:00:00+01:00")
    assert _reported(shop, client, vin, "2028-02-10", "7.000").status_code == 200
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    assert [i["period"] for i in buyer.get("/api/v1/invoices").json] == ["2028-01"]
    assert _usage(buyer, vin, "2028-02")["data"][0] == "12.000"


def test_a_late_or_corrected_reading_of_an_invoiced_month_is_refused(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, _ = _metered(make_tenant, operator, client, mailbox, drain)
    _plays(operator, shop, vin, "0.733")
    advance_clock(operator, shop.slug, "2028-02-03T12:00:00+01:00")
    billing_drain()
    for day in ("2028-01-20", "2028-01-05"):  # a correction, and a day never reported
        late = _reported(shop, client, vin, day, "9.000")
        assert late.status_code == 409 and late.json["reason"] == "period_invoiced"
    assert _usage(buyer, vin, "2028-01")["data"][0] == "22.723"  # 31 × 0.733, unchanged
    # February is still open: a correction replaces the day's reading.
    assert _reported(shop, client, vin, "2028-02-02", "2.000").json["outcome"] == "corrected"
    assert _usage(buyer, vin, "2028-02")["data"][1] == {"2028-02-01": "0.733",
                                                        "2028-02-02": "2.000"}


# --- the webhook ------------------------------------------------------------------------

@pytest.fixture
def reporting(shop, operator, client, mailbox, drain):
    """A shop, its customer's vehicle and the buyer."""
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    return shop, buyer, vin


def test_an_unsigned_or_wrongly_signed_reading_is_refused_and_stores_nothing(reporting, client,
                                                                              make_tenant):
    shop, buyer, vin = reporting
    other = make_tenant("ES")
    for secret in (None, "not-the-secret", other.tenant.secrets["telemetry"],
                   shop.tenant.secrets["factory"]):
        refused = _report(client, shop.slug, secret, vin, "2026-01-05", "1.000")
        assert refused.status_code == 401 and refused.json["code"] == 401
    assert _usage(buyer, vin, "2026-01") == {}


def test_bad_readings_are_4xx_in_the_error_shape_and_store_nothing(reporting, client):
    shop, buyer, vin = reporting
    today = datetime.now(timezone.utc).date()
    tomorrow = today.replace(year=today.year + 1).isoformat()
    cases = [
        (400, {"body": b"{not json"}),
        (404, {"vin": "WVWZZZ1JZXW000001"}),
        (422, {"metric": "fuel"}),
        (422, {"quantity": "-1"}),
        (422, {"quantity": "1.0001"}),  # finer than thousandths of a GB
        (422, {"quantity": "lots"}),
        (422, {"day": tomorrow}),
        (422, {"day": "2026-02-30"}),
        (422, {"body": json.dumps({"vin": vin, "metric": "data"}).encode()}),
    ]
    for status, change in cases:
        values = {"vin": vin, "day": today.isoformat(), "quantity": "1.000", **change}
        response = _reported(shop, client, **values)
        assert response.status_code == status, (change, response.json)
        assert response.json["code"] == status and response.json["message"]
    assert _usage(buyer, vin, today.strftime("%Y-%m")) == {}


def test_a_repeated_event_changes_nothing_and_a_new_report_of_the_day_corrects_it(
        reporting, client):
    shop, buyer, vin = reporting
    first = _reported(shop, client, vin, "2026-01-05", "1.500", event_id="evt-1")
    assert first.status_code == 200 and first.json["outcome"] == "recorded"
    replay = _reported(shop, client, vin, "2026-01-05", "9.000", event_id="evt-1")
    assert replay.json["outcome"] == "duplicate"
    assert _usage(buyer, vin, "2026-01")["data"] == ("1.500", {"2026-01-05": "1.500"})
    corrected = _reported(shop, client, vin, "2026-01-05", "1.250", event_id="evt-2")
    assert corrected.json["outcome"] == "corrected"
    assert _reported(shop, client, vin, "2026-01-06", "0.5", event_id="evt-3").status_code == 200
    assert _usage(buyer, vin, "2026-01")["data"] == (
        "1.750", {"2026-01-05": "1.250", "2026-01-06": "0.500"})
    assert shop.employee.get(f"/api/v1/vehicles/{vin}/usage?period=2026-01").status_code == 200
    assert buyer.get(f"/api/v1/vehicles/{vin}/usage?period=2026-13").status_code == 422


def test_reports_of_one_day_at_once_keep_one_reading(reporting, app):
    shop, buyer, vin = reporting
    answers = []

    def report(index):
        answers.append(_reported(shop, app.test_client(), vin, "2026-01-09", f"{index}.000",
                                 event_id=f"evt-at-once-{index}").status_code)
    threads = [threading.Thread(target=report, args=(index,)) for index in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 4
    [quantity] = _usage(buyer, vin, "2026-01")["data"][1].values()
    assert quantity in {"1.000", "2.000", "3.000", "4.000"}


def test_a_reading_for_another_tenants_vehicle_is_refused(reporting, make_tenant, operator,
                                                          client, mailbox, drain):
    shop, buyer, vin = reporting
    from tests.support.journey import enable_options, set_up_catalog
    other = make_tenant("ES")
    set_up_catalog(other)
    enable_options(other)
    _, other_vin = linked_vehicle(other, operator, client, mailbox, drain)
    refused = _reported(shop, client, other_vin, "2026-01-05", "1.000")
    assert refused.status_code == 404
    assert other.employee.get(f"/api/v1/vehicles/{other_vin}/usage?period=2026-01").json[
        "metrics"] == []
    assert buyer.get(f"/api/v1/vehicles/{other_vin}/usage").status_code == 404


# --- pricing -------------------------------------------------------------------------------

def test_admins_price_usage_only_of_an_option_with_a_usage_metric(shop):
    refused = [
        ("/api/v1/catalog/options/extended_range", {"price": "19.90", "usage_price": "1.00"}),
        (PREMIUM, {"price": "9.90", "included": "10"}),
        (PREMIUM, {"price": "9.90", "usage_price": "1.00", "included": "1.0001"}),
        (PREMIUM, {"price": "9.90", "usage_price": "-1.00"}),
        (PREMIUM, {"price": "9.90", "usage_price": "1.00", "included": "-5"}),
    ]
    for path, body in refused:
        response = shop.admin.put(path, json={"enabled": True, "billing": "monthly", **body})
        assert response.status_code == 422, (body, response.json)
    priced = shop.admin.put(PREMIUM, json={"enabled": True, "price": "9.90",
                                           "billing": "monthly", "usage_price": "2.00",
                                           "included": "10"})
    assert priced.status_code == 200, priced.json
    assert priced.json["usage"] == {"metric": "data", "unit": "GB", "name": "datos",
                                    "decimals": 3}
    assert priced.json["usage_price"]["amount"] == "2.00" and priced.json["included"] == "10.000"
    listed = {o["code"]: o for o in shop.admin.get("/api/v1/catalog/options").json}
    assert listed["premium_connectivity"]["usage_price"]["amount"] == "2.00"
    assert listed["extended_range"]["usage"] is None
    assert listed["extended_range"]["usage_price"] is None
    assert shop.employee.put(PREMIUM, json={"enabled": True, "price": "9.90",
                                            "billing": "monthly"}).status_code == 403


def test_a_price_move_carries_the_usage_price_and_included_quantity(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, _ = _metered(make_tenant, operator, client, mailbox, drain,
                                   usage_price="2.00", included="10")
    _plays(operator, shop, vin, "0.500")
    usage_pricing("3.00", "5")(shop)  # same monthly price, new usage pricing
    moved = shop.admin.post(f"{PREMIUM}/price-moves", json={"notice_days": 10})
    assert moved.status_code == 200, moved.json
    assert (moved.json["effective_from"], moved.json["subscriptions"]) == ("2028-02", 1)
    assert moved.json["usage_price"]["amount"] == "3.00" and moved.json["included"] == "5.000"
    drain()
    [notice] = [m["body"] for m in mailbox.messages(buyer_email(buyer)) if "GB" in m["body"]]
    assert "5\xa0GB al mes cuesta 3,00\xa0€ por GB" in notice and "9,90" in notice
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    # January: 8 GB within the old 10 included. February: 29 × 0.5 = 14.5 GB, 9.5 beyond 5 at 3.00.
    january, february = _line(_invoice(buyer, "2028-01"), "usage"), _line(
        _invoice(buyer, "2028-02"), "usage")
    assert (january["quantity"], january["total"]["amount"]) == ("8.000", "0.00")
    assert (february["quantity"], february["included"], february["total"]["amount"]) == (
        "14.500", "5.000", "28.50")


class _MeteredHotspot:
    """A metered monthly option with no free trial: a withdrawal can follow its first
    month's invoice within the 14 days (premium connectivity's trial outlasts them)."""

    @hookimpl
    def register_catalog_options(self):
        return [CatalogOption(
            code="metered_hotspot", names={"en": "Metered hotspot", "es": "Hotspot medido"},
            descriptions={"en": "A hotspot billed by use."}, billing_modes=("monthly",),
            usage=UsageMetric(metric="data", unit="GB", decimals=3, names={
                "en": "data", "es": "datos"}),
            activation_payload=lambda vin: {"connectivity.hotspot.enabled": True},
            deactivation_payload=lambda vin: {"connectivity.hotspot.enabled": False})]


@pytest.fixture
def metered_hotspot(app):
    platform = app.extensions["caas"]
    platform.plugins.register(_MeteredHotspot(), name="test-metered-hotspot")
    try:
        yield "metered_hotspot"
    finally:
        platform.plugins.unregister("test-metered-hotspot")


def test_a_withdrawal_credits_the_usage_line_with_the_months_price(
        make_tenant, operator, client, mailbox, drain, billing_drain, metered_hotspot):
    def priced(shop):
        response = shop.admin.put(f"/api/v1/catalog/options/{metered_hotspot}", json={
            "enabled": True, "price": "9.90", "billing": "monthly", "usage_price": "1.00",
            "included": "5"})
        assert response.status_code == 200, response.json
    shop, buyer, vin, service_id = subscribed(
        make_tenant, operator, client, mailbox, drain, option=metered_hotspot,
        at=datetime(2028, 1, 25, 9, tzinfo=timezone.utc), set_up=priced)
    _plays(operator, shop, vin, "1.000")
    advance_clock(operator, shop.slug, "2028-02-01T06:00:00+01:00")
    billing_drain()
    invoice = _invoice(buyer, "2028-01")
    usage = _line(invoice, "usage")["total"]["amount"]
    assert usage != "0.00"  # more than the 5 GB included were used in January
    # Seven days after the purchase: within the 14-day withdrawal period.
    assert buyer.post(f"/api/v1/services/{service_id}/withdrawal").status_code == 200
    drain()
    [note] = [i for i in buyer.get("/api/v1/invoices").json if i["kind"] == "credit_note"]
    assert note["total"]["amount"] == f"-{invoice['total']['amount']}"
    assert sorted(line["total"]["amount"] for line in note["lines"]) == sorted(
        f"-{line['total']['amount']}" for line in invoice["lines"])
    assert f"-{usage}" in [line["total"]["amount"] for line in note["lines"]]
    refunds = [e["amount"] for e in operator.get(f"/sandbox/payments/ledger?tenant={shop.slug}")
               .json["entries"] if e["type"] == "refund"]
    assert refunds == [invoice["total"]["amount"]]


def test_no_withdrawal_once_the_free_trial_and_the_window_are_over(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    # Premium connectivity's 14-day trial ends with the withdrawal period, on the tenant's clock.
    shop, buyer, vin, service_id = _metered(make_tenant, operator, client, mailbox, drain)
    advance_clock(operator, shop.slug, "2028-02-01T06:00:00+01:00")
    billing_drain()
    refused = buyer.post(f"/api/v1/services/{service_id}/withdrawal")
    assert refused.status_code == 409 and refused.json["reason"] == "window_over"


# --- the sandbox and the tenants' secrets --------------------------------------------------

def test_the_telemetry_sandbox_needs_an_operator_and_reports_on_demand(reporting, operator,
                                                                       client):
    shop, buyer, vin = reporting
    body = {"tenant": shop.slug, "daily_quantity": "0.250"}
    assert client.put(f"/sandbox/telemetry/vehicles/{vin}", json=body).status_code == 401
    assert shop.admin.put(f"/sandbox/telemetry/vehicles/{vin}", json=body).status_code == 403
    assert operator.put(f"/sandbox/telemetry/vehicles/{vin}",
                        json=dict(body, tenant="nobody")).status_code == 404
    assert operator.post("/sandbox/telemetry/vehicles/NOPE/reports", json={}).status_code == 404
    _plays(operator, shop, vin, "0.250")
    assert operator.get(f"/sandbox/telemetry/vehicles/{vin}").json["daily_quantity"] == "0.250"
    sent = operator.post(f"/sandbox/telemetry/vehicles/{vin}/reports", json={"day": "2026-01-07"})
    assert sent.status_code == 200 and sent.json["status"] == 200
    late = operator.post(f"/sandbox/telemetry/vehicles/{vin}/reports",
                         json={"day": "2026-01-08", "quantity": "-2"})
    assert late.json["status"] == 422
    assert _usage(buyer, vin, "2026-01")["data"][1] == {"2026-01-07": "0.250"}
    # Down, the vehicles stay silent as the clock passes days.
    assert operator.put("/sandbox/telemetry/mode", json={"mode": "down"}).status_code == 200
    assert advance_clock(operator, shop.slug, _days_ahead(2))["telemetry_reports"] == 0
    faults.set_mode("telemetry", faults.Mode())
    assert advance_clock(operator, shop.slug, _days_ahead(4))["telemetry_reports"] >= 1


def _days_ahead(days):
    from datetime import timedelta
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def test_tenants_created_before_the_telemetry_feed_get_its_secret(tmp_path):
    from alembic import command
    from caas.adapters.sql import tables
    engine = build_app(tmp_path).extensions["caas"].control_engine
    config = migrations.alembic_config("control")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "c0001")
        conn.execute(tables.tenants.insert().values(
            slug="old", name="Old", country="ES", currency="EUR", locales=["es-ES"],
            timezone="Europe/Madrid", status="active",
            secrets={"factory": "f", "payments": "p"}, created_at=datetime.now(timezone.utc)))
    migrations.upgrade(engine, "control")
    with engine.connect() as conn:
        [secrets] = conn.execute(sa.select(tables.tenants.c.secrets)
                                 .where(tables.tenants.c.slug == "old")).scalars()
    assert secrets["factory"] == "f" and len(secrets["telemetry"]) == 64

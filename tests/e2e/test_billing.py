"""Subscriptions billed at month end ("mes vencido"), invoices, charges and credit notes."""
import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from caas import hookimpl
from caas.sandboxes import faults
from tests.support.billing import (FEB_10_2028, advance_clock, buy_option, buyer_email, invoice_charges,
                                   shop_with_options, subscribed)
from tests.support.journey import linked_vehicle


def test_the_first_month_is_prorated_by_days_and_charged_once(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    advance_clock(operator, shop.slug, "2028-03-01T00:30:00+01:00")
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
    [charge] = invoice_charges(operator, shop.slug)
    assert charge["amount"] == "13.72"
    assert charge["idempotency_key"] == f"{shop.slug}:invoice:INV/2028/000001:charge"
    # Running the month again, by hand or by the scheduler, bills nothing more.
    again = shop.admin.post("/api/v1/billing/runs", json={"period": "2028-02"})
    assert again.status_code == 202 and again.json["invoices"] == 0
    billing_drain()
    run = shop.admin.get(f"/api/v1/billing/runs/{again.json['id']}").json
    assert run["status"] == "finished" and run["invoices"] == 0
    advance_clock(operator, shop.slug, "2028-03-02T00:00:00+01:00")
    billing_drain()
    assert len(buyer.get("/api/v1/invoices").json) == 1
    assert len(invoice_charges(operator, shop.slug)) == 1
    # March is whole.
    advance_clock(operator, shop.slug, "2028-04-01T08:00:00+02:00")
    billing_drain()
    march = buyer.get("/api/v1/invoices").json[0]
    assert march["period"] == "2028-03" and march["total"]["amount"] == "19.90"
    assert march["number"] == "INV/2028/000002"
    runs = shop.admin.get("/api/v1/billing/runs").json
    assert {run["period"] for run in runs} >= {"2028-02", "2028-03"}


def test_each_paid_invoice_sends_its_receipt_once(make_tenant, operator, client, mailbox, drain,
                                                  billing_drain, app):
    from caas.service_layer.billing import charging
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    advance_clock(operator, shop.slug, "2028-03-01T00:30:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json

    def receipts():
        return [m for m in mailbox.messages(buyer_email(buyer)) if invoice["number"] in m["body"]]
    assert len(receipts()) == 1 and "13,72" in receipts()[0]["body"]
    # The receipts job again, as when its worker died before marking it done: nothing more.
    with app.app_context():
        assert charging.send_receipts(app.extensions["caas"].for_tenant(shop.tenant), [invoice["id"]]) == 0
    drain()
    assert len(receipts()) == 1


def test_a_cancellation_mid_month_bills_that_whole_month_then_ends_it(
        make_tenant, operator, client, mailbox, drain, billing_drain, app):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               at=datetime(2028, 1, 5, 9, tzinfo=timezone.utc))
    advance_clock(operator, shop.slug, "2028-03-15T12:00:00+01:00")  # January and February billed
    billing_drain()
    cancelled = buyer.delete(f"/api/v1/services/{service_id}")
    assert cancelled.status_code == 200, cancelled.json
    assert cancelled.json["status"] == "cancelling"
    # Midnight in Madrid, summer time since the 26th.
    assert cancelled.json["cancel_at"].startswith("2028-03-31T22:00:00")
    assert buyer.delete(f"/api/v1/services/{service_id}").json["reason"] == "already_cancelled"
    assert [m for m in mailbox.messages(buyer_email(buyer)) if "2028" in m["body"]]
    # Still on until the month ends.
    assert buyer.get(f"/api/v1/services/{service_id}").json["status"] == "active"
    advance_clock(operator, shop.slug, "2028-05-02T00:00:00+02:00")
    billing_drain()
    periods = sorted((i["period"], i["total"]["amount"]) for i in buyer.get("/api/v1/invoices").json)
    # January from the 5th (27 of 31 days), February whole, March whole: nothing for April.
    assert periods == [("2028-01", "17.33"), ("2028-02", "19.90"), ("2028-03", "19.90")]
    service = buyer.get(f"/api/v1/services/{service_id}").json
    assert service["status"] == "ended"
    assert _switched_off(app, vin)


def _switched_off(app, vin):
    """Whether the vehicle was sent the command that takes an option off."""
    commands = app.extensions["caas_sandboxes"].iot.commands(vin)
    return any("off" in command["command_id"] for command in commands)


def test_only_a_running_subscription_can_be_cancelled(make_tenant, operator, client, mailbox,
                                                      drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    one_time = buy_option(buyer, vin, "heated_seats")
    drain()
    refused = buyer.delete(f"/api/v1/services/{one_time}")
    assert refused.status_code == 409 and refused.json["reason"] == "not_a_subscription"
    assert buyer.delete("/api/v1/services/999999").status_code == 404
    assert shop.employee.delete(f"/api/v1/services/{service_id}").status_code == 403


def test_a_refused_month_end_charge_cancels_deactivates_and_tells_the_customer(
        make_tenant, operator, client, mailbox, drain, billing_drain, app):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               token="tok_charge_decline")
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    assert invoice["status"] == "failed"
    assert buyer.get(f"/api/v1/services/{service_id}").json["status"] == "ended"
    assert _switched_off(app, vin)
    subjects = [m["subject"] for m in mailbox.messages(buyer_email(buyer))]
    assert any(invoice["number"] in subject for subject in subjects)
    # No further charges: the months after are never billed.
    advance_clock(operator, shop.slug, "2028-06-01T06:00:00+02:00")
    billing_drain()
    assert len(buyer.get("/api/v1/invoices").json) == 1
    assert invoice_charges(operator, shop.slug) == []
    [run] = [r for r in shop.admin.get("/api/v1/billing/runs").json if r["period"] == "2028-02"]
    assert run["by_status"] == {"failed": 1}
    assert [f["number"] for f in run["failures"]] == [invoice["number"]]


def _billed_while_the_gateway_is(mode, make_tenant, operator, client, mailbox, drain,
                                billing_drain):
    """February billed with the payments sandbox in ``mode``, then back up."""
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    faults.set_mode("payments", faults.Mode(mode=mode))
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    assert invoice["status"] == "unconfirmed"
    faults.set_mode("payments", faults.Mode())
    return shop, buyer, service_id


def test_an_unanswered_charge_is_reconciled_from_the_gateway_never_charged_twice(
        make_tenant, operator, client, mailbox, drain, billing_drain, app):
    from caas.service_layer.billing import charging
    shop, buyer, service_id = _billed_while_the_gateway_is(
        "timeout", make_tenant, operator, client, mailbox, drain, billing_drain)
    assert len(invoice_charges(operator, shop.slug)) == 1  # the gateway did charge
    platform = app.extensions["caas"]
    with app.app_context():
        assert charging.reconcile(platform.for_tenant(shop.tenant), grace_seconds=0) == 1
        assert charging.reconcile(platform.for_tenant(shop.tenant), grace_seconds=0) == 0
    assert buyer.get("/api/v1/invoices").json[0]["status"] == "paid"
    assert len(invoice_charges(operator, shop.slug)) == 1
    assert buyer.get(f"/api/v1/services/{service_id}").json["status"] == "active"
    # The run counts it as paid, and as reconciled.
    [run] = [r for r in shop.admin.get("/api/v1/billing/runs").json if r["period"] == "2028-02"]
    assert run["by_status"] == {"paid": 1} and run["reconciled"] == 1


def test_a_charge_that_never_reached_the_gateway_is_made_once_after_asking(
        make_tenant, operator, client, mailbox, drain, billing_drain, app):
    from caas.service_layer.billing import charging
    shop, buyer, service_id = _billed_while_the_gateway_is(
        "down", make_tenant, operator, client, mailbox, drain, billing_drain)
    assert invoice_charges(operator, shop.slug) == []
    platform = app.extensions["caas"]
    for breaker in platform.external.breakers.values():
        breaker.close()
    with app.app_context():
        charging.reconcile(platform.for_tenant(shop.tenant), grace_seconds=0)
    assert buyer.get("/api/v1/invoices").json[0]["status"] == "paid"
    assert len(invoice_charges(operator, shop.slug)) == 1


def test_runs_at_once_bill_each_subscription_once_with_gapless_numbers(
        make_tenant, operator, client, mailbox, drain, app):
    from caas.domain.billing import Period
    from caas.service_layer.billing import runs
    shop = shop_with_options(make_tenant)
    buyers = []
    for _ in range(3):
        buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
        buyers.append((buyer, vin))
    advance_clock(operator, shop.slug, FEB_10_2028.isoformat())
    for buyer, vin in buyers:
        buy_option(buyer, vin, "extended_range")
        buy_option(buyer, vin, "premium_connectivity")
    drain()
    operator.post(f"/sandbox/clock/{shop.slug}/advance", json={"until": "2028-03-01T06:00:00Z"})
    # Four runs race each other, and the billing job the clock sent.
    platform, errors, results = app.extensions["caas"], [], []

    def bill():
        try:
            with app.app_context():
                results.append(runs.run(platform.for_tenant(shop.tenant), Period.parse("2028-02"),
                                        batch_size=1))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
    threads = [threading.Thread(target=bill) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    invoices = shop.admin.get("/api/v1/invoices?page_size=50").json
    assert len(invoices) == 3 and sum(len(i["lines"]) for i in invoices) == 6
    assert sorted(i["number"] for i in invoices) == [f"INV/2028/00000{n}" for n in (1, 2, 3)]
    assert all(result["status"] == "finished" for result in results)
    charges = invoice_charges(operator, shop.slug)
    assert len(charges) == 3 and len({c["idempotency_key"] for c in charges}) == 3


def test_charges_sent_several_at_once_each_get_their_own_outcome(
        make_tenant, operator, client, mailbox, drain, billing_drain, app, monkeypatch):
    # As with a remote gateway: the in-process sandbox is otherwise charged one at a time.
    monkeypatch.setattr(app.extensions["caas"].external, "payments_in_process", lambda: False)
    shop = shop_with_options(make_tenant)
    advance_clock(operator, shop.slug, FEB_10_2028.isoformat())
    buyers = {}
    for token in ("tok_ok", "tok_charge_decline", "tok_ok", "tok_ok", "tok_charge_decline"):
        buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
        buyers[buy_option(buyer, vin, "extended_range", token)] = (buyer, token)
    drain()
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    for service_id, (buyer, token) in buyers.items():
        [invoice] = buyer.get("/api/v1/invoices").json
        expected = ("paid", "active") if token == "tok_ok" else ("failed", "ended")
        assert (invoice["status"], buyer.get(f"/api/v1/services/{service_id}").json["status"]
                ) == expected
    charges = invoice_charges(operator, shop.slug)
    assert len(charges) == 3 and len({c["idempotency_key"] for c in charges}) == 3


@pytest.mark.parametrize("country, total, net, vat, number", [
    ("ES", "13.72", "11.34", "2.38", "INV/2028/000001"),
    ("FR", "13.72", "11.43", "2.29", "INV-2028-0000001"),
    ("DE", "13.72", "11.53", "2.19", "2028-INV-000001"),
    ("CH", "13.72", "12.69", "1.03", "CH-INV-2028-000001"),
])
def test_each_country_sets_vat_currency_and_number(make_tenant, operator, client, mailbox, drain,
                                                   billing_drain, platform, country, total, net,
                                                   vat, number):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               country=country)
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    currency = "CHF" if country == "CH" else "EUR"
    assert invoice["currency"] == currency and invoice["number"] == number
    assert (invoice["total"]["amount"], invoice["net"]["amount"], invoice["vat"]["amount"]) == (
        total, net, vat)
    terms = platform.plugins.country(country).payment_terms_days
    assert date.fromisoformat(invoice["due_date"]) == (
        date.fromisoformat(invoice["issue_date"]) + timedelta(days=terms))


def test_customers_see_their_own_invoices_staff_all_other_tenants_none(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    other, _ = linked_vehicle(shop, operator, client, mailbox, drain)
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    assert other.get("/api/v1/invoices").json == []
    assert other.get(f"/api/v1/invoices/{invoice['id']}").status_code == 404
    assert buyer.get(f"/api/v1/invoices/{invoice['id']}").json["number"] == invoice["number"]
    assert shop.employee.get(f"/api/v1/invoices/{invoice['id']}").status_code == 200
    assert len(shop.admin.get("/api/v1/invoices").json) == 1
    elsewhere = make_tenant("ES")
    assert elsewhere.admin.get(f"/api/v1/invoices/{invoice['id']}").status_code == 404
    refused = buyer.get(f"/api/v1/invoices/{invoice['id']}",
                        headers={"X-Tenant": elsewhere.slug})
    assert refused.status_code == 401
    assert shop.employee.get("/api/v1/billing/runs").status_code == 403
    assert shop.admin.post("/api/v1/billing/runs", json={"period": "2028-13"}).status_code == 422
    assert shop.admin.post("/api/v1/billing/runs",
                           json={"period": "2099-01"}).json["reason"] == "period_open"


def _settle_the_capture(operator, shop):
    """The gateway settles the tenant's one captured payment, and tells the platform."""
    [capture] = [e for e in operator.get(f"/sandbox/payments/ledger?tenant={shop.slug}")
                 .json["entries"] if e["type"] == "capture"]
    assert operator.post(f"/sandbox/payments/{capture['payment_id']}/settle",
                         json={"outcome": "settled"}).status_code == 200


def test_a_one_time_option_is_invoiced_when_its_payment_settles_and_credited_on_withdrawal(
        make_tenant, operator, client, mailbox, drain):
    shop = shop_with_options(make_tenant)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    service_id = buy_option(buyer, vin, "heated_seats")
    drain()
    assert buyer.get("/api/v1/invoices").json == []
    _settle_the_capture(operator, shop)
    [invoice] = buyer.get("/api/v1/invoices").json
    assert invoice["service_id"] == service_id and invoice["status"] == "paid"
    assert invoice["total"]["amount"] == "249.00" and invoice["lines"][0]["kind"] == "one_time"
    withdrawn = buyer.post(f"/api/v1/services/{service_id}/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.json
    drain()
    notes = [i for i in buyer.get("/api/v1/invoices").json if i["kind"] == "credit_note"]
    [note] = notes
    assert note["credited_invoice_id"] == invoice["id"] and note["total"]["amount"] == "-249.00"
    assert note["number"].startswith("CN/")


def test_withdrawing_from_a_subscription_credits_its_invoices_and_stops_billing(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               at=datetime(2028, 2, 25, 9, tzinfo=timezone.utc))
    advance_clock(operator, shop.slug, "2028-03-03T06:00:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    assert invoice["status"] == "paid"
    withdrawn = buyer.post(f"/api/v1/services/{service_id}/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.json
    assert withdrawn.json["refund"] == {"status": "pending", "amount": invoice["total"]}
    drain()
    assert buyer.get(f"/api/v1/services/{service_id}").json["refund"] == {
        "status": "refunded", "amount": invoice["total"]}
    [note] = [i for i in buyer.get("/api/v1/invoices").json if i["kind"] == "credit_note"]
    assert note["total"]["amount"] == f"-{invoice['total']['amount']}"
    refunds = [e for e in operator.get(f"/sandbox/payments/ledger?tenant={shop.slug}")
               .json["entries"] if e["type"] == "refund"]
    assert [r["amount"] for r in refunds] == [invoice["total"]["amount"]]
    assert [i["status"] for i in buyer.get("/api/v1/invoices").json
            if i["kind"] == "credit_note"] == ["refunded"]
    advance_clock(operator, shop.slug, "2028-04-02T06:00:00+02:00")
    billing_drain()
    assert len([i for i in buyer.get("/api/v1/invoices").json if i["kind"] == "invoice"]) == 1


def test_caas_billing_run_bills_a_month_with_a_progress_bar(make_tenant, operator, client,
                                                           mailbox, drain, app):
    from caas.entrypoints.cli.billing import billing_run
    shop = shop_with_options(make_tenant)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    advance_clock(operator, shop.slug, FEB_10_2028.isoformat())
    buy_option(buyer, vin)
    drain()
    runner = app.test_cli_runner()
    early = runner.invoke(billing_run, ["--tenant", shop.slug, "--period", "2028-02"])
    assert early.exit_code == 1 and "not over yet" in early.output
    assert runner.invoke(billing_run, ["--tenant", shop.slug, "--period", "2028-2"]).exit_code == 2
    assert "unknown tenant" in runner.invoke(billing_run, ["--tenant", "nope-x", "--period",
                                                           "2028-02"]).output
    # Moved without the clock's own job, so that the command is the one that bills.
    with app.app_context():
        from caas.service_layer import clock
        clock.advance(app.extensions["caas"].for_tenant(shop.tenant), days=30)
    result = runner.invoke(billing_run, ["--tenant", shop.slug, "--period", "2028-02"])
    assert result.exit_code == 0, result.output
    assert "billing" in result.output and "1 invoices (13.72 EUR); 1 paid" in result.output
    again = runner.invoke(billing_run, ["--tenant", shop.slug, "--period", "2028-02"])
    assert "0 invoices (nothing)" in again.output


def test_a_time_limited_option_is_switched_off_when_its_time_is_up(
        make_tenant, operator, client, mailbox, drain, billing_drain, app):
    shop = shop_with_options(make_tenant)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    boost = buy_option(buyer, vin, "performance_boost")  # 30 days
    drain()
    assert buyer.get(f"/api/v1/services/{boost}").json["status"] == "active"
    operator.post(f"/sandbox/clock/{shop.slug}/advance", json={"days": 29})
    billing_drain()
    assert buyer.get(f"/api/v1/services/{boost}").json["status"] == "active"
    operator.post(f"/sandbox/clock/{shop.slug}/advance", json={"days": 1.1})
    billing_drain()
    assert buyer.get(f"/api/v1/services/{boost}").json["status"] == "ended"
    assert _switched_off(app, vin)
    # Its price was captured, once: ending it changes no money.
    moves = [e["type"] for e in operator.get(f"/sandbox/payments/ledger?tenant={shop.slug}")
             .json["entries"] if e["reference"] == f"service-{boost}"]
    assert moves == ["authorization", "capture"]


def test_a_price_change_applies_to_new_subscriptions_and_moves_old_ones_after_notice(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               at=datetime(2028, 1, 1, 9, tzinfo=timezone.utc))
    assert shop.admin.put("/api/v1/catalog/options/extended_range", json={
        "enabled": True, "price": "24.90", "billing": "monthly"}).status_code == 200
    newcomer, new_vin = linked_vehicle(shop, operator, client, mailbox, drain)
    buy_option(newcomer, new_vin)
    drain()
    moved = shop.admin.post("/api/v1/catalog/options/extended_range/price-moves",
                            json={"notice_days": 30})
    assert moved.status_code == 200, moved.json
    # Told on 1 January with 30 days' notice (to the 31st): from February.
    assert moved.json == {"option": "extended_range", "effective_from": "2028-02",
                          "subscriptions": 1, "price": moved.json["price"],
                          "usage_price": None, "included": None}
    assert moved.json["price"]["amount"] == "24.90"
    drain()
    told = [m for m in mailbox.messages(buyer_email(buyer)) if "24,90" in m["body"]]
    assert len(told) == 1
    # Confirmed again: the subscription already moves to that price, and its customer was told.
    again = shop.admin.post("/api/v1/catalog/options/extended_range/price-moves",
                            json={"notice_days": 30})
    assert again.status_code == 200 and again.json["subscriptions"] == 0
    drain()
    assert len([m for m in mailbox.messages(buyer_email(buyer)) if "24,90" in m["body"]]) == 1
    advance_clock(operator, shop.slug, "2028-04-01T08:00:00+02:00")
    billing_drain()
    mine = sorted((i["period"], i["total"]["amount"]) for i in buyer.get("/api/v1/invoices").json)
    assert mine == [("2028-01", "19.90"), ("2028-02", "24.90"), ("2028-03", "24.90")]
    theirs = {i["period"]: i["total"]["amount"] for i in newcomer.get("/api/v1/invoices").json}
    assert theirs["2028-02"] == "24.90" and theirs["2028-03"] == "24.90"
    assert shop.admin.post("/api/v1/catalog/options/heated_seats/price-moves",
                           json={}).status_code == 404
    assert shop.admin.post("/api/v1/catalog/options/extended_range/price-moves",
                           json={"notice_days": -1}).status_code == 422
    assert shop.employee.post("/api/v1/catalog/options/extended_range/price-moves",
                              json={}).status_code == 403


def test_an_invoice_reads_as_a_document_in_the_customers_language(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               country="CH")
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    page = buyer.get(f"/api/v1/invoices/{invoice['id']}/document")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'lang="fr"' in html and "Facture CH-INV-2028-000001" in html
    assert "février 2028" in html and "1\u202fmars 2028" in html or "1 mars 2028" in html
    assert "13.72\xa0CHF" in html or "13,72\xa0CHF" in html
    assert "8,1%" in html and "7561234567897" in html  # the tax id as validated
    other, _ = linked_vehicle(shop, operator, client, mailbox, drain, "CH")
    assert other.get(f"/api/v1/invoices/{invoice['id']}/document").status_code == 404


def test_a_free_trial_turns_paid_unless_cancelled_with_a_reminder_before(
        make_tenant, operator, client, mailbox, drain, billing_drain):
    # Premium connectivity starts with 14 free days.
    shop, buyer, vin, service_id = subscribed(
        make_tenant, operator, client, mailbox, drain, option="premium_connectivity",
        at=datetime(2028, 2, 1, 9, tzinfo=timezone.utc))
    email = buyer_email(buyer)

    def reminders():
        return [m for m in mailbox.messages(email) if "15" in m["subject"]
                and m["subject"] != "" and "2028" in m["subject"]]
    advance_clock(operator, shop.slug, "2028-02-10T09:00:00+01:00")
    billing_drain()
    assert reminders() == []
    advance_clock(operator, shop.slug, "2028-02-12T11:00:00+01:00")  # three days before it ends
    billing_drain()
    assert len(reminders()) == 1
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    assert len(reminders()) == 1  # reminded once
    [invoice] = buyer.get("/api/v1/invoices").json
    # Free until the 15th: billed from the 15th, 15 of 29 days of 9.90.
    assert invoice["lines"][0]["days"] == 15 and invoice["total"]["amount"] == "5.12"


def test_a_trial_cancelled_in_time_costs_nothing(make_tenant, operator, client, mailbox, drain,
                                                 billing_drain):
    shop, buyer, vin, service_id = subscribed(
        make_tenant, operator, client, mailbox, drain, option="premium_connectivity",
        at=datetime(2028, 2, 1, 9, tzinfo=timezone.utc))
    advance_clock(operator, shop.slug, "2028-02-05T09:00:00+01:00")
    assert buyer.delete(f"/api/v1/services/{service_id}").status_code == 200
    advance_clock(operator, shop.slug, "2028-04-01T09:00:00+02:00")
    billing_drain()
    assert buyer.get("/api/v1/invoices").json == []
    assert buyer.get(f"/api/v1/services/{service_id}").json["status"] == "ended"


def test_a_withdrawal_before_settlement_is_credited_once_the_invoice_is_issued(
        make_tenant, operator, client, mailbox, drain):
    shop = shop_with_options(make_tenant)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    service_id = buy_option(buyer, vin, "heated_seats")
    drain()
    assert buyer.post(f"/api/v1/services/{service_id}/withdrawal").status_code == 200
    drain()
    _settle_the_capture(operator, shop)
    kinds = sorted((i["kind"], i["total"]["amount"]) for i in buyer.get("/api/v1/invoices").json)
    assert kinds == [("credit_note", "-249.00"), ("invoice", "249.00")]


def test_the_scheduler_checks_every_tenant_on_its_cron_schedule(make_tenant, operator, client,
                                                                 mailbox, drain, billing_drain,
                                                                 app):
    from caas.entrypoints.worker import scheduler
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    with app.app_context():
        from caas.service_layer import clock
        clock.advance(app.extensions["caas"].for_tenant(shop.tenant), days=30)  # no billing job sent
    # Half an hour from now: the schedule must not also fire on its own during the test.
    minute = (datetime.now(timezone.utc).minute + 30) % 60
    running = scheduler.background(app, f"{minute} * * * *")
    try:
        [job] = running.get_jobs()
        assert job.next_run_time.minute == minute
        job.func(*job.args)  # what the scheduler runs at each check
    finally:
        running.shutdown(wait=False)
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    assert invoice["period"] == "2028-02" and invoice["status"] == "paid"
    [run] = [r for r in shop.admin.get("/api/v1/billing/runs").json if r["period"] == "2028-02"]
    assert run["trigger"] == "schedule"


class _IssuedInvoices:
    """A plugin recording the ``invoice_issued`` events it is given."""

    def __init__(self):
        self.seen = []

    @hookimpl
    def invoice_issued(self, tenant, invoice_id, number):
        self.seen.append((tenant, invoice_id, number))


@pytest.fixture
def issued(platform):
    """The ``invoice_issued`` events plugins receive, by tenant slug."""
    recorder = _IssuedInvoices()
    platform.plugins.register(recorder, "test-invoices")
    try:
        yield lambda slug: [event for event in recorder.seen if event[0] == slug]
    finally:
        platform.plugins.unregister("test-invoices")


def test_plugins_hear_of_each_month_end_invoice_once(make_tenant, operator, client, mailbox,
                                                     drain, billing_drain, issued):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    advance_clock(operator, shop.slug, "2028-03-01T00:30:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    assert issued(shop.slug) == [(shop.slug, invoice["id"], invoice["number"])]
    # A second run of the month issues nothing, and tells nothing.
    assert shop.admin.post("/api/v1/billing/runs", json={"period": "2028-02"}).status_code == 202
    billing_drain()
    assert issued(shop.slug) == [(shop.slug, invoice["id"], invoice["number"])]


def test_plugins_hear_of_a_one_time_invoice_and_its_credit_note(make_tenant, operator, client,
                                                                mailbox, drain, issued):
    shop = shop_with_options(make_tenant)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    service_id = buy_option(buyer, vin, "heated_seats")
    drain()
    _settle_the_capture(operator, shop)
    drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    assert issued(shop.slug) == [(shop.slug, invoice["id"], invoice["number"])]
    assert buyer.post(f"/api/v1/services/{service_id}/withdrawal").status_code == 200
    drain()
    [note] = [i for i in buyer.get("/api/v1/invoices").json if i["kind"] == "credit_note"]
    assert issued(shop.slug) == [(shop.slug, invoice["id"], invoice["number"]),
                                 (shop.slug, note["id"], note["number"])]

"""Payments whose outcome was not known at once: news held until claimed, orphan charges
refunded, withdrawals that credit unconfirmed invoices, and the janitor's own pass."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from caas.crypto import signing
from caas.domain.money import Money
from caas.sandboxes import faults
from caas.tenancy import tenant_context
from tests.support.journey import linked_vehicle, pay, sell
from tests.support.ledger import Ledger

LOST = faults.Mode("charge_then_timeout", operations=["charge", "lookup"])


@pytest.fixture
def reconcile(app, drain, monkeypatch):
    """One reconciliation pass over a tenant, as the schedule runs it, then its jobs."""
    from caas.service_layer import reconciliation
    monkeypatch.setitem(app.config, "CAAS_BILLING_RECONCILE_GRACE_SECONDS", 0)
    platform = app.extensions["caas"]

    def run(shop):
        faults.set_mode("payments", faults.Mode())
        with app.app_context(), tenant_context(shop.tenant):
            looked = reconciliation.reconcile(platform.for_tenant(shop.tenant))
        drain()
        return looked
    return run


def _deliveries(operator, payment_id):
    return [d for d in operator.get("/sandbox/webhooks").json["deliveries"]
            if d["payload"].get("payment_id") == payment_id]


def test_news_of_a_payment_whose_answer_was_lost_is_held_then_claimed_by_its_key(
        shop, operator, reconcile):
    order = sell(shop)["order"]
    faults.set_mode("payments", LOST)
    answer = pay(shop, order["id"])
    assert answer.status_code == 202 and answer.json["payments"][0]["status"] == "unknown"
    [charge] = [e for e in Ledger(operator, shop.slug, order["reference"]).entries
                if e["type"] == "charge"]
    # The gateway settles the charge the platform has not heard of: the news is kept (2xx).
    assert operator.post(f"/sandbox/payments/{charge['payment_id']}/settle",
                         json={"outcome": "settled"}).status_code == 200
    [delivery] = _deliveries(operator, charge["payment_id"])
    assert delivery["status"] == 200 and delivery["payload"]["idempotency_key"].endswith(":1")
    assert shop.employee.get(f"/api/v1/orders/{order['id']}").json["status"] == "created"
    looked = reconcile(shop)
    assert looked["order_payments"] == 1
    after = shop.employee.get(f"/api/v1/orders/{order['id']}").json
    assert after["status"] != "created"
    assert [(p["status"], p["settlement"]) for p in after["payments"]] == [("succeeded", "settled")]
    assert shop.employee.get("/api/v1/support/tickets?kind=orphan_charge").json == []
    # Audited: the attempt's unknown outcome, then what the gateway's record said.
    actions = [entry["action"] for entry in shop.admin.get("/api/v1/audit?page_size=100").json]
    assert {"payment.unknown", "payment.succeeded"} <= set(actions)


def test_the_gateways_record_is_applied_at_once_and_its_silence_only_after_the_grace(
        shop, operator, reconcile, app, monkeypatch):
    monkeypatch.setitem(app.config, "CAAS_PAYMENT_LOOKUP_GRACE_SECONDS", 60)
    charged, never = sell(shop)["order"], sell(shop)["order"]
    faults.set_mode("payments", LOST)  # the gateway charges; the answer and the lookup are lost
    assert pay(shop, charged["id"]).status_code == 202
    # A 503 before acting, and no lookup to tell: nothing was charged, but who could know?
    faults.set_mode("payments", faults.Mode("failing", operations=["charge", "lookup"]))
    assert pay(shop, never["id"]).status_code == 202
    assert reconcile(shop)["order_payments"] == 2

    def attempts(order):
        return [p["status"] for p in shop.employee.get(f"/api/v1/orders/{order['id']}").json[
            "payments"]]
    assert attempts(charged) == ["succeeded"]  # found at the gateway: applied at the first pass
    assert attempts(never) == ["unknown"]  # unknown to the gateway, but it may be on its way
    monkeypatch.setitem(app.config, "CAAS_PAYMENT_LOOKUP_GRACE_SECONDS", 0)
    reconcile(shop)
    assert attempts(never) == ["failed"]
    assert Ledger(operator, shop.slug, never["reference"]).entries == []
    # A new attempt, with a key of its own, may now charge it.
    assert pay(shop, never["id"]).status_code == 200
    assert attempts(never) == ["failed", "succeeded"]


def test_a_charge_no_payment_claims_is_refunded_in_full_with_a_ticket(
        shop, operator, reconcile, app):
    platform = app.extensions["caas"]
    # A charge on the tenant's merchant account that no payment of the platform made.
    stray = platform.external.payments(shop.tenant).charge(
        Money("120.00", "EUR"), "tok_ok", idempotency_key="elsewhere-1", reference="unknown-ref")
    assert operator.post(f"/sandbox/payments/{stray.id}/settle",
                         json={"outcome": "settled"}).status_code == 200
    assert operator.post(f"/sandbox/payments/{stray.id}/settle",  # never dropped, never doubled
                         json={"outcome": "settled"}).status_code == 409
    [delivery] = _deliveries(operator, stray.id)
    assert delivery["status"] == 200 and delivery["payload"]["type"] == "payment.settled"
    assert reconcile(shop)["held_news"] == 1
    [ticket] = shop.employee.get("/api/v1/support/tickets?kind=orphan_charge").json
    assert ticket["details"]["payment_id"] == stray.id
    assert ticket["details"]["amount"] == {"amount": "120.00", "currency": "EUR"}
    moves = [(e["type"], e["amount"]) for e in Ledger(operator, shop.slug, "unknown-ref").entries]
    assert moves == [("charge", "120.00"), ("settlement", "120.00"), ("refund", "120.00")]
    assert reconcile(shop)["held_news"] == 0  # settled once; the refund's own news is known
    assert len([e for e in Ledger(operator, shop.slug, "unknown-ref").entries
                if e["type"] == "refund"]) == 1


def test_a_bad_or_repeated_news_changes_nothing(shop, client, app):
    secret = shop.tenant.secrets["payments"]
    body = json.dumps({"event_id": "evt-x", "payment_id": "pay_nobody",
                       "type": "payment.settled", "amount": "5.00", "currency": "EUR"}).encode()
    url = f"/api/v1/webhooks/{shop.slug}/payments"
    headers = {"Content-Type": "application/json", signing.HEADER: signing.sign(secret, body)}
    first = client.post(url, data=body, headers=headers)
    again = client.post(url, data=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json["outcome"].startswith("held") and again.json["outcome"] == "duplicate"
    unsigned = client.post(url, data=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.json["code"] == 401


def _subscribed_on(shop, operator, client, mailbox, drain, day: datetime):
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    assert operator.post(f"/sandbox/clock/{shop.slug}/advance",
                         json={"until": day.isoformat()}).status_code == 200
    bought = buyer.post(f"/api/v1/vehicles/{vin}/services",
                        json={"option": "extended_range", "card_token": "tok_ok"})
    assert bought.status_code == 202
    drain()
    return buyer, bought.json["id"]


@pytest.mark.parametrize("mode, charged", [(LOST, True), (faults.Mode("down"), False)])
def test_a_withdrawal_credits_an_unconfirmed_invoice_and_refunds_it_if_it_was_paid(
        shop, operator, client, mailbox, drain, reconcile, app, mode, charged):
    buyer, service_id = _subscribed_on(shop, operator, client, mailbox, drain,
                                       datetime(2028, 2, 20, 10, 0, tzinfo=timezone.utc))
    faults.set_mode("payments", mode)
    assert operator.post(f"/sandbox/clock/{shop.slug}/advance",
                         json={"until": "2028-03-01T06:00:00+01:00"}).status_code == 200
    drain()  # the billing check, then its batch
    [invoice] = buyer.get("/api/v1/invoices").json
    assert invoice["status"] == "unconfirmed"
    withdrawn = buyer.post(f"/api/v1/services/{service_id}/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.json
    drain()
    reconcile(shop)
    documents = {doc["kind"]: doc for doc in buyer.get("/api/v1/invoices").json}
    assert documents["invoice"]["status"] == "credited"  # never quietly "paid"
    note = documents["credit_note"]
    assert note["total"]["amount"] == f"-{invoice['total']['amount']}"
    ledger = Ledger(operator, shop.slug, f"invoice-{invoice['number']}")
    assert ledger.net == 0
    if charged:  # the lost charge happened: it is refunded through the credit note
        assert note["status"] == "refunded"
        assert [e["type"] for e in ledger.entries] == ["charge", "refund"]
    else:  # it never happened, and is never made
        assert note["status"] == "credited" and ledger.entries == []
    reconcile(shop)
    assert Ledger(operator, shop.slug, f"invoice-{invoice['number']}").net == 0

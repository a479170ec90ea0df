"""Every money-moving call under every gateway fault: one effect, and no hold left open.

Each cell runs one call (a reservation, a final payment, a purchase's authorization, its
capture, the release of a monthly purchase's hold, a withdrawal's refund, a month-end
charge) with the payments sandbox faulting that call, then lets the platform recover as
it would in production (the fault clears, queued jobs run, the reconciliation pass runs),
and reads the gateway's own ledger: the net money moved for the order, service or invoice
is exactly what it should be, at most one charge or capture was made for it, and every
authorization was captured or released.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from caas.sandboxes import faults
from caas.tenancy import tenant_context
from tests.support.ledger import Ledger
from tests.support.journey import PRICES, linked_vehicle, pay, sell, to_vehicle_ready

CALLS = ("reservation", "final", "authorization", "capture", "void", "refund", "month_end")
FAULTS = ("ok", "decline", "down", "timeout_after_charging", "5xx_after_charging",
          "duplicate_webhook", "webhook_before_answer")
#: The gateway operation each call makes.
OPERATION = {"reservation": "charge", "final": "charge", "authorization": "authorize",
             "capture": "capture", "void": "void", "refund": "refund", "month_end": "charge"}
#: Calls a retried job makes: their faults wear off, as outages do, so that the retry is seen.
JOB_CALLS = ("capture", "void", "refund")
FEB_10_2028 = datetime(2028, 2, 10, 10, 0, tzinfo=timezone.utc)


def fault_mode(call: str, fault: str) -> faults.Mode | None:
    operation, job = OPERATION[call], call in JOB_CALLS
    if fault == "ok":
        return None
    if fault == "duplicate_webhook":
        return faults.Mode("duplicate_webhooks")
    if fault == "webhook_before_answer":
        return faults.Mode("webhook_before_answer", operations=[operation])
    if fault == "decline":
        return faults.Mode("decline", operations=[operation], times=1 if job else None)
    if fault == "down":  # refused before sending, on the call and its retry
        return faults.Mode("down", operations=[operation], times=2 if job else None)
    lost = "charge_then_timeout" if fault == "timeout_after_charging" else "charge_then_502"
    # The answer is lost, on the retry with the same key and on the lookup of the key too:
    # the outcome is truly unknown until the gateway is reachable again.
    return faults.Mode(lost, operations=[operation, "lookup"], times=3 if job else None)


@pytest.fixture
def world(shop, operator, client, mailbox, drain, app, monkeypatch):
    """What every cell needs, and the platform's recovery: drain the jobs, reconcile."""
    monkeypatch.setitem(app.config, "CAAS_BILLING_RECONCILE_GRACE_SECONDS", 0)
    platform = app.extensions["caas"]

    def drain_all():  # a billing check queues batches, which queue receipts
        for _ in range(2):
            drain()

    class World:
        def recover(self):
            faults.set_mode("payments", faults.Mode())
            for breaker in platform.external.breakers.values():
                breaker.close()
            from caas.service_layer import reconciliation
            for _ in range(2):  # a job the pass queued runs, and its news is claimed
                drain_all()
                with app.app_context(), tenant_context(shop.tenant):
                    reconciliation.reconcile(platform.for_tenant(shop.tenant))
            drain_all()

        def settle_all(self, ledger: Ledger, mode: faults.Mode | None):
            """Let the gateway settle what it took (under the cell's mode: news may come twice)."""
            if mode is not None and mode.mode == "duplicate_webhooks":
                faults.set_mode("payments", mode)
            for payment_id in ledger.payment_ids():
                operator.post(f"/sandbox/payments/{payment_id}/settle", json={"outcome": "settled"})
            faults.set_mode("payments", faults.Mode())
            drain_all()

    made = World()
    made.shop, made.operator, made.client, made.mailbox, made.drain = (
        shop, operator, client, mailbox, drain_all)
    return made


def _under(mode: faults.Mode | None, action):
    faults.set_mode("payments", mode or faults.Mode())
    try:
        return action()
    finally:
        if mode is None or mode.times is None:
            faults.set_mode("payments", faults.Mode())


def _buy(buyer, vin, option):
    return buyer.post(f"/api/v1/vehicles/{vin}/services", json={"option": option,
                                                                "card_token": "tok_ok"})


# --- the cells, per call ------------------------------------------------------------------

def _order_payment(world, kind, fault):
    shop, operator = world.shop, world.operator
    if kind == "reservation":
        order = sell(shop)["order"]
        already, expected = Decimal(0), Decimal(order["reservation"]["amount"])
    else:  # its reservation was charged under the same reference
        order = to_vehicle_ready(shop, operator)
        already, expected = (Decimal(order["reservation"]["amount"]),
                             Decimal(order["final_amount"]["amount"]))
    mode = fault_mode(kind, fault)
    answer = _under(mode, lambda: pay(shop, order["id"], kind, key=f"pay-{order['id']}"))
    if fault == "decline":
        assert answer.status_code == 402, answer.json
    elif fault == "down":
        assert answer.status_code == 503, answer.json
    elif fault in ("timeout_after_charging", "5xx_after_charging"):
        assert answer.status_code == 202, answer.json
        assert answer.json["payments"][-1]["status"] == "unknown"
        # An employee's retry while it is unknown sends the same charge under the same key.
        again = _under(mode, lambda: pay(shop, order["id"], kind, key=f"pay-{order['id']}"))
        assert again.status_code == 202, again.json
    else:
        assert answer.status_code == 200, answer.json
    world.recover()
    ledger = Ledger(operator, shop.slug, order["reference"])
    world.settle_all(ledger, mode)
    charged = fault not in ("decline", "down")
    assert ledger.net == already + (expected if charged else 0), ledger.entries
    assert ledger.takings == bool(already) + charged
    after = shop.employee.get(f"/api/v1/orders/{order['id']}").json
    attempts = [p for p in after["payments"] if p["kind"] == kind]
    assert [p["status"] for p in attempts if p["status"] in ("unknown", "processing")] == []
    if charged:
        assert after["status"] not in ("created", "pending_final_payment"), after["status"]
        assert [p["settlement"] for p in attempts if p["status"] == "succeeded"] == ["settled"]
    elif kind == "final" and fault == "decline":
        assert after["status"] == "cancelled"
    else:
        assert after["status"] == order["status"]


def _purchase(world, call, fault):
    shop, operator, drain = world.shop, world.operator, world.drain
    buyer, vin = linked_vehicle(shop, operator, world.client, world.mailbox, drain)
    option = {"void": "extended_range"}.get(call, "heated_seats")
    price = Decimal(PRICES[option][0])
    mode = fault_mode(call, fault)
    if call == "authorization":
        answer = _under(mode, lambda: _buy(buyer, vin, option))
        expected_status = {"decline": 402, "down": 503}.get(fault, 202)
        assert answer.status_code == expected_status, answer.json
        if fault in ("timeout_after_charging", "5xx_after_charging"):
            assert (answer.json["status"], answer.json["payment_status"]) == ("paying", "unknown")
        elif expected_status == 202:  # what the purchase committed, whatever the worker did since
            assert (answer.json["status"], answer.json["payment_status"]) == (
                "activating", "authorized")
        service_id = answer.json.get("id")
    else:
        bought = _buy(buyer, vin, option)
        assert bought.status_code == 202, bought.json
        service_id = bought.json["id"]
        if call == "refund":
            drain()
            faults.set_mode("payments", mode or faults.Mode())
            withdrawn = buyer.post(f"/api/v1/services/{service_id}/withdrawal")
            assert withdrawn.status_code == 200, withdrawn.json
        else:
            faults.set_mode("payments", mode or faults.Mode())
        drain()
    world.recover()
    if service_id is None:  # refused at once: no service was bought
        [service] = buyer.get(f"/api/v1/vehicles/{vin}/services").json
        service_id = service["id"]
    ledger = Ledger(operator, shop.slug, f"service-{service_id}")
    world.settle_all(ledger, mode)
    service = buyer.get(f"/api/v1/services/{service_id}").json
    assert ledger.open_holds() == [], ledger.entries
    if call == "authorization" and fault in ("decline", "down"):
        expected = Decimal(0)
        assert service["status"] == "payment_failed"
    elif call == "capture" and fault == "decline":
        expected = Decimal(0)  # delivered, but the card refused the capture: staff follow up
        assert service["payment_status"] == "capture_declined"
        tickets = shop.employee.get("/api/v1/support/tickets?kind=chargeback_risk").json
        assert [t["service_id"] for t in tickets] == [service_id]
    elif call in ("void", "refund"):
        expected = Decimal(0)
        assert service["payment_status"] in ("voided", "refunded"), service
    else:
        expected = price
        assert (service["status"], service["payment_status"]) == ("active", "captured"), service
    assert ledger.net == expected, ledger.entries
    assert ledger.takings == (1 if expected else int(call == "refund"))


def _month_end(world, fault):
    shop, operator, drain = world.shop, world.operator, world.drain
    buyer, vin = linked_vehicle(shop, operator, world.client, world.mailbox, drain)
    assert operator.post(f"/sandbox/clock/{shop.slug}/advance",
                         json={"until": FEB_10_2028.isoformat()}).status_code == 200
    bought = _buy(buyer, vin, "extended_range")
    drain()
    mode = fault_mode("month_end", fault)
    faults.set_mode("payments", mode or faults.Mode())
    try:
        assert operator.post(f"/sandbox/clock/{shop.slug}/advance",
                             json={"until": "2028-03-01T06:00:00+01:00"}).status_code == 200
        drain()
    finally:
        faults.set_mode("payments", faults.Mode())
    world.recover()
    [invoice] = buyer.get("/api/v1/invoices").json
    ledger = Ledger(operator, shop.slug, f"invoice-{invoice['number']}")
    world.settle_all(ledger, mode)
    invoice = buyer.get(f"/api/v1/invoices/{invoice['id']}").json
    if fault == "decline":
        assert invoice["status"] == "failed" and ledger.net == 0 and ledger.takings == 0
        assert buyer.get(f"/api/v1/services/{bought.json['id']}").json["status"] == "ended"
    else:
        assert invoice["status"] == "paid", invoice
        assert ledger.net == Decimal(invoice["total"]["amount"]) and ledger.takings == 1
    assert ledger.open_holds() == []


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("call", CALLS)
def test_one_effect_and_no_hold_left_open(world, call, fault):
    if call in ("reservation", "final"):
        _order_payment(world, call, fault)
    elif call == "month_end":
        _month_end(world, fault)
    else:
        _purchase(world, call, fault)
    # Nothing the gateway reported was refunded as an orphan: every charge was claimed.
    assert world.shop.employee.get("/api/v1/support/tickets?kind=orphan_charge").json == []

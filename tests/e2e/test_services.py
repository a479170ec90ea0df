"""Catalog options bought for a vehicle and activated over the air: never charged for what failed."""
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from caas import CatalogOption, hookimpl
from caas.crypto import signing
from caas.sandboxes import faults
from tests.support.journey import (PRICES, customer_login, enable_options, linked_vehicle, set_up_catalog)


@pytest.fixture
def iot(app):
    return app.extensions["caas_sandboxes"].iot


def _ledger(operator, slug, reference=None):
    entries = operator.get(f"/sandbox/payments/ledger?tenant={slug}").json["entries"]
    return [e for e in entries if reference is None or e["reference"] == reference]


def _buy(buyer, vin, option="heated_seats", token="tok_ok", key=None):
    headers = {"Idempotency-Key": key} if key else None
    return buyer.post(f"/api/v1/vehicles/{vin}/services", json={"option": option,
                                                                "card_token": token},
                      headers=headers)


def _service(api, service_id):
    return api.get(f"/api/v1/services/{service_id}").json


def _money_moves(operator, shop, service_id):
    return [(e["type"], e["amount"]) for e in _ledger(operator, shop.slug, f"service-{service_id}")]


def _ota(shop, max_attempts=3, backoff=0.05, timeout=2.0):
    response = shop.admin.put("/api/v1/settings/ota", json={
        "max_attempts": max_attempts, "backoff_seconds": backoff,
        "command_timeout_seconds": timeout})
    assert response.status_code == 200, response.json


# --- the tenant's catalog ---------------------------------------------------------------

def test_admins_set_what_they_sell_and_at_what_price(shop, make_tenant):
    listed = {o["code"]: o for o in shop.admin.get("/api/v1/catalog/options").json}
    assert set(listed) == set(PRICES)
    assert listed["heated_seats"]["price"]["amount"] == "249.00"
    assert listed["heated_seats"]["price"]["currency"] == "EUR"
    bad_billing = shop.admin.put("/api/v1/catalog/options/heated_seats",
                                 json={"enabled": True, "price": "10.00", "billing": "monthly"})
    assert bad_billing.status_code == 422 and "billing" in bad_billing.json["errors"]["json"]
    assert shop.admin.put("/api/v1/catalog/options/teleporter", json={
        "enabled": True, "price": "1.00", "billing": "one_time"}).status_code == 404
    assert shop.employee.put("/api/v1/catalog/options/heated_seats", json={
        "enabled": False, "price": "1.00", "billing": "one_time"}).status_code == 403
    # Another tenant's catalog is its own: nothing enabled there.
    other = make_tenant("FR")
    assert not any(o["enabled"] for o in other.admin.get("/api/v1/catalog/options").json)


def test_the_customer_catalog_is_localized_priced_and_says_what_is_blocked(shop, owned, app,
                                                                           drain):
    buyer, vin = owned
    app.extensions["caas_sandboxes"].vss.set_vehicle(vin, "overdue")
    items = {o["code"]: o for o in buyer.get(f"/api/v1/vehicles/{vin}/catalog").json}
    assert set(items) == set(PRICES)
    seats = items["heated_seats"]
    assert seats["available"] is True and seats["reason"] is None
    assert seats["price"]["display"] == "249,00\xa0€"
    assert seats["name"] != "Heated seats"  # Spanish for a Spanish customer
    assistance = items["driving_assistance"]
    assert assistance["available"] is False and assistance["reason"] == "maintenance_overdue"
    assert assistance["reason_text"]

    assert _buy(buyer, vin).status_code == 202
    drain()
    items = {o["code"]: o for o in buyer.get(f"/api/v1/vehicles/{vin}/catalog").json}
    assert items["heated_seats"]["reason"] == "already_active"


def test_an_incompatible_option_is_listed_as_blocked(shop, operator, client, mailbox, drain):
    shop.admin.post("/api/v1/models", json={"code": "clasico", "name": "Clásico",
                                            "base_price": "20000.00"})
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain, model="clasico")
    items = {o["code"]: o for o in buyer.get(f"/api/v1/vehicles/{vin}/catalog").json}
    assert items["extended_range"]["reason"] == "incompatible"
    refused = _buy(buyer, vin, "extended_range")
    assert refused.status_code == 409 and refused.json["reason"] == "incompatible"


# --- purchase and activation --------------------------------------------------------------

def test_a_purchase_is_authorized_activated_over_the_air_then_captured(shop, owned, operator,
                                                                       iot, drain, mailbox):
    buyer, vin = owned
    bought = _buy(buyer, vin)
    assert bought.status_code == 202, bought.json
    assert bought.json["status"] == "activating"
    assert bought.json["payment_status"] == "authorized"
    drain()
    service = _service(buyer, bought.json["id"])
    assert service["status"] == "active" and service["payment_status"] == "captured"
    assert service["attempts"] == 1 and service["activated_at"]
    assert [step["to"] for step in service["history"]][:3] == ["paying", "activating", "active"]
    configuration = iot.vehicle(vin)["configuration"]
    assert configuration["comfort.heated_seats.enabled"] is True
    # The customer is told by email and on the vehicle's display, in Spanish.
    assert configuration["hmi.notification.text"] == mailbox.messages(
        buyer.get("/api/v1/me").json["email"])[0]["subject"]
    assert _money_moves(operator, shop, service["id"]) == [("authorization", "249.00"),
                                                           ("capture", "249.00")]


@pytest.mark.parametrize("option, says, never", [
    ("heated_seats", "Se ha confirmado el pago de 249,00", "mes vencido"),
    ("extended_range", "Se factura mensualmente a mes vencido: 19,90", "Se ha confirmado el pago"),
    ("premium_connectivity", "Su prueba gratuita dura hasta el", "Se ha confirmado el pago"),
])
def test_the_activation_email_says_what_the_customer_pays(shop, owned, drain, mailbox, option,
                                                          says, never):
    """A one-time price was taken; a monthly one is billed in arrears (the hold released);
    a free trial costs nothing until it ends."""
    buyer, vin = owned
    email = buyer.get("/api/v1/me").json["email"]
    assert _buy(buyer, vin, option).status_code == 202
    drain()
    [active] = [m for m in mailbox.messages(email) if "activado" in m["body"]][:1]
    body = active["body"].replace("\xa0", " ")
    assert says in body and never not in body
    if option == "premium_connectivity":
        assert "9,90 € al mes" in body and "Ahora no se ha cobrado nada" in body


def test_a_monthly_option_holds_the_card_and_releases_it_once_active(shop, owned, operator,
                                                                     drain):
    buyer, vin = owned
    bought = _buy(buyer, vin, "premium_connectivity")
    drain()
    service = _service(buyer, bought.json["id"])
    assert service["status"] == "active" and service["payment_status"] == "voided"
    # Billed in arrears at month end: nothing is captured at purchase.
    assert _money_moves(operator, shop, service["id"]) == [("authorization", "9.90"),
                                                           ("void", "9.90")]


@pytest.mark.parametrize("behaviour", ["fail", "timeout", "offline"])
def test_an_activation_failing_every_attempt_is_escalated_and_never_charged(
        shop, owned, operator, iot, drain, mailbox, behaviour):
    buyer, vin = owned
    _ota(shop, max_attempts=3, timeout=0.3)
    iot.set_behaviour(vin, behaviour)
    bought = _buy(buyer, vin)
    assert bought.status_code == 202
    drain()
    service = _service(buyer, bought.json["id"])
    assert service["status"] == "failed", service
    assert service["attempts"] == 3 and service["payment_status"] == "voided"
    moves = _money_moves(operator, shop, service["id"])
    assert moves == [("authorization", "249.00"), ("void", "249.00")]
    [ticket] = shop.employee.get("/api/v1/support/tickets?kind=ota_failed").json
    assert ticket["service_id"] == service["id"] and ticket["vin"] == vin
    assert ticket["details"]["attempts"] == 3 and ticket["details"]["error"]
    assert "online" in ticket["details"]["vehicle_status"]
    assert buyer.get("/api/v1/support/tickets").status_code == 403
    # The option can be bought again later.
    items = {o["code"]: o for o in buyer.get(f"/api/v1/vehicles/{vin}/catalog").json}
    assert items["heated_seats"]["available"] is True


class _MalformedOption:
    """A plugin whose option's IoT command the API refuses (a key with a space)."""
    OPTION = CatalogOption(code="malformed_option", names={"en": "Malformed"},
                           descriptions={"en": "Its command is invalid."},
                           billing_modes=("one_time",),
                           activation_payload=lambda vin: {"comfort.Bad Key": True},
                           deactivation_payload=lambda vin: {"comfort.bad_key": False})

    @staticmethod
    @hookimpl
    def register_catalog_options():
        return [_MalformedOption.OPTION]


@pytest.fixture
def malformed_option(platform):
    platform.plugins.register(_MalformedOption, "test_malformed_option")
    yield _MalformedOption.OPTION.code
    platform.plugins.unregister("test_malformed_option")


def test_a_command_the_iot_api_refuses_is_not_retried_and_never_charged(
        shop, owned, operator, iot, drain, malformed_option):
    buyer, vin = owned
    _ota(shop, max_attempts=5)
    enabled = shop.admin.put(f"/api/v1/catalog/options/{malformed_option}",
                             json={"enabled": True, "price": "10.00", "billing": "one_time"})
    assert enabled.status_code == 200, enabled.json
    bought = _buy(buyer, vin, option=malformed_option)
    assert bought.status_code == 202, bought.json
    drain()
    service = _service(buyer, bought.json["id"])
    # A refusal of the command itself is permanent: one attempt, then released.
    assert service["status"] == "failed" and service["attempts"] == 1, service
    assert "refused by the IoT API" in service["last_error"]
    assert _money_moves(operator, shop, service["id"]) == [("authorization", "10.00"),
                                                           ("void", "10.00")]
    assert not any("comfort.Bad Key" in command["settings"] for command in iot.commands(vin))
    [ticket] = shop.employee.get("/api/v1/support/tickets?kind=ota_failed").json
    assert ticket["service_id"] == service["id"]
    assert "invalid" in ticket["details"]["error"]


def test_a_failure_then_success_activates_once(shop, owned, operator, iot, drain):
    buyer, vin = owned
    _ota(shop, max_attempts=5)
    iot.set_failure_rate(1.0)
    bought = _buy(buyer, vin)
    iot.set_failure_rate(0.0)
    drain()
    service = _service(buyer, bought.json["id"])
    assert service["status"] == "active" and service["attempts"] >= 1
    moves = _money_moves(operator, shop, service["id"])
    assert [m for m in moves if m[0] == "capture"] == [("capture", "249.00")]


def test_maintenance_overdue_blocks_and_vss_down_allows(shop, owned, app, drain):
    buyer, vin = owned
    app.extensions["caas_sandboxes"].vss.set_vehicle(vin, "overdue")
    refused = _buy(buyer, vin, "driving_assistance")
    assert refused.status_code == 409 and refused.json["reason"] == "maintenance_overdue"
    faults.set_mode("vss", faults.Mode("down"))
    allowed = _buy(buyer, vin, "driving_assistance")
    assert allowed.status_code == 202, allowed.json
    items = {o["code"]: o for o in buyer.get(f"/api/v1/vehicles/{vin}/catalog").json}
    assert items["extended_range"]["maintenance_checked"] is True
    assert items["driving_assistance"]["maintenance_checked"] is False


@pytest.mark.parametrize("token, status", [("tok_decline", 402), ("tok_gateway_error", 503)])
def test_a_refused_payment_activates_nothing(shop, owned, operator, iot, drain, token, status):
    buyer, vin = owned
    refused = _buy(buyer, vin, token=token)
    assert refused.status_code == status
    drain()
    assert iot.commands(vin) == []
    [service] = buyer.get(f"/api/v1/vehicles/{vin}/services").json
    assert service["status"] == "payment_failed"
    assert all(e["type"] in ("decline",) for e in _ledger(operator, shop.slug,
                                                         f"service-{service['id']}"))
    assert _buy(buyer, vin).status_code == 202  # and the customer may try again


def test_gateway_down_refuses_at_once(shop, owned, operator, iot):
    buyer, vin = owned
    faults.set_mode("payments", faults.Mode("down"))
    refused = _buy(buyer, vin)
    assert refused.status_code == 503 and "no se ha cobrado nada" in refused.json["message"]
    assert iot.commands(vin) == []
    assert _ledger(operator, shop.slug, "service-1") == []


def test_the_same_idempotency_key_buys_once(shop, owned, operator, drain):
    buyer, vin = owned
    first = _buy(buyer, vin, key="buy-seats")
    again = _buy(buyer, vin, key="buy-seats")
    assert first.status_code == again.status_code == 202
    assert again.json["id"] == first.json["id"]
    drain()
    assert len(buyer.get(f"/api/v1/vehicles/{vin}/services").json) == 1
    assert [m[0] for m in _money_moves(operator, shop, first.json["id"])] == [
        "authorization", "capture"]


def test_concurrent_purchases_of_one_option_activate_once(shop, owned, operator, app, iot,
                                                          drain):
    buyer, vin = owned
    statuses, barrier = [], threading.Barrier(4)

    def attempt():
        from tests.support.api import Api
        api = Api(app.test_client(), buyer.token, buyer.tenant)
        barrier.wait()
        statuses.append(_buy(api, vin).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202, 409, 409, 409], statuses
    drain()
    services = buyer.get(f"/api/v1/vehicles/{vin}/services").json
    assert [s["status"] for s in services] == ["active"]
    assert len([e for e in _ledger(operator, shop.slug) if e["type"] == "authorization"]) == 1
    activations = [c for c in iot.commands(vin) if "comfort.heated_seats.enabled" in c["settings"]]
    assert len(activations) == 1


def test_nobody_buys_for_someone_elses_vehicle(shop, owned, operator, client, mailbox, drain):
    _, vin = owned
    other, _ = linked_vehicle(shop, operator, client, mailbox, drain)
    assert _buy(other, vin).status_code == 404
    assert other.get(f"/api/v1/vehicles/{vin}/catalog").status_code == 404
    assert other.get(f"/api/v1/vehicles/{vin}/services").status_code == 404
    # Staff cannot buy (nor trigger an over-the-air command) for a customer.
    assert _buy(shop.admin, vin).status_code == 403
    assert _buy(shop.employee, vin).status_code == 403


# --- settlement reports ----------------------------------------------------------------

def _payment_event(client, shop, payment_id, kind):
    body = json.dumps({"event_id": f"evt-{payment_id}-{kind}", "payment_id": payment_id,
                       "type": kind}).encode()
    return client.post(f"/api/v1/webhooks/{shop.slug}/payments", data=body, headers={
        signing.HEADER: signing.sign(shop.tenant.secrets["payments"], body),
        "Content-Type": "application/json"})


def test_a_payment_failing_before_activation_finished_cancels_it_uncharged(
        shop, owned, operator, iot, drain, client):
    buyer, vin = owned
    _ota(shop, max_attempts=2, timeout=5)
    iot.set_behaviour(vin, "pending")
    bought = _buy(buyer, vin).json
    deadline = time.monotonic() + 10
    while not iot.commands(vin):  # the attempt is running: its command waits on the vehicle
        assert time.monotonic() < deadline
        time.sleep(0.02)
    payment_id = _ledger(operator, shop.slug, f"service-{bought['id']}")[0]["payment_id"]
    assert _payment_event(client, shop, payment_id, "payment.failed").json["outcome"] == (
        "activation cancelled")
    # The vehicle applies the command after all: the activation must not end up charged.
    iot.set_behaviour(vin, "ok")
    for command in iot.commands(vin):
        iot.complete(command["command_id"], "succeeded")
    drain()
    service = _service(buyer, bought["id"])
    assert service["status"] == "cancelled"
    assert [m[0] for m in _money_moves(operator, shop, bought["id"])] == ["authorization", "void"]
    # ...and what the vehicle applied is switched off again.
    assert iot.vehicle(vin)["configuration"]["comfort.heated_seats.enabled"] is False


def test_a_settlement_failing_after_delivery_is_a_risk_case_and_the_service_stays(
        shop, owned, operator, drain, client):
    buyer, vin = owned
    bought = _buy(buyer, vin).json
    drain()
    payment_id = _ledger(operator, shop.slug, f"service-{bought['id']}")[0]["payment_id"]
    answer = _payment_event(client, shop, payment_id, "payment.failed")
    assert answer.json["outcome"] == "chargeback risk escalated"
    assert _service(buyer, bought["id"])["status"] == "active"
    [ticket] = shop.employee.get("/api/v1/support/tickets?kind=chargeback_risk").json
    assert ticket["service_id"] == bought["id"]


# --- withdrawal ------------------------------------------------------------------------

@pytest.mark.parametrize("days, granted", [(14, True), (15, False)])
def test_withdrawal_on_day_14_and_day_15(shop, owned, operator, client, mailbox, iot, drain,
                                         days, granted):
    buyer, vin = owned
    bought = _buy(buyer, vin).json
    drain()
    email = buyer.get("/api/v1/me").json["email"]
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=days), tick=True):
        later = customer_login(client, mailbox, shop, email)
        answer = later.post(f"/api/v1/services/{bought['id']}/withdrawal")
        drain()
    if granted:
        assert answer.status_code == 200, answer.json
        assert answer.json["status"] == "withdrawn"
        # The answer says what was committed: the refund is on its way, with its amount.
        assert answer.json["refund"]["status"] == "pending"
        assert answer.json["refund"]["amount"]["amount"] == "249.00"
        assert answer.json["refunded"]["amount"] == "0.00"
        service = _service(buyer, bought["id"])
        assert service["payment_status"] == "refunded"
        assert service["refunded"]["amount"] == "249.00"
        assert service["refund"] == {"status": "refunded", "amount": service["refunded"]}
        assert ("refund", "249.00") in _money_moves(operator, shop, bought["id"])
        assert iot.vehicle(vin)["configuration"]["comfort.heated_seats.enabled"] is False
    else:
        assert answer.status_code == 409 and answer.json["reason"] == "window_over"
        assert "14" in answer.json["message"]
        assert _service(buyer, bought["id"])["status"] == "active"


def test_no_withdrawal_in_switzerland(make_tenant, operator, client, mailbox, drain):
    shop = make_tenant("CH")
    set_up_catalog(shop)
    enable_options(shop)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain, "CH")
    bought = _buy(buyer, vin).json
    drain()
    refused = buyer.post(f"/api/v1/services/{bought['id']}/withdrawal")
    assert refused.status_code == 409 and refused.json["reason"] == "no_statutory_right"
    assert "Suisse" in refused.json["message"]  # in the customer's French, named in French
    assert _service(buyer, bought["id"])["status"] == "active"


def test_a_short_option_carries_no_withdrawal_right(shop, owned, drain):
    buyer, vin = owned
    bought = _buy(buyer, vin, "performance_boost").json  # 30 days: qualifies
    drain()
    assert buyer.post(f"/api/v1/services/{bought['id']}/withdrawal").status_code == 200


# --- the sweeper ------------------------------------------------------------------------

def test_a_lost_retry_is_resumed_by_the_sweeper_and_attempts_stay_bounded(
        shop, owned, operator, platform, iot, drain, monkeypatch):
    from caas.entrypoints.worker.fanout import sweep
    buyer, vin = owned
    _ota(shop, max_attempts=2, backoff=600, timeout=0.3)
    iot.set_behaviour(vin, "fail")
    # The first attempt fails and schedules a retry in 5 to 10 minutes... which the broker loses.
    lost = []
    monkeypatch.setattr(platform, "schedule_activation", lambda *args: lost.append(args))
    bought = _buy(buyer, vin).json
    drain()
    assert len(lost) == 1 and _service(buyer, bought["id"])["attempts"] == 1
    monkeypatch.undo()
    sweep(platform)  # not overdue yet: nothing happens to it
    assert _service(buyer, bought["id"])["attempts"] == 1
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(hours=1), tick=True):
        assert sweep(platform) >= 1
        drain()
    service = _service(buyer, bought["id"])
    assert service["status"] == "failed" and service["attempts"] == 2
    assert [m[0] for m in _money_moves(operator, shop, bought["id"])] == ["authorization", "void"]
    # Sweeping again changes nothing: the attempts are counted in the database.
    sweep(platform)
    drain()
    assert _service(buyer, bought["id"])["attempts"] == 2


def test_a_worker_dying_after_the_vehicle_applied_the_option_delivers_and_charges_once(
        shop, owned, operator, platform, iot, drain, monkeypatch):
    from caas.entrypoints.worker.fanout import sweep
    from caas.service_layer import activation
    buyer, vin = owned
    _ota(shop, max_attempts=1)
    recorded = activation._succeeded

    def killed_before_recording(*args):
        monkeypatch.setattr(activation, "_succeeded", recorded)
        raise RuntimeError("worker killed")
    monkeypatch.setattr(activation, "_succeeded", killed_before_recording)
    bought = _buy(buyer, vin).json
    drain()
    # The redelivered job finds the attempt leased to the dead worker and leaves it.
    assert _service(buyer, bought["id"])["status"] == "activating"
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=5), tick=True):
        assert sweep(platform) >= 1
        drain()
    # No attempts left, but the vehicle's status shows the option on: it was delivered.
    service = _service(buyer, bought["id"])
    assert service["status"] == "active" and service["attempts"] == 1
    assert [m[0] for m in _money_moves(operator, shop, bought["id"])] == [
        "authorization", "capture"]
    assert shop.employee.get("/api/v1/support/tickets?kind=ota_failed").json == []

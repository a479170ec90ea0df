"""The spec's failure table for sales: factory down, admin registration failing; signed webhooks."""
import json
import time

import pytest

from caas.crypto import signing
from caas.entrypoints.worker.fanout import relay
from caas.sandboxes import faults
from caas.service_layer import messages
from tests.support.journey import (advance, customer, order, pay, sell, set_up_catalog, to_vehicle_ready)


@pytest.fixture
def shop(make_tenant):
    made = make_tenant("ES")
    set_up_catalog(made)
    return made


# --- factory down: the order is queued, never lost ---------------------------

def test_factory_down_queues_the_order_tells_the_customer_and_places_it_later(shop, mailbox,
                                                                             drain, platform):
    email = customer()["email"]
    sold = sell(shop, email=email)["order"]
    faults.set_mode("factory", faults.Mode("down"))
    paid = pay(shop, sold["id"])
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "reserved" and paid.json["factory_order_id"] is None
    faults.set_mode("factory", faults.Mode())
    drain()  # the queued placement is retried with backoff until the factory answers
    placed = order(shop, sold["id"])
    assert placed["status"] == "factory_ordered" and placed["factory_order_id"]
    # Besides the credentials: the delay, then the confirmation, in the customer's language.
    expected = {_subject(shop, sold, email, event) for event in ("factory_delayed",
                                                                 "factory_ordered")}
    notices = [m for m in mailbox.messages(email) if email not in m["body"]]
    assert {m["subject"] for m in notices} == expected and len(notices) == 2
    assert {m["language"] for m in notices} == {"es-ES"}


def _subject(shop, sold, email, event):
    return messages.order_update_message(email, "es-ES", "es-ES", name="Ana García",
                                         tenant_name=shop.tenant.name, reference=sold["reference"],
                                         event=event).subject


def test_an_open_factory_circuit_queues_without_calling_the_factory(shop, operator, platform,
                                                                   drain):
    warm = sell(shop)["order"]
    pay(shop, warm["id"])  # the factory client and its breaker exist now
    before = len(operator.get(f"/sandbox/factory/orders?tenant={shop.slug}").json["orders"])
    platform.external.breakers["factory"].open()
    sold = sell(shop)["order"]
    assert pay(shop, sold["id"]).json["status"] == "reserved"
    assert len(operator.get(f"/sandbox/factory/orders?tenant={shop.slug}").json["orders"]) == before
    platform.external.breakers["factory"].close()
    drain()
    assert order(shop, sold["id"])["status"] == "factory_ordered"


def test_a_queued_order_survives_a_broker_outage_and_is_sent_by_the_relay(shop, platform, drain,
                                                                         monkeypatch):
    sold = sell(shop)["order"]
    faults.set_mode("factory", faults.Mode("down"))

    def broker_down(slug, ids, delay_seconds=0):
        raise ConnectionError("broker unreachable")
    monkeypatch.setattr(platform, "dispatch", broker_down)
    paid = pay(shop, sold["id"])
    assert paid.status_code == 200 and paid.json["status"] == "reserved"
    monkeypatch.undo()
    faults.set_mode("factory", faults.Mode())
    drain()
    assert order(shop, sold["id"])["status"] == "reserved"  # only the outbox remembers it
    # Its retry was due at most 1 s after the failed placement; the relay sends it once
    # that is older than its margin.
    time.sleep(2.1)
    assert relay(platform, older_than_seconds=1) >= 1
    drain()
    assert order(shop, sold["id"])["status"] == "factory_ordered"


def test_a_process_dying_between_payment_and_factory_call_loses_nothing(shop, app, platform,
                                                                       drain, monkeypatch):
    from caas.service_layer import factory

    def die(*args):
        raise RuntimeError("worker process killed")
    monkeypatch.setattr(factory, "place_now", die)
    sold = sell(shop)["order"]
    assert pay(shop, sold["id"]).status_code == 500  # the request died after its commit
    monkeypatch.undo()
    assert order(shop, sold["id"])["status"] == "reserved"
    # The held placement job is nobody's once its lease runs out; the relay sends it.
    monkeypatch.setitem(app.config, "CAAS_OUTBOX_LEASE_SECONDS", 1)
    drain()  # the sale's other jobs (emails, events) are done; the placement is not

    def unclaimed():
        with platform.tenant_uow(shop.slug) as uow:
            return uow.outbox.pending(0, 1)
    assert unclaimed() == []  # still leased to the dead request
    time.sleep(1.1)
    assert len(unclaimed()) == 1
    assert relay(platform, older_than_seconds=0) >= 1
    drain()
    assert order(shop, sold["id"])["status"] == "factory_ordered"


# --- registration with the country's authority ----------------------------------

def test_registration_failing_escalates_to_staff_and_tells_the_customer(shop, operator, app,
                                                                       mailbox, drain, monkeypatch):
    monkeypatch.setitem(app.config, "CAAS_REGISTRATION_ESCALATE_SECONDS", 0)
    email = customer()["email"]
    ready = to_vehicle_ready(shop, operator, email=email)
    faults.set_mode("registration", faults.Mode("down"))
    paid = pay(shop, ready["id"], "final")
    assert paid.status_code == 200
    assert paid.json["status"] == "registering" and paid.json["registration_escalated_at"]
    [ticket] = shop.employee.get("/api/v1/support/tickets?kind=registration_delayed").json
    assert ticket["order_id"] == ready["id"] and ticket["vin"] == ready["vin"]
    assert "registration sandbox is down" in ticket["details"]["error"]
    assert shop.employee.post(f"/api/v1/orders/{ready['id']}/delivery",
                              json={"outcome": "delivered"}).status_code == 409
    faults.set_mode("registration", faults.Mode())
    drain()  # the background retries go on until the authority answers
    registered = order(shop, ready["id"])
    assert registered["status"] == "in_transit" and registered["plate"]
    notices = [m for m in mailbox.messages(email) if email not in m["body"]]
    # ordered, manufacturing, ready, paid, delayed, registered
    assert len(notices) == 6, [m["subject"] for m in notices]


def test_registration_retried_within_the_timeout_is_not_escalated(shop, operator, drain):
    ready = to_vehicle_ready(shop, operator)
    faults.set_mode("registration", faults.Mode("down"))
    assert pay(shop, ready["id"], "final").json["status"] == "registering"
    assert shop.employee.get("/api/v1/support/tickets").json == []
    faults.set_mode("registration", faults.Mode())
    drain()
    assert order(shop, ready["id"])["status"] == "in_transit"
    assert shop.employee.get("/api/v1/support/tickets").json == []


def test_staff_can_retry_registration_only_while_it_is_pending(shop, operator, drain):
    ready = to_vehicle_ready(shop, operator)
    refused = shop.employee.post(f"/api/v1/orders/{ready['id']}/registration")
    assert refused.status_code == 409 and refused.json["current_status"] == "pending_final_payment"
    faults.set_mode("registration", faults.Mode("down"))
    pay(shop, ready["id"], "final")
    faults.set_mode("registration", faults.Mode())
    retried = shop.employee.post(f"/api/v1/orders/{ready['id']}/registration")
    assert retried.status_code == 202
    drain()
    assert order(shop, ready["id"])["status"] == "in_transit"


# --- factory webhooks: signed, idempotent, order-tolerant ------------------------

def _post_event(client, slug, event, secret=None, header=None, timestamp=None):
    body = json.dumps(event).encode()
    if header is None and secret is not None:
        header = signing.sign(secret, body, timestamp)
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[signing.HEADER] = header
    return client.post(f"/api/v1/webhooks/{slug}/factory", data=body, headers=headers)


@pytest.fixture
def placed(shop):
    sold = sell(shop)["order"]
    pay(shop, sold["id"])
    return order(shop, sold["id"])


@pytest.mark.parametrize("how", ["missing", "wrong", "stale", "malformed", "other_tenant"])
def test_badly_signed_factory_webhooks_are_401_and_change_nothing(shop, placed, client, platform,
                                                                  make_tenant, how):
    event = {"event_id": "evt-1", "order_id": placed["factory_order_id"], "status": "IN_PROGRESS"}
    secret = shop.tenant.secrets["factory"]
    if how == "missing":
        response = _post_event(client, shop.slug, event)
    elif how == "wrong":
        response = _post_event(client, shop.slug, event, secret="not-the-secret")
    elif how == "stale":
        response = _post_event(client, shop.slug, event, secret, timestamp=time.time() - 301)
    elif how == "malformed":
        response = _post_event(client, shop.slug, event, header="v1=abc")
    else:
        response = _post_event(client, shop.slug, event, make_tenant("FR").tenant.secrets["factory"])
    assert response.status_code == 401
    # No person signs a webhook: the tenant's default language, Spanish.
    assert response.json["code"] == 401 and "firma" in response.json["message"]
    assert order(shop, placed["id"])["status"] == "factory_ordered"
    # The same event, properly signed, still applies: the refusal recorded nothing.
    assert _post_event(client, shop.slug, event, secret).status_code == 200
    assert order(shop, placed["id"])["status"] == "manufacturing"


def test_a_replayed_factory_event_has_no_second_effect(shop, placed, client):
    secret = shop.tenant.secrets["factory"]
    event = {"event_id": "evt-ready", "order_id": placed["factory_order_id"], "status": "READY",
             "vin": "VSSZZZ5FZR1234567"}
    first = _post_event(client, shop.slug, event, secret)
    replay = _post_event(client, shop.slug, event, secret)
    assert first.json["outcome"] == "order pending_final_payment"
    assert replay.status_code == 200 and replay.json["outcome"] == "duplicate"
    history = order(shop, placed["id"])["history"]
    assert [step["to"] for step in history].count("vehicle_ready") == 1


def test_out_of_order_factory_events_are_applied_in_the_right_order(shop, placed, client):
    secret = shop.tenant.secrets["factory"]
    ready = {"event_id": "evt-2", "order_id": placed["factory_order_id"], "status": "READY",
             "vin": "VSSZZZ5FZR7654321"}
    late = {"event_id": "evt-1", "order_id": placed["factory_order_id"], "status": "IN_PROGRESS"}
    assert _post_event(client, shop.slug, ready, secret).status_code == 200
    answer = _post_event(client, shop.slug, late, secret)
    assert answer.status_code == 200 and answer.json["outcome"].startswith("stale")
    current = order(shop, placed["id"])
    assert current["status"] == "pending_final_payment" and current["vin"] == ready["vin"]
    steps = [(step["to"], step["note"]) for step in current["history"]]
    assert ("manufacturing", "inferred from the READY report") in steps


@pytest.mark.parametrize("event, status", [
    ({"event_id": "e", "order_id": "FO-NOPE", "status": "IN_PROGRESS"}, 404),
    ({"event_id": "e", "order_id": "X", "status": "SHIPPED"}, 422),
    ({"event_id": "e", "order_id": "X", "status": "READY", "vin": "too-short"}, 422),
    ({"order_id": "X", "status": "READY"}, 422),
])
def test_invalid_factory_events_are_4xx(shop, placed, client, event, status):
    response = _post_event(client, shop.slug, event, shop.tenant.secrets["factory"])
    assert response.status_code == status, response.json
    assert response.json["code"] == status
    assert order(shop, placed["id"])["status"] == "factory_ordered"


def test_webhook_for_unknown_tenant_is_404_and_bad_json_is_400(shop, client):
    assert _post_event(client, "no-such-tenant", {}, "x").status_code == 404
    body = b"{not json"
    response = client.post(f"/api/v1/webhooks/{shop.slug}/factory", data=body, headers={
        signing.HEADER: signing.sign(shop.tenant.secrets["factory"], body)})
    assert response.status_code == 400


def test_the_factory_sandbox_calls_the_signed_webhook_on_its_own_schedule(shop, placed, operator,
                                                                         app):
    sandbox = app.extensions["caas_sandboxes"].factory
    sandbox.step_seconds = 0.05
    sandbox.start()
    try:
        deadline = time.monotonic() + 5
        while order(shop, placed["id"])["status"] != "pending_final_payment":
            assert time.monotonic() < deadline, order(shop, placed["id"])
            time.sleep(0.05)
    finally:
        sandbox.stop()
        sandbox.step_seconds = None

    def mine():
        deliveries = operator.get("/sandbox/webhooks").json["deliveries"]
        return [d for d in deliveries if d["tenant"] == shop.slug and d["system"] == "factory"]
    # A delivery is logged once its answer is back, which may be after the order moved.
    deadline = time.monotonic() + 5
    while not mine():
        assert time.monotonic() < deadline, "no factory webhook logged"
        time.sleep(0.05)
    assert {d["status"] for d in mine()} == {200}


def test_sandbox_advance_of_an_unknown_or_finished_order(shop, placed, operator):
    assert operator.post("/sandbox/factory/orders/FO-NONE/advance", json={}).status_code == 404
    advance(operator, placed["factory_order_id"], "READY")
    finished = operator.post(f"/sandbox/factory/orders/{placed['factory_order_id']}/advance",
                             json={})
    assert finished.status_code == 409

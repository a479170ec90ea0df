"""The factory sandbox and the platform's client for it, spoken to over HTTP only."""
from __future__ import annotations

import json
import re
import threading
import time
from datetime import date, timedelta

import httpx
import pybreaker
import pytest
from flask import Flask, request

from caas.crypto import signing
from caas.adapters.http.factory import FactoryClient
from caas.service_layer.gateways import FactoryRejected, FactoryUnavailable
from caas.sandboxes import faults
from caas.sandboxes.factory import FactorySandbox, vin_check_digit
from caas.sandboxes.webhooks import WebhookSender
from tests.support.http_doubles import TimesOut, system_down

SECRETS = {"es-mad": "secret-es", "fr-par": "secret-fr"}
BASE_URL = "http://factory.sandbox"
CUSTOMER = {"name": "Lucía Pérez", "country": "ES"}


class Receiver:
    """The platform's webhook endpoint, reduced to checking signatures and recording payloads."""

    def __init__(self):
        self.payloads: list[tuple[str, dict]] = []
        self.refused = 0
        self.app = Flask("factory-webhook-receiver")
        self.app.post("/api/v1/webhooks/<tenant>/<system>")(self.receive)

    def receive(self, tenant, system):
        try:
            signing.verify(SECRETS[tenant], request.get_data(), request.headers.get(signing.HEADER))
        except signing.BadSignature:
            self.refused += 1
            return {"error": "bad signature"}, 401
        assert system == "factory"
        self.payloads.append((tenant, request.get_json()))
        return {}, 200

    def wait_for(self, count: int, timeout: float = 2.0) -> list[tuple[str, dict]]:
        deadline = time.monotonic() + timeout
        while len(self.payloads) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.payloads


class Counting(httpx.BaseTransport):
    """Counts the requests that actually leave the client."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.inner.handle_request(request)


@pytest.fixture
def receiver():
    return Receiver()


@pytest.fixture
def sender(receiver):
    http = httpx.Client(transport=httpx.WSGITransport(app=receiver.app), base_url="http://platform")
    yield WebhookSender(http, lambda tenant, system: SECRETS.get(tenant), attempts=3, backoff=0.01)
    http.close()


@pytest.fixture
def sandbox(sender):
    sandbox = FactorySandbox(sender)
    yield sandbox
    sandbox.stop()


def client_for(target, market: str = "es-mad", **kwargs) -> FactoryClient:
    """A client of ``target``: a WSGI app, or an httpx transport standing in front of one."""
    transport = target if isinstance(target, httpx.BaseTransport) else httpx.WSGITransport(app=target)
    return FactoryClient(BASE_URL, market=market, transport=transport, **kwargs)


@pytest.fixture
def es(sandbox):
    client = client_for(sandbox.wsgi)
    yield client
    client.close()


@pytest.fixture
def factory_down():
    with system_down("factory"):
        yield


def place(client: FactoryClient, reference: str = "ORD-1", **changes):
    order = {"reference": reference, "model": "Urban EV", "options": ["heated-seats"],
             "customer": CUSTOMER, **changes}
    return client.place_order(**order)


def assert_valid_vin(vin: str, wmi: str = "VSS") -> None:
    assert re.fullmatch(r"[0-9A-HJ-NPR-Z]{17}", vin), vin
    assert vin.startswith(wmi)
    assert vin[8] == vin_check_digit(vin)


def test_places_an_order(sandbox, es):
    order = place(es)

    assert re.fullmatch(r"FO-[0-9A-F]{10}", order.id)
    assert order.status == "ACCEPTED" and order.vin is None
    assert date.today() + timedelta(days=30) <= order.estimated_date <= date.today() + timedelta(days=90)
    stored = sandbox.order(order.id)
    assert stored["market"] == "es-mad" and stored["reference"] == "ORD-1"
    assert stored["customer"] == CUSTOMER and stored["options"] == ["heated-seats"]


def test_placing_again_returns_the_same_order(sandbox, es):
    first = place(es)
    again = place(es)

    assert again.id == first.id
    assert len(sandbox.orders("es-mad")) == 1
    http = sandbox.wsgi.test_client()
    replay = http.post("/v1/orders", json={"reference": "ORD-1", "model": "Urban EV",
                                           "options": ["heated-seats"], "customer": CUSTOMER},
                       headers={"X-Market": "es-mad", "Idempotency-Key": "another-key"})
    assert replay.status_code == 200 and replay.json["orderId"] == first.id


def test_same_reference_with_another_body_is_a_conflict(sandbox, es):
    place(es)

    with pytest.raises(FactoryRejected) as refused:
        place(es, model="Family SUV")

    assert (refused.value.status, refused.value.code) == (409, "conflict")
    assert len(sandbox.orders()) == 1


def test_invalid_orders_are_refused_field_by_field(sandbox, es):
    with pytest.raises(FactoryRejected) as refused:
        place(es, model="", customer={"name": "Jean", "country": "XX"})

    assert (refused.value.status, refused.value.code) == (422, "invalid_request")
    answer = json.loads(refused.value.text)
    assert set(answer["error"]["fields"]) == {"model", "customer"}
    assert "country" in answer["error"]["fields"]["customer"]
    assert sandbox.orders() == []


def test_market_and_idempotency_key_are_required(sandbox):
    http = sandbox.wsgi.test_client()
    body = {"reference": "R", "model": "M", "options": [], "customer": CUSTOMER}

    no_market = http.post("/v1/orders", json=body, headers={"Idempotency-Key": "R"})
    no_key = http.post("/v1/orders", json=body, headers={"X-Market": "es-mad"})

    assert no_market.status_code == 400 and no_market.json["error"]["code"] == "missing_market"
    assert no_key.status_code == 400 and no_key.json["error"]["code"] == "missing_idempotency_key"
    assert sandbox.orders() == []


def test_markets_do_not_see_each_other(sandbox, es):
    fr = client_for(sandbox.wsgi, "fr-par")
    order = place(es)

    for call in (fr.get, fr.cancel):
        with pytest.raises(FactoryRejected) as refused:
            call(order.id)
        assert refused.value.status == 404
    # A reference is unique per market only.
    assert place(fr).id != order.id
    assert es.get(order.id).status == "ACCEPTED"
    fr.close()


def test_advances_step_by_step_with_signed_webhooks(sandbox, es, receiver):
    order = place(es)

    assert sandbox.advance(order.id)["status"] == "IN_PROGRESS"
    assert es.get(order.id).status == "IN_PROGRESS"
    ready = sandbox.advance(order.id)

    fetched = es.get(order.id)
    assert fetched.status == "READY" and fetched.vin == ready["vin"]
    assert_valid_vin(fetched.vin)
    assert [(tenant, p["order_id"], p["status"]) for tenant, p in receiver.payloads] == [
        ("es-mad", order.id, "IN_PROGRESS"), ("es-mad", order.id, "READY")]
    assert receiver.payloads[1][1]["vin"] == fetched.vin
    assert receiver.refused == 0
    with pytest.raises(ValueError):
        sandbox.advance(order.id)
    with pytest.raises(KeyError):
        sandbox.advance("FO-0000000000")


def test_jumping_to_ready_sends_both_events_in_order(sandbox, es, receiver):
    order = place(es)

    sandbox.advance(order.id, to="READY")

    payloads = [payload for _, payload in receiver.payloads]
    assert [p["status"] for p in payloads] == ["IN_PROGRESS", "READY"]
    assert "vin" not in payloads[0]
    assert_valid_vin(payloads[1]["vin"])
    assert payloads[0]["event_id"] != payloads[1]["event_id"]
    assert sandbox.events(order.id) == payloads


def test_backwards_moves_are_refused(sandbox, es):
    order = place(es)
    sandbox.advance(order.id, to="IN_PROGRESS")

    for to in ("IN_PROGRESS", "ACCEPTED", "SHIPPED"):
        with pytest.raises(ValueError):
            sandbox.advance(order.id, to=to)
    assert sandbox.order(order.id)["status"] == "IN_PROGRESS"


def test_vins_have_the_north_american_check_digit_and_are_unique(sender):
    # Published VINs anchor the check-digit computation (position 9: X, 1, 3).
    for vin in ("1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352"):
        assert vin_check_digit(vin) == vin[8]
    sandbox = FactorySandbox(sender, wmi="WVW")
    client = client_for(sandbox.wsgi)
    vins = set()
    for number in range(20):
        order = place(client, f"ORD-{number}")
        vins.add(sandbox.advance(order.id, to="READY", wait=False)["vin"])
    client.close()

    assert len(vins) == 20
    for vin in vins:
        assert_valid_vin(vin, "WVW")


def test_cancels_only_before_ready(sandbox, es, receiver):
    first, second = place(es, "ORD-1"), place(es, "ORD-2")
    sandbox.advance(first.id)

    assert es.cancel(first.id).status == "CANCELLED"
    assert es.cancel(first.id).status == "CANCELLED"
    with pytest.raises(ValueError):
        sandbox.advance(first.id)
    sandbox.advance(second.id, to="READY")
    with pytest.raises(FactoryRejected) as refused:
        es.cancel(second.id)
    assert refused.value.status == 409
    assert es.get(second.id).status == "READY"
    assert [p["status"] for _, p in receiver.payloads if p["order_id"] == first.id] == ["IN_PROGRESS"]


def test_builds_on_its_own_schedule(sender, receiver):
    sandbox = FactorySandbox(sender, step_seconds=0.05)
    client = client_for(sandbox.wsgi)
    order, cancelled = place(client, "ORD-1"), place(client, "ORD-2")
    client.cancel(cancelled.id)
    time.sleep(0.1)
    assert sandbox.order(order.id)["status"] == "ACCEPTED"  # nothing moves before start()

    sandbox.start()
    deadline = time.monotonic() + 2
    while client.get(order.id).status != "READY" and time.monotonic() < deadline:
        time.sleep(0.02)
    sandbox.stop()
    client.close()

    assert sandbox.order(order.id)["status"] == "READY"
    assert sandbox.order(cancelled.id)["status"] == "CANCELLED"
    assert not any(thread.name == "factory-schedule" for thread in threading.enumerate())
    payloads = receiver.wait_for(2)
    assert sorted(p["status"] for _, p in payloads) == ["IN_PROGRESS", "READY"]
    assert {p["order_id"] for _, p in payloads} == {order.id}


def test_start_needs_a_schedule(sandbox):
    with pytest.raises(ValueError):
        sandbox.start()


def test_factory_down_is_unavailable(sandbox, factory_down):
    client = client_for(faults.FaultInjector(sandbox.wsgi, "factory"))

    with pytest.raises(FactoryUnavailable, match="503"):
        place(client)

    assert sandbox.orders() == []
    client.close()


def test_factory_timeout_is_unavailable():
    client = client_for(TimesOut())

    with pytest.raises(FactoryUnavailable, match="ReadTimeout"):
        client.get("FO-0000000000")
    client.close()


def test_breaker_opens_after_outages_and_then_fails_fast(sandbox, factory_down):
    transport = Counting(httpx.WSGITransport(app=faults.FaultInjector(sandbox.wsgi, "factory")))
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    client = client_for(transport, breaker=breaker)

    for _ in range(2):
        with pytest.raises(FactoryUnavailable):
            place(client)
    assert breaker.current_state == pybreaker.STATE_OPEN
    faults.set_mode("factory", faults.Mode())  # back up, but the circuit is still open
    with pytest.raises(FactoryUnavailable, match="circuit open"):
        place(client)

    assert transport.calls == 2
    assert sandbox.orders() == []
    client.close()


def test_refusals_never_open_the_breaker(sandbox):
    transport = Counting(httpx.WSGITransport(app=sandbox.wsgi))
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    client = client_for(transport, breaker=breaker)

    for _ in range(3):
        with pytest.raises(FactoryRejected):
            client.get("FO-0000000000")
    place(client)
    with pytest.raises(FactoryRejected):
        place(client, model="Family SUV")

    assert breaker.current_state == pybreaker.STATE_CLOSED and breaker.fail_counter == 0
    assert transport.calls == 5
    client.close()

"""The payment gateway's sandbox and the platform's client for it, end to end over HTTP."""
from __future__ import annotations

import threading
import time
from decimal import Decimal

import httpx
import pybreaker
import pytest
from flask import Flask, request

from caas.crypto import signing

from caas.adapters.http import breakers
from caas.adapters.http.payments import PaymentGateway
from caas.domain.money import Money
from caas.service_layer.gateways import (PaymentDeclined, PaymentOutcomeUnknown, PaymentRejected,
                                        PaymentUnavailable)
from caas.sandboxes import faults
from caas.sandboxes.payment_requests import request_operation
from caas.sandboxes.payments import PaymentsSandbox
from caas.sandboxes.webhooks import WebhookSender
from tests.support.http_doubles import Counting, raw_client, system_down

SECRETS = {"acme": "acme-payments-secret", "globex": "globex-payments-secret"}
BASE_URL = "http://payments.sandbox"


class Receiver:
    """The platform's webhook endpoint, reduced to checking signatures and keeping payloads."""

    def __init__(self):
        self.received: list[dict] = []
        self.app = Flask("receiver")
        self.app.post("/api/v1/webhooks/<tenant>/<system>")(self.receive)

    def receive(self, tenant, system):
        try:
            signing.verify(SECRETS[tenant], request.get_data(), request.headers.get(signing.HEADER))
        except signing.BadSignature:
            return {"error": "bad signature"}, 401
        self.received.append({"tenant": tenant, "system": system, **request.get_json()})
        return "", 204

    def wait_for(self, count: int, timeout: float = 2.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


class TimesOutOnce(httpx.BaseTransport):
    """Raises ReadTimeout on the first request, then passes requests on; keeps their keys."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner, self.keys = inner, []

    def handle_request(self, request):
        self.keys.append(request.headers.get("Idempotency-Key"))
        if len(self.keys) == 1:
            raise httpx.ReadTimeout("gateway too slow", request=request)
        return self.inner.handle_request(request)


@pytest.fixture
def receiver():
    return Receiver()


def make_sandbox(receiver: Receiver, settle_after: float | None = None) -> PaymentsSandbox:
    client = httpx.Client(base_url="http://platform", transport=httpx.WSGITransport(app=receiver.app))
    sender = WebhookSender(client, lambda tenant, system: SECRETS.get(tenant), attempts=2, backoff=0.01)
    return PaymentsSandbox(sender, settle_after=settle_after)


@pytest.fixture
def sandbox(receiver):
    return make_sandbox(receiver)


def gateway(app, merchant="acme", **kwargs) -> PaymentGateway:
    return PaymentGateway(BASE_URL, merchant=merchant, transport=httpx.WSGITransport(app=app), **kwargs)


class CountingTransport(httpx.BaseTransport):
    """Counts the requests the client sends, whether or not they reach the gateway."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner, self.calls = inner, 0

    def handle_request(self, request):
        self.calls += 1
        return self.inner.handle_request(request)


def faulty(sandbox, merchant="acme", **kwargs) -> tuple[PaymentGateway, CountingTransport]:
    """A client reaching the sandbox through the faults ``PUT /sandbox/payments/mode`` drives."""
    transport = CountingTransport(faults.FaultTransport(httpx.WSGITransport(app=sandbox.wsgi),
                                                        "payments", request_operation))
    return PaymentGateway(BASE_URL, merchant=merchant, transport=transport, **kwargs), transport


@pytest.fixture
def acme(sandbox):
    client = gateway(sandbox.wsgi)
    yield client
    client.close()


@pytest.fixture
def raw(sandbox):
    """A bare HTTP client, to see the gateway's answers as they are."""
    with raw_client(BASE_URL, sandbox.wsgi) as client:
        yield client


@pytest.fixture
def payments_down():
    with system_down("payments"):
        yield


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def moves(sandbox, tenant="acme") -> list[tuple]:
    return [(entry["type"], entry["amount"]) for entry in sandbox.ledger(tenant)]


# -- test card tokens --

def test_tok_ok_charge_is_captured_and_pending_settlement(sandbox, acme):
    payment = acme.charge(eur("49"), "tok_ok", idempotency_key="k1", reference="order-1")
    assert payment.id.startswith("pay_")
    assert (payment.status, payment.settlement, payment.reference) == ("captured", "pending", "order-1")
    assert payment.amount == payment.captured == eur("49.00")
    assert payment.refunded == eur("0.00")
    [entry] = sandbox.ledger()
    assert entry["type"] == "charge" and entry["payment_id"] == payment.id
    assert (entry["amount"], entry["currency"], entry["idempotency_key"]) == ("49.00", "EUR", "k1")
    assert (entry["tenant"], entry["reference"], entry["card_token"]) == ("acme", "order-1", "tok_ok")
    assert entry["at"].endswith("+00:00")


def test_amounts_are_rounded_per_currency_before_sending(sandbox, acme):
    payment = acme.charge(eur("10.005"), "tok_ok", idempotency_key="k1", reference="r")
    assert payment.amount == eur("10.01")
    assert moves(sandbox) == [("charge", "10.01")]


def test_tok_decline_is_declined_and_recorded(sandbox, acme):
    with pytest.raises(PaymentDeclined) as declined:
        acme.charge(eur("49.00"), "tok_decline", idempotency_key="k1", reference="order-1")
    assert declined.value.code == "card_declined"
    [entry] = sandbox.ledger()
    assert (entry["type"], entry["amount"], entry["payment_id"]) == ("decline", "49.00", None)


def test_unknown_token_is_an_invalid_card(acme):
    with pytest.raises(PaymentDeclined) as declined:
        acme.charge(eur("49.00"), "tok_stolen", idempotency_key="k1", reference="order-1")
    assert declined.value.code == "invalid_card"


def test_tok_gateway_error_is_unavailable_and_moves_nothing(sandbox, acme):
    with pytest.raises(PaymentUnavailable) as unavailable:
        acme.charge(eur("49.00"), "tok_gateway_error", idempotency_key="k1", reference="order-1")
    assert unavailable.value.code == "gateway_error"
    assert sandbox.ledger() == []


def test_tok_settle_fail_captures_then_fails_settlement(sandbox, acme, receiver):
    payment = acme.charge(eur("49.00"), "tok_settle_fail", idempotency_key="k1", reference="order-1")
    assert payment.status == "captured"
    sandbox.settle(payment.id, "failed")
    [event] = receiver.received
    assert (event["type"], event["payment_id"], event["amount"]) == ("payment.failed", payment.id, "49.00")
    assert acme.get(payment.id).settlement == "failed"
    assert sandbox.ledger()[-1]["type"] == "settlement" and sandbox.ledger()[-1]["outcome"] == "failed"


def test_settle_after_settles_tok_ok_fails_tok_settle_fail_and_waits_for_tok_slow_settle(receiver):
    sandbox = make_sandbox(receiver, settle_after=0.05)
    client = gateway(sandbox.wsgi)
    ok, failing, slow = (client.charge(eur("10.00"), token, idempotency_key=token, reference=token)
                         for token in ("tok_ok", "tok_settle_fail", "tok_slow_settle"))
    events = receiver.wait_for(2)
    assert sorted((event["payment_id"], event["type"]) for event in events) == sorted(
        [(ok.id, "payment.settled"), (failing.id, "payment.failed")])
    time.sleep(0.1)
    assert client.get(slow.id).settlement == "pending" and len(receiver.received) == 2
    sandbox.settle(slow.id, "settled")
    assert receiver.received[-1]["payment_id"] == slow.id
    assert client.get(slow.id).settlement == "settled"


# -- settlement on demand --

def test_settle_sends_a_signed_webhook(sandbox, acme, receiver):
    payment = acme.charge(eur("49.00"), "tok_slow_settle", idempotency_key="k1", reference="order-1")
    settled = sandbox.settle(payment.id, "settled")
    assert settled["settlement"] == "settled"
    [event] = receiver.received  # the receiver only keeps payloads whose signature it verified
    assert event["tenant"] == "acme" and event["system"] == "payments"
    assert event["event_id"].startswith("evt_")
    assert {k: event[k] for k in ("payment_id", "type", "amount", "currency", "reference")} == {
        "payment_id": payment.id, "type": "payment.settled", "amount": "49.00", "currency": "EUR",
        "reference": "order-1"}
    assert sandbox.ledger()[-1] | {"seq": 0, "at": ""} == {
        "seq": 0, "at": "", "tenant": "acme", "type": "settlement", "payment_id": payment.id,
        "amount": "49.00", "currency": "EUR", "idempotency_key": None, "reference": "order-1",
        "card_token": "tok_slow_settle", "outcome": "settled"}


def test_settle_refuses_unknown_uncaptured_and_settled_payments(sandbox, acme):
    with pytest.raises(KeyError):
        sandbox.settle("pay_nope", "settled")
    held = acme.authorize(eur("5.00"), "tok_ok", idempotency_key="k1", reference="r")
    with pytest.raises(ValueError):
        sandbox.settle(held.id, "settled")
    paid = acme.charge(eur("5.00"), "tok_ok", idempotency_key="k2", reference="r")
    sandbox.settle(paid.id, "settled")
    with pytest.raises(ValueError):
        sandbox.settle(paid.id, "failed")
    with pytest.raises(KeyError):
        sandbox.payment("pay_nope")


# -- authorize, capture, void, refund --

def test_authorize_then_partial_capture(sandbox, acme):
    held = acme.authorize(eur("80.00"), "tok_ok", idempotency_key="k1", reference="r")
    assert held.status == "authorized" and held.captured == eur("0.00")
    captured = acme.capture(held.id, idempotency_key="k2", amount=eur("60.00"))
    assert captured.status == "captured" and captured.captured == eur("60.00")
    assert moves(sandbox) == [("authorization", "80.00"), ("capture", "60.00")]
    with pytest.raises(PaymentRejected) as twice:
        acme.capture(held.id, idempotency_key="k3")
    assert (twice.value.status, twice.value.code) == (409, "invalid_state")


def test_capture_over_the_authorized_amount_is_refused(acme):
    held = acme.authorize(eur("80.00"), "tok_ok", idempotency_key="k1", reference="r")
    with pytest.raises(PaymentRejected) as refused:
        acme.capture(held.id, idempotency_key="k2", amount=eur("80.01"))
    assert (refused.value.status, refused.value.code) == (422, "invalid_request")
    assert acme.capture(held.id, idempotency_key="k2").captured == eur("80.00")


def test_void_releases_an_authorization(sandbox, acme):
    held = acme.authorize(eur("30.00"), "tok_ok", idempotency_key="k1", reference="r")
    assert acme.void(held.id, idempotency_key="k2").status == "voided"
    assert moves(sandbox) == [("authorization", "30.00"), ("void", "30.00")]
    with pytest.raises(PaymentRejected) as refused:
        acme.capture(held.id, idempotency_key="k3")
    assert refused.value.code == "invalid_state"


def test_void_after_capture_is_refused(sandbox, acme):
    paid = acme.charge(eur("30.00"), "tok_ok", idempotency_key="k1", reference="r")
    with pytest.raises(PaymentRejected) as refused:
        acme.void(paid.id, idempotency_key="k2")
    assert (refused.value.status, refused.value.code) == (409, "invalid_state")
    assert moves(sandbox) == [("charge", "30.00")]


def test_refunds_partial_then_the_rest_and_webhooks(sandbox, acme, receiver):
    paid = acme.charge(eur("50.00"), "tok_ok", idempotency_key="k1", reference="order-9")
    first = acme.refund(paid.id, idempotency_key="k2", amount=eur("20.00"))
    assert first.id.startswith("re_") and first.payment_id == paid.id
    assert (first.amount, first.status) == (eur("20.00"), "pending")
    assert acme.get(paid.id).status == "partially_refunded"
    rest = acme.refund(paid.id, idempotency_key="k3")
    assert rest.amount == eur("30.00")
    after = acme.get(paid.id)
    assert (after.status, after.refunded) == ("refunded", eur("50.00"))
    refunds = [entry for entry in sandbox.ledger() if entry["type"] == "refund"]
    assert [(entry["refund_id"], entry["amount"]) for entry in refunds] == [
        (first.id, "20.00"), (rest.id, "30.00")]
    events = receiver.wait_for(2)
    assert sorted((e["type"], e["refund_id"], e["amount"]) for e in events) == sorted(
        [("refund.settled", first.id, "20.00"), ("refund.settled", rest.id, "30.00")])
    assert {e["payment_id"] for e in events} == {paid.id}
    assert all(r["status"] == "settled" for r in sandbox.payment(paid.id)["refunds"])


def test_refund_over_the_captured_amount_is_refused(sandbox, acme):
    paid = acme.charge(eur("50.00"), "tok_ok", idempotency_key="k1", reference="r")
    acme.refund(paid.id, idempotency_key="k2", amount=eur("40.00"))
    with pytest.raises(PaymentRejected) as refused:
        acme.refund(paid.id, idempotency_key="k3", amount=eur("10.01"))
    assert (refused.value.status, refused.value.code) == (422, "invalid_request")
    assert moves(sandbox) == [("charge", "50.00"), ("refund", "40.00")]


def test_only_captured_payments_are_refundable(acme):
    held = acme.authorize(eur("50.00"), "tok_ok", idempotency_key="k1", reference="r")
    with pytest.raises(PaymentRejected) as refused:
        acme.refund(held.id, idempotency_key="k2")
    assert (refused.value.status, refused.value.code) == (409, "invalid_state")


# -- idempotency and merchants --

def test_replay_returns_the_first_answer_without_moving_money_again(sandbox, acme):
    first = acme.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="order-1")
    again = acme.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="order-1")
    assert again == first
    with pytest.raises(PaymentDeclined):
        acme.charge(eur("49.00"), "tok_decline", idempotency_key="k2", reference="order-1")
    with pytest.raises(PaymentDeclined):
        acme.charge(eur("49.00"), "tok_decline", idempotency_key="k2", reference="order-1")
    assert moves(sandbox) == [("charge", "49.00"), ("decline", "49.00")]


def test_replay_is_byte_for_byte(raw):
    headers = {"X-Merchant": "acme", "Idempotency-Key": "k1"}
    body = {"amount": "49.00", "currency": "EUR", "card_token": "tok_ok", "reference": "r"}
    first = raw.post("/v1/payments", json=body, headers=headers)
    again = raw.post("/v1/payments", json=dict(reversed(body.items())), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content


def test_reusing_a_key_for_another_request_is_a_conflict(sandbox, acme):
    acme.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="order-1")
    with pytest.raises(PaymentRejected) as conflict:
        acme.charge(eur("50.00"), "tok_ok", idempotency_key="k1", reference="order-1")
    assert (conflict.value.status, conflict.value.code) == (409, "idempotency_conflict")
    assert len(sandbox.ledger()) == 1


def test_a_merchant_sees_only_its_own_payments(sandbox, acme):
    paid = acme.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    globex = gateway(sandbox.wsgi, merchant="globex")
    for attempt in (lambda: globex.get(paid.id), lambda: globex.refund(paid.id, idempotency_key="k9")):
        with pytest.raises(PaymentRejected) as hidden:
            attempt()
        assert (hidden.value.status, hidden.value.code) == (404, "not_found")
    # Keys are per merchant: the same key is a new payment for another merchant.
    assert globex.charge(eur("5.00"), "tok_ok", idempotency_key="k1", reference="r").id != paid.id
    assert moves(sandbox, "globex") == [("charge", "5.00")]
    assert moves(sandbox, "acme") == [("charge", "49.00")]


def test_requests_need_a_merchant_and_money_moving_ones_a_key(raw):
    body = {"amount": "49.00", "currency": "EUR", "card_token": "tok_ok", "reference": "r"}
    no_merchant = raw.post("/v1/payments", json=body, headers={"Idempotency-Key": "k1"})
    no_key = raw.post("/v1/payments", json=body, headers={"X-Merchant": "acme"})
    assert (no_merchant.status_code, no_key.status_code) == (400, 400)
    assert raw.get("/v1/payments/pay_nope").status_code == 400
    unknown = raw.get("/v1/payments/pay_nope", headers={"X-Merchant": "acme"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize(("changes", "fields"), [
    ({"amount": "0.00"}, {"amount"}),
    ({"amount": "49.001"}, {"amount"}),
    ({"amount": 49}, {"amount"}),
    ({"amount": "1e3"}, {"amount"}),
    ({"currency": "eur"}, {"currency"}),
    ({"amount": "49.5", "currency": "JPY", "card_token": "", "capture": "yes"},
     {"amount", "card_token", "capture"}),
])
def test_invalid_payment_requests_name_their_fields(raw, sandbox, changes, fields):
    body = {"amount": "49.00", "currency": "EUR", "card_token": "tok_ok", "reference": "r", **changes}
    answer = raw.post("/v1/payments", json=body, headers={"X-Merchant": "acme", "Idempotency-Key": "k1"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"
    assert set(answer.json()["error"]["fields"]) == fields
    assert sandbox.ledger() == []


# -- outages, retries and the circuit breaker --

def test_gateway_down_is_unavailable(sandbox, payments_down):
    client, sent = faulty(sandbox)
    with pytest.raises(PaymentUnavailable, match="unreachable"):
        client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    assert sent.calls == 2  # tried again with the same key, then known not to have acted
    assert sandbox.ledger() == []


def test_a_5xx_with_no_lookup_is_an_unknown_outcome_never_a_failure(sandbox, payments_down):
    # A gateway answering 503 to everything may have acted on the charge: nobody can tell.
    client = gateway(faults.FaultInjector(sandbox.wsgi, "payments"))
    with pytest.raises(PaymentOutcomeUnknown, match="lookup failed"):
        client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")


def test_breaker_opens_after_outages_then_fails_fast(sandbox, payments_down):
    client, sent = faulty(sandbox, breaker=pybreaker.CircuitBreaker(fail_max=3, reset_timeout=60))
    for attempt in range(3):
        with pytest.raises(PaymentUnavailable):
            client.charge(eur("49.00"), "tok_ok", idempotency_key=f"k{attempt}", reference="r")
    assert sent.calls == 6
    faults.set_mode("payments", faults.Mode())  # back up, but the circuit stays open a while
    with pytest.raises(PaymentUnavailable, match="circuit open"):
        client.charge(eur("49.00"), "tok_ok", idempotency_key="k9", reference="r")
    assert sent.calls == 6
    assert sandbox.ledger() == []


def test_the_call_that_trips_the_breaker_reports_its_own_unknown_outcome(sandbox):
    faults.set_mode("payments", faults.Mode("timeout"))
    client, _ = faulty(sandbox, breaker=pybreaker.CircuitBreaker(fail_max=1, reset_timeout=60))
    with pytest.raises(PaymentOutcomeUnknown):  # never "circuit open": it was sent
        client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    assert moves(sandbox) == [("charge", "49.00")]


# -- answers lost after the gateway acted: the key tells what happened --

@pytest.mark.parametrize("mode", ["charge_then_timeout", "charge_then_502", "reset_after_send"])
def test_a_lost_answer_is_recovered_by_the_same_key_never_a_second_charge(sandbox, mode):
    faults.set_mode("payments", faults.Mode(mode))
    client, sent = faulty(sandbox)
    payment = client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    assert payment.status == "captured" and payment.captured == eur("49.00")
    assert moves(sandbox) == [("charge", "49.00")]
    assert sent.calls == 3  # the charge, its retry with the same key, the lookup of the key


def test_an_answer_lost_with_its_lookup_is_an_unknown_outcome(sandbox):
    faults.set_mode("payments", faults.Mode("charge_then_timeout",
                                            operations=["charge", "lookup"]))
    client, _ = faulty(sandbox)
    with pytest.raises(PaymentOutcomeUnknown, match="lookup failed"):
        client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    faults.set_mode("payments", faults.Mode())
    found = client.lookup("k1")
    assert found.operation == "charge" and found.succeeded
    assert found.result(lambda body: body["captured_amount"]) == "49.00"
    assert moves(sandbox) == [("charge", "49.00")]


def test_the_lookup_knows_declines_and_nothing_of_keys_never_acted_on(sandbox, acme):
    assert acme.lookup("never-sent") is None
    with pytest.raises(PaymentDeclined):
        acme.charge(eur("49.00"), "tok_decline", idempotency_key="k1", reference="r")
    declined = acme.lookup("k1")
    assert (declined.operation, declined.status, declined.succeeded) == ("charge", 402, False)
    with pytest.raises(PaymentDeclined):
        declined.result(lambda body: body)
    with pytest.raises(PaymentUnavailable):  # the gateway's error: it did not act
        acme.charge(eur("49.00"), "tok_gateway_error", idempotency_key="k2", reference="r")
    assert acme.lookup("k2") is None


def test_a_mode_aimed_at_one_operation_wears_off_after_its_times(sandbox):
    faults.set_mode("payments", faults.Mode("decline", operations=["capture"], times=1))
    client, _ = faulty(sandbox)
    held = client.authorize(eur("20.00"), "tok_ok", idempotency_key="a1", reference="r")
    with pytest.raises(PaymentDeclined):
        client.capture(held.id, idempotency_key="c1")
    # Refused before acting: the same key may try again, and now it captures.
    assert client.capture(held.id, idempotency_key="c1").captured == eur("20.00")
    assert moves(sandbox) == [("authorization", "20.00"), ("capture", "20.00")]


def test_webhook_before_answer_settles_before_the_charge_returns(sandbox, receiver):
    faults.set_mode("payments", faults.Mode("webhook_before_answer"))
    client, _ = faulty(sandbox)
    received_before = []
    original = sandbox.settle

    def settle(*args, **kwargs):
        answer = original(*args, **kwargs)
        received_before.extend(receiver.received)
        return answer
    sandbox.settle = settle
    payment = client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    [event] = received_before
    assert (event["type"], event["payment_id"], event["idempotency_key"]) == (
        "payment.settled", payment.id, "k1")


def test_duplicate_webhooks_sends_each_event_twice(sandbox, receiver):
    faults.set_mode("payments", faults.Mode("duplicate_webhooks"))
    client, _ = faulty(sandbox)
    payment = client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    sandbox.settle(payment.id, "settled")
    first, second = receiver.received
    assert first == second and first["type"] == "payment.settled"


def test_declines_and_refusals_never_open_the_breaker(sandbox):
    counted = Counting(sandbox.wsgi)
    cb = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    client = gateway(counted, breaker=cb)
    for attempt in range(4):
        with pytest.raises(PaymentDeclined):
            client.charge(eur("1.00"), "tok_decline", idempotency_key=f"d{attempt}", reference="r")
        with pytest.raises(PaymentRejected):
            client.void("pay_nope", idempotency_key=f"v{attempt}")
    assert cb.current_state == pybreaker.STATE_CLOSED and cb.fail_counter == 0
    assert client.charge(eur("1.00"), "tok_ok", idempotency_key="ok", reference="r").status == "captured"
    assert counted.calls == 9


def test_a_timeout_is_retried_once_with_the_same_key(sandbox):
    flaky = TimesOutOnce(httpx.WSGITransport(app=sandbox.wsgi))
    client = PaymentGateway(BASE_URL, merchant="acme", transport=flaky)
    payment = client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    assert flaky.keys == ["k1", "k1"]
    assert payment.status == "captured" and moves(sandbox) == [("charge", "49.00")]


def test_two_timeouts_are_unavailable(sandbox):
    class AlwaysTimesOut(httpx.BaseTransport):
        calls = 0

        def handle_request(self, request):
            self.calls += 1
            raise httpx.ConnectTimeout("no route", request=request)

    transport = AlwaysTimesOut()
    client = PaymentGateway(BASE_URL, merchant="acme", transport=transport)
    with pytest.raises(PaymentUnavailable, match="timed out"):
        client.charge(eur("49.00"), "tok_ok", idempotency_key="k1", reference="r")
    assert transport.calls == 2


def test_calls_through_a_shared_breaker_do_not_wait_for_each_other():
    # pybreaker's own call() would hold the breaker's lock throughout and the barrier would time out.
    cb = pybreaker.CircuitBreaker()
    barrier = threading.Barrier(2, timeout=1)
    results = []
    threads = [threading.Thread(target=lambda: results.append(breakers.call(cb, barrier.wait)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]

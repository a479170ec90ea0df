"""The card payment gateway's sandbox: payments, captures, voids, refunds and settlement over HTTP.

It behaves like a provider's test mode. The test card token picks the outcome
(``tok_ok``, ``tok_decline``, ``tok_gateway_error``, ``tok_settle_fail``,
``tok_slow_settle``); every money-moving POST is idempotent per merchant; each
movement lands in a ledger the tests and the demo can read; and settlement
reaches the platform as a signed webhook, on demand (:meth:`PaymentsSandbox.settle`)
or ``settle_after`` seconds after capture.

Routes (``X-Merchant: <tenant>`` on every one; ``Idempotency-Key`` on the POSTs)::

    POST /v1/payments                    {amount, currency, card_token, reference, capture?, description?}
    POST /v1/payments/<id>/capture       {amount?}   authorized -> captured
    POST /v1/payments/<id>/void                      authorized -> voided
    POST /v1/payments/<id>/refunds       {amount?}   captured -> (partially_)refunded
    GET  /v1/payments/<id>
    GET  /v1/payments?reference=<reference>  the merchant's payments with that reference
    GET  /v1/idempotency-keys/<key>      what the gateway did with a key: how a client whose
                                         answer was lost learns the outcome

Besides the faults every sandbox has, ``PUT /sandbox/payments/mode`` takes the gateway's own
(:data:`~caas.sandboxes.faults.PAYMENT_MODES`): ``decline`` refuses the targeted operation
with 402 without acting (for a charge or an authorization, a card decline kept under its
key; for a capture, void or refund a refusal that the same key may retry),
``webhook_before_answer`` settles a charge, capture or refund and delivers its webhook before
answering, and ``duplicate_webhooks`` sends every webhook twice.

What it keeps is in :mod:`caas.sandboxes.payment_records`, how it reads a request in
:mod:`caas.sandboxes.payment_requests`.
"""
from __future__ import annotations

import functools
import itertools
import json
import threading
import uuid
from decimal import Decimal
from typing import Callable

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from caas.sandboxes import faults
from caas.sandboxes.payment_records import (CARDS, CHARGE_DECLINED, DECLINED, GATEWAY_ERROR,
                                            REFUNDABLE, PaymentRecord, Refusal, StoredReply,
                                            new_payment, now_text)
from caas.sandboxes.payment_requests import (error_answer, operation_of, request_body,
                                             request_fingerprint, requesting_merchant)
from caas.sandboxes.webhooks import WebhookSender

SYSTEM = "payments"


class PaymentsSandbox:
    """An in-memory card payment gateway speaking the gateway's HTTP API (:attr:`wsgi`).

    :param sender: calls the platform's payments webhook; ``None`` sends nothing.
    :param settle_after: seconds after capture at which ``tok_ok`` payments settle and
        ``tok_settle_fail`` ones fail to, and after which refunds settle; ``None`` leaves
        payments pending until :meth:`settle` (refunds then settle at once).
    """

    def __init__(self, sender: WebhookSender | None = None, settle_after: float | None = None):
        self.sender = sender
        self.settle_after = settle_after
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._ledger: list[dict] = []
        self._payments: dict[str, PaymentRecord] = {}
        self._replies: dict[tuple[str, str], StoredReply] = {}
        self.wsgi = self._app()

    # -- what the tests and the sandbox control routes use --

    def ledger(self, tenant: str | None = None) -> list[dict]:
        """Every movement, oldest first; only ``tenant``'s when given."""
        with self._lock:
            return [dict(entry) for entry in self._ledger if tenant in (None, entry["tenant"])]

    def payment(self, payment_id: str) -> dict:
        with self._lock:
            return self._payments[payment_id].to_dict()

    def by_key(self, merchant: str, key: str) -> dict | None:
        """What the gateway did with ``merchant``'s ``key``: the operation and the answer it
        kept, or ``None`` when it never acted on that key."""
        with self._lock:
            stored = self._replies.get((merchant, key))
            return stored.to_dict(key) if stored else None

    def settle(self, payment_id: str, outcome: str, wait: bool = True) -> dict:
        """Settle a captured payment as ``"settled"`` or ``"failed"`` and tell the platform.

        :param wait: deliver the webhook before returning (else in the background, with retries).
        :raises KeyError: unknown payment.
        :raises ValueError: bad outcome, nothing captured, or already settled.
        """
        if outcome not in ("settled", "failed"):
            raise ValueError(f"outcome must be settled or failed, not {outcome!r}")
        with self._lock:
            payment = self._payments[payment_id]
            if not payment.captured or payment.settlement != "pending":
                raise ValueError(f"payment {payment_id} is {payment.status}, settlement "
                                 f"{payment.settlement}: nothing to settle")
            payment.settlement = outcome
            amount = payment.captured
            self._record("settlement", payment, amount, outcome=outcome)
            answer = payment.to_dict()
        self._notify(payment, f"payment.{outcome}", amount, wait=wait)
        return answer

    # -- the HTTP API --

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.register_error_handler(Refusal, lambda exc: Response(
            json.dumps(exc.body()), exc.status, mimetype="application/json"))
        app.register_error_handler(HTTPException, error_answer)
        for rule, action in (("/v1/payments", self._create),
                             ("/v1/payments/<payment_id>/capture", self._capture),
                             ("/v1/payments/<payment_id>/void", self._void),
                             ("/v1/payments/<payment_id>/refunds", self._refund)):
            app.add_url_rule(rule, action.__name__, self._idempotent(action), methods=["POST"])
        app.add_url_rule("/v1/payments/<payment_id>", "show", self._show, methods=["GET"])
        app.add_url_rule("/v1/payments", "search", self._search, methods=["GET"])
        app.add_url_rule("/v1/idempotency-keys/<path:key>", "by_key", self._by_key,
                         methods=["GET"])
        return app

    def _idempotent(self, action: Callable[..., tuple[int, dict]]) -> Callable[..., Response]:
        """A money-moving route: it needs an Idempotency-Key, and a reused key replays or conflicts."""

        @functools.wraps(action)
        def view(**params) -> Response:
            merchant = requesting_merchant()
            key = request.headers.get("Idempotency-Key")
            if not key:
                raise Refusal(400, "invalid_request", "the Idempotency-Key header is required")
            fingerprint = request_fingerprint()
            operation = operation_of(request.method, request.path, request.get_data())
            mode = faults.mode_of(SYSTEM)
            # One lock around check, action and store: a key sent twice at once still acts once.
            with self._lock:
                stored = self._replies.get((merchant, key))
                if stored is not None:
                    if stored.fingerprint != fingerprint:
                        raise Refusal(409, "idempotency_conflict",
                                      "this Idempotency-Key was used for a different request")
                    return stored.response()
                try:
                    if mode.mode == "decline" and mode.targets(operation):
                        self._decline(merchant, key, operation, request_body())
                    status, body = action(merchant, key, request_body(), **params)
                except Refusal as refusal:
                    status, body = refusal.status, refusal.body()
                reply = StoredReply(fingerprint, status, json.dumps(body), operation)
                # Only what the gateway acted on (a success, a card decline) is kept: a request
                # refused before acting, or lost to a gateway error, may be retried with the key.
                if status < 300 or (status == 402 and operation in ("charge", "authorize")):
                    self._replies[(merchant, key)] = reply
            if status < 300 and mode.mode == "webhook_before_answer" and mode.targets(operation):
                self._settle_at_once(operation, body)
            return reply.response()

        return view

    def _by_key(self, key: str) -> Response:
        found = self.by_key(requesting_merchant(), key)
        if found is None:
            raise Refusal(404, "not_found", "the gateway never acted on this key")
        return Response(json.dumps(found), 200, mimetype="application/json")

    def _decline(self, merchant: str, key: str, operation: str, body: dict) -> None:
        """``decline`` mode: refuse the operation without acting (the caller holds the lock)."""
        if operation in ("charge", "authorize"):
            amount, currency = new_payment(body)
            refused = PaymentRecord(id="", tenant=merchant, amount=amount, currency=currency,
                               card_token=body["card_token"], reference=body["reference"],
                               description=body.get("description", ""), status="declined")
            self._record("decline", refused, amount, key, payment_id=None)
        raise Refusal(402, "card_declined", f"the {operation} was declined")

    def _settle_at_once(self, operation: str, body: dict) -> None:
        """``webhook_before_answer`` mode: settle what was just taken or refunded, and tell the
        platform, before the caller gets its answer."""
        if operation in ("charge", "capture"):
            with self._lock:
                payment = self._payments[body["id"]]
            try:
                self.settle(payment.id, CARDS.get(payment.card_token) or "settled", wait=True)
            except ValueError:
                pass  # settled already
        elif operation == "refund":
            with self._lock:
                payment = self._payments[body["payment_id"]]
                refund = next(item for item in payment.refunds if item["id"] == body["id"])
            self._settle_refund(payment, refund, wait=True)

    def _show(self, payment_id: str) -> Response:
        merchant = requesting_merchant()
        with self._lock:
            body = self._find(merchant, payment_id).to_dict()
        return Response(json.dumps(body), 200, mimetype="application/json")

    def _search(self) -> Response:
        merchant = requesting_merchant()
        reference = request.args.get("reference")
        if not reference:
            raise Refusal(400, "invalid_request", "the reference parameter is required")
        with self._lock:
            found = [payment.to_dict() for payment in self._payments.values()
                     if payment.tenant == merchant and payment.reference == reference]
        return Response(json.dumps({"data": found}), 200, mimetype="application/json")

    def _create(self, merchant: str, key: str, body: dict) -> tuple[int, dict]:
        amount, currency = new_payment(body)
        token = body["card_token"]
        if token == GATEWAY_ERROR:
            raise Refusal(502, "gateway_error", "the card network did not answer")
        payment = PaymentRecord(id=f"pay_{uuid.uuid4().hex}", tenant=merchant, amount=amount,
                           currency=currency, card_token=token, reference=body["reference"],
                           description=body.get("description", ""), status="authorized", key=key)
        if token not in CARDS or (token == CHARGE_DECLINED and body.get("capture", True)):
            self._record("decline", payment, amount, key, payment_id=None)
            if token in (DECLINED, CHARGE_DECLINED):
                raise Refusal(402, "card_declined", "the card was declined")
            raise Refusal(402, "invalid_card", "the card token is not valid")
        self._payments[payment.id] = payment
        if body.get("capture", True):
            self._take(payment, amount)
            self._record("charge", payment, amount, key)
        else:
            self._record("authorization", payment, amount, key)
        return 201, payment.to_dict()

    def _capture(self, merchant: str, key: str, body: dict, payment_id: str) -> tuple[int, dict]:
        payment = self._find(merchant, payment_id)
        payment.require(("authorized",), "captured")
        amount = payment.requested(body, default=payment.amount)
        payment.key = key
        self._take(payment, amount)
        self._record("capture", payment, amount, key)
        return 200, payment.to_dict()

    def _void(self, merchant: str, key: str, body: dict, payment_id: str) -> tuple[int, dict]:
        payment = self._find(merchant, payment_id)
        payment.require(("authorized",), "voided")
        payment.status = "voided"
        self._record("void", payment, payment.amount, key)
        return 200, payment.to_dict()

    def _refund(self, merchant: str, key: str, body: dict, payment_id: str) -> tuple[int, dict]:
        payment = self._find(merchant, payment_id)
        payment.require(REFUNDABLE, "refunded")
        if payment.settlement == "failed":
            raise Refusal(409, "invalid_state", "the payment's settlement failed: nothing to refund")
        amount = payment.requested(body, default=payment.captured - payment.refunded)
        refund = {"id": f"re_{uuid.uuid4().hex}", "payment_id": payment.id,
                  "amount": payment.text(amount), "currency": payment.currency, "status": "pending",
                  "key": key}
        payment.refunds.append(refund)
        payment.refunded += amount
        payment.status = "refunded" if payment.refunded == payment.captured else "partially_refunded"
        self._record("refund", payment, amount, key, refund_id=refund["id"])
        self._later(self.settle_after or 0, self._settle_refund, payment, refund)
        return 201, dict(refund)

    # -- state changes; the caller holds the lock --

    def _find(self, merchant: str, payment_id: str) -> PaymentRecord:
        payment = self._payments.get(payment_id)
        # Another merchant's payment does not exist as far as this one can tell.
        if payment is None or payment.tenant != merchant:
            raise Refusal(404, "not_found", f"no payment {payment_id}")
        return payment

    def _take(self, payment: PaymentRecord, amount: Decimal) -> None:
        payment.captured = amount
        payment.status = "captured"
        outcome = CARDS[payment.card_token]
        if self.settle_after is not None and outcome:
            self._later(self.settle_after, self._settle_by_itself, payment.id, outcome)

    def _record(self, type_: str, payment: PaymentRecord, amount: Decimal, key: str | None = None,
                **extra) -> None:
        entry = {"seq": next(self._seq), "at": now_text(), "type": type_, **payment.about(),
                 "amount": payment.text(amount), "idempotency_key": key, **extra}
        self._ledger.append(entry)

    # -- settling later, in timer threads --

    @staticmethod
    def _later(delay: float, func: Callable, *args) -> None:
        timer = threading.Timer(delay, func, args)
        timer.daemon = True
        timer.start()

    def _settle_by_itself(self, payment_id: str, outcome: str) -> None:
        try:
            self.settle(payment_id, outcome, wait=False)
        except ValueError:
            pass  # settled by hand in the meantime

    def _settle_refund(self, payment: PaymentRecord, refund: dict, wait: bool = False) -> None:
        with self._lock:
            if refund["status"] == "settled":
                return
            refund["status"] = "settled"
        self._notify(payment, "refund.settled", Decimal(refund["amount"]), wait=wait,
                     refund_id=refund["id"], idempotency_key=refund["key"])

    def _notify(self, payment: PaymentRecord, event: str, amount: Decimal, *, wait: bool, **extra) -> None:
        """Tell the platform; the event names the key of the request it follows from (as
        providers do), so that news of a payment the platform never heard of can be matched."""
        if self.sender is None:
            return
        payload = {"event_id": WebhookSender.event_id(), "payment_id": payment.id, "type": event,
                   "idempotency_key": payment.key, **extra, "amount": payment.text(amount),
                   "currency": payment.currency, "reference": payment.reference}
        copies = 2 if faults.mode_of(SYSTEM).mode == "duplicate_webhooks" else 1
        for _ in range(copies):
            self.sender.send(payment.tenant, SYSTEM, payload, wait=wait)

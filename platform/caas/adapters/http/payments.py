"""Client of the card payment gateway over httpx.

Every money-moving call carries an ``Idempotency-Key``, which is what makes a
retry safe: a call without a usable answer is sent once more with the same key,
and if that answer is lost too, the gateway is asked what it did with the key.
What comes out is one of the four outcomes the port describes
(:mod:`caas.service_layer.gateways.payments`): an answer or a refusal,
:class:`PaymentUnavailable`, or :class:`PaymentOutcomeUnknown`.

Outages, and only outages, feed the circuit breaker; a declined card or a refused
request says the gateway is up.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar
from urllib.parse import quote

import httpx
import pybreaker
import tenacity

from caas.adapters.http.client import (ANSWERED, LOST, NOT_SENT, GatewayClient, NoAnswer, error_of,
                                       json_body)
from caas.domain.money import Money
from caas.service_layer.gateways.payments import (KeyOutcome, Payment, PaymentError,
                                                  PaymentOutcomeUnknown, PaymentRejected,
                                                  PaymentUnavailable, Refund, payment_refusal)

T = TypeVar("T")


def _money(amount: Money | None) -> dict:
    return {} if amount is None else amount.rounded().to_dict()


def _keyed(idempotency_key: str, body: dict) -> dict[str, Any]:
    return {"json": body, "headers": {"Idempotency-Key": idempotency_key}}


class PaymentGateway(GatewayClient):
    """The gateway's API for one merchant (a tenant).

    :param merchant: the merchant account, sent as ``X-Merchant``; the other parameters are
        :class:`~caas.adapters.http.client.GatewayClient`'s. Share one breaker per system
        and process (``ExternalSystems`` keeps them).
    """

    name = "payment gateway"
    outage_statuses = (429,)

    def __init__(self, base_url: str, *, merchant: str, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None):
        super().__init__(base_url, transport=transport, timeout=timeout, breaker=breaker,
                         headers={"X-Merchant": merchant})

    def charge(self, amount: Money, card_token: str, *, idempotency_key: str, reference: str,
               description: str = "") -> Payment:
        """Authorize and capture at once."""
        return self._create(amount, card_token, idempotency_key, reference, description, capture=True)

    def authorize(self, amount: Money, card_token: str, *, idempotency_key: str, reference: str,
                  description: str = "") -> Payment:
        """Hold ``amount`` on the card, to :meth:`capture` or :meth:`void` later."""
        return self._create(amount, card_token, idempotency_key, reference, description, capture=False)

    def capture(self, payment_id: str, *, idempotency_key: str, amount: Money | None = None) -> Payment:
        """Capture an authorization, all of it unless ``amount`` says less."""
        return self._call(Payment.from_json, "POST", f"/v1/payments/{payment_id}/capture",
                          **_keyed(idempotency_key, _money(amount)))

    def void(self, payment_id: str, *, idempotency_key: str) -> Payment:
        """Release an authorization that was not captured."""
        return self._call(Payment.from_json, "POST", f"/v1/payments/{payment_id}/void",
                          **_keyed(idempotency_key, {}))

    def refund(self, payment_id: str, *, idempotency_key: str, amount: Money | None = None) -> Refund:
        """Refund a captured payment, whatever is left of it unless ``amount`` says less."""
        return self._call(Refund.from_json, "POST", f"/v1/payments/{payment_id}/refunds",
                          **_keyed(idempotency_key, _money(amount)))

    def get(self, payment_id: str) -> Payment:
        return self._call(Payment.from_json, "GET", f"/v1/payments/{payment_id}")

    def lookup(self, idempotency_key: str) -> KeyOutcome | None:
        """What the gateway did with ``idempotency_key``; ``None`` when it never acted on it.

        :raises PaymentUnavailable: the gateway could not be asked.
        """
        try:
            return self._call(lambda data: KeyOutcome(data["operation"], int(data["status"]),
                                                      data["response"]),
                              "GET", f"/v1/idempotency-keys/{quote(idempotency_key, safe='')}")
        except PaymentRejected as exc:
            if exc.status == 404:
                return None
            raise

    def _create(self, amount: Money, card_token: str, key: str, reference: str, description: str,
                *, capture: bool) -> Payment:
        body = {**_money(amount), "card_token": card_token, "capture": capture,
                "reference": reference, "description": description}
        return self._call(Payment.from_json, "POST", "/v1/payments", **_keyed(key, body))

    def _call(self, parse: Callable[[dict], T], method: str, path: str, **kwargs) -> T:
        """The base's call, and when no try got an answer, what the key tells."""
        key = kwargs.get("headers", {}).get("Idempotency-Key")
        try:
            return super()._call(parse, method, path, **kwargs)
        except NoAnswer as lost:
            if key is None or not lost.reached:
                raise PaymentUnavailable(str(lost), _code(lost)) from None
            return self._settle_by_lookup(parse, key, lost)

    def _settle_by_lookup(self, parse: Callable[[dict], T], key: str, lost: NoAnswer) -> T:
        """The request may have reached the gateway: ask it what it did with the key."""
        try:
            outcome = self.lookup(key)
        except PaymentError as exc:
            raise PaymentOutcomeUnknown(f"{lost}; the lookup failed too: {exc}", _code(lost)) from None
        if outcome is not None:
            return outcome.result(parse)
        if lost.reached == ANSWERED:
            # It answered (5xx) and keeps nothing under the key: it did not act.
            raise PaymentUnavailable(f"{lost}; the gateway did not act on the request", _code(lost),
                                     confirmed=True)
        # Lost on the way: it may not have begun yet. Only a later lookup can tell.
        raise PaymentOutcomeUnknown(f"{lost}; not (yet) known to the gateway", _code(lost))

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """The gateway's answer, tried twice with the same request; :class:`NoAnswer` when
        neither try gave one (raised inside the breaker, so that outages count), saying the
        furthest either try got: a request lost once may be acting at the gateway."""
        reached = NOT_SENT
        for attempt in tenacity.Retrying(stop=tenacity.stop_after_attempt(2), reraise=True,
                                         retry=tenacity.retry_if_exception_type(NoAnswer)):
            with attempt:
                try:
                    return self._exchange(method, path, **kwargs)
                except NoAnswer as lost:
                    reached = LOST if LOST in (reached, lost.reached) else reached or lost.reached
                    lost.reached = reached
                    raise
        raise AssertionError("unreachable")

    def _unavailable(self, message: str, response: httpx.Response | None = None) -> Exception:
        return PaymentUnavailable(message, error_of(response).get("code"))

    def _refusal(self, response: httpx.Response) -> Exception:
        return payment_refusal(response.status_code, json_body(response))

    def _unreadable(self, exc: Exception) -> Exception:
        return PaymentError(f"unreadable payment gateway answer: {exc}")


def _code(lost: NoAnswer) -> str | None:
    return error_of(lost.response).get("code")

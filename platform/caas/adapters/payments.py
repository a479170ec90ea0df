"""Client of the card payment gateway over httpx.

Every money-moving call carries an ``Idempotency-Key``, which is what makes a
retry safe: a timeout or transport error is retried once with the same key, and
then the gateway counts as unavailable. Outages, and only outages, feed the
circuit breaker; a declined card or a refused request says the gateway is up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import httpx
import pybreaker
import tenacity

from caas.adapters import breakers
from caas.domain.money import Money

T = TypeVar("T")


class PaymentError(Exception):
    """A payment operation did not happen; ``code`` is the gateway's error code, if it gave one."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class PaymentDeclined(PaymentError):
    """The card was refused (``card_declined``, ``invalid_card``); retrying will not help."""


class PaymentUnavailable(PaymentError):
    """The gateway is down, overloaded, timed out, unreachable, or its circuit is open.

    Nothing is known to have happened: refuse the payment now, and retry later with the same key.
    """


class PaymentRejected(PaymentError):
    """The gateway refused the request itself (invalid, wrong state, idempotency conflict...)."""

    def __init__(self, message: str, code: str | None = None, status: int | None = None):
        super().__init__(message, code)
        self.status = status


@dataclass(frozen=True)
class Payment:
    id: str
    status: str
    amount: Money
    captured: Money
    refunded: Money
    settlement: str
    reference: str

    @classmethod
    def from_json(cls, data: dict) -> "Payment":
        currency = data["currency"]
        return cls(id=data["id"], status=data["status"], amount=Money(data["amount"], currency),
                   captured=Money(data["captured_amount"], currency),
                   refunded=Money(data["refunded_amount"], currency),
                   settlement=data["settlement"], reference=data["reference"])


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount: Money
    status: str

    @classmethod
    def from_json(cls, data: dict) -> "Refund":
        return cls(id=data["id"], payment_id=data["payment_id"],
                   amount=Money(data["amount"], data["currency"]), status=data["status"])


def _money(amount: Money | None) -> dict:
    return {} if amount is None else amount.rounded().to_dict()


@tenacity.retry(stop=tenacity.stop_after_attempt(2), reraise=True,
                retry=tenacity.retry_if_exception_type(httpx.TransportError))
def _send_retrying(http: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response:
    # Safe to repeat: the request is identical, Idempotency-Key included.
    return http.request(method, path, **kwargs)


class PaymentGateway:
    """The gateway's API for one merchant (a tenant).

    :param base_url: the gateway's API root.
    :param merchant: the merchant account, sent as ``X-Merchant``.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request.
    :param breaker: counts outages and, once open, refuses calls without trying the gateway;
        share one per system and process (``ExternalSystems`` keeps them). ``None``: none.
    """

    def __init__(self, base_url: str, *, merchant: str, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None):
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout,
                                  headers={"X-Merchant": merchant})
        self._breaker = breaker

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
                          idempotency_key, _money(amount))

    def void(self, payment_id: str, *, idempotency_key: str) -> Payment:
        """Release an authorization that was not captured."""
        return self._call(Payment.from_json, "POST", f"/v1/payments/{payment_id}/void",
                          idempotency_key, {})

    def refund(self, payment_id: str, *, idempotency_key: str, amount: Money | None = None) -> Refund:
        """Refund a captured payment, whatever is left of it unless ``amount`` says less."""
        return self._call(Refund.from_json, "POST", f"/v1/payments/{payment_id}/refunds",
                          idempotency_key, _money(amount))

    def get(self, payment_id: str) -> Payment:
        return self._call(Payment.from_json, "GET", f"/v1/payments/{payment_id}")

    def find(self, reference: str) -> list[Payment]:
        """The merchant's payments made with ``reference``: how an unanswered charge is
        looked up before anything is sent again."""
        return self._call(lambda data: [Payment.from_json(item) for item in data["data"]],
                          "GET", "/v1/payments", params={"reference": reference})

    def close(self) -> None:
        self._http.close()

    def _create(self, amount: Money, card_token: str, key: str, reference: str, description: str,
                *, capture: bool) -> Payment:
        body = {**_money(amount), "card_token": card_token, "capture": capture,
                "reference": reference, "description": description}
        return self._call(Payment.from_json, "POST", "/v1/payments", key, body)

    def _call(self, parse: Callable[[dict], T], method: str, path: str,
              idempotency_key: str | None = None, body: dict | None = None,
              params: dict | None = None) -> T:
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        if params:
            kwargs["params"] = params
        if idempotency_key is not None:
            kwargs["headers"] = {"Idempotency-Key": idempotency_key}
        response = breakers.guarded(self._breaker, self._send, method, path, **kwargs,
                                    circuit_open=PaymentUnavailable("payment gateway circuit open"))
        # Declines and refusals are read here, outside the breaker: the gateway answered them.
        if response.status_code >= 400:
            raise _refusal(response)
        try:
            return parse(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise PaymentError(f"unreadable payment gateway answer: {exc}") from exc

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """The gateway's answer, or :class:`PaymentUnavailable` if it did not really give one."""
        try:
            response = _send_retrying(self._http, method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise PaymentUnavailable(f"payment gateway timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise PaymentUnavailable(f"payment gateway unreachable: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise PaymentUnavailable(f"payment gateway answered {response.status_code}",
                                     _error(response).get("code"))
        return response


def _error(response: httpx.Response) -> dict:
    """The ``error`` object of an error answer, or ``{}``."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _refusal(response: httpx.Response) -> PaymentError:
    error = _error(response)
    message = error.get("message") or f"payment gateway answered {response.status_code}"
    if response.status_code == 402:
        return PaymentDeclined(message, error.get("code", "card_declined"))
    return PaymentRejected(message, error.get("code"), response.status_code)

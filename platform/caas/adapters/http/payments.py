"""Client of the card payment gateway over httpx.

Every money-moving call carries an ``Idempotency-Key``, which is what makes a
retry safe: a call without a usable answer is sent once more with the same key,
and if that answer is lost too, the gateway is asked what it did with the key.
What comes out is one of four things, and only these:

* the gateway's answer (a payment, a refund), or its refusal (:class:`PaymentDeclined`,
  :class:`PaymentRejected`);
* :class:`PaymentUnavailable`: the gateway is known not to have acted (the connection
  was refused, the circuit is open, or it says it never acted on the key);
* :class:`PaymentOutcomeUnknown`: the request may have reached the gateway and nobody
  can tell yet whether it acted. Never record that as a failure: look the key up later
  (:meth:`PaymentGateway.lookup`) or send the same request again with the same key.

Outages, and only outages, feed the circuit breaker; a declined card or a refused
request says the gateway is up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar
from urllib.parse import quote

import httpx
import pybreaker
import tenacity

from caas.adapters.http import breakers
from caas.domain.money import Money

T = TypeVar("T")


class PaymentError(Exception):
    """A payment operation did not happen; ``code`` is the gateway's error code, if it gave one."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class PaymentDeclined(PaymentError):
    """The card was refused (``card_declined``, ``invalid_card``); retrying will not help."""


class PaymentNotAnswered(PaymentError):
    """The gateway gave no answer to act on; see the two kinds below."""


class PaymentUnavailable(PaymentNotAnswered):
    """The gateway did not act on this request: unreachable, its circuit open, or it says so.

    Nothing was charged by it: refuse the payment now; a retry may use the same key.
    ``confirmed``: the gateway itself says it never acted on the key, whatever was sent
    with it before (not just that this request did not get through).
    """

    def __init__(self, message: str, code: str | None = None, *, confirmed: bool = False):
        super().__init__(message, code)
        self.confirmed = confirmed


class PaymentOutcomeUnknown(PaymentNotAnswered):
    """The request may have reached the gateway, and whether it acted is not known yet
    (a timeout after sending, a dropped connection, a 5xx, and no lookup to tell).

    Keep the attempt open as ``unknown``: reconcile it by its key, never charge anew.
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


@dataclass(frozen=True)
class KeyOutcome:
    """What the gateway did with one idempotency key: the answer it kept for it."""

    operation: str
    status: int
    body: dict

    @property
    def succeeded(self) -> bool:
        return self.status < 300

    def result(self, parse: Callable[[dict], T]) -> T:
        """The kept answer, as the call would have returned it (or raised its refusal)."""
        if self.status >= 400:
            raise _refusal(self.status, self.body)
        return parse(self.body)


def _money(amount: Money | None) -> dict:
    return {} if amount is None else amount.rounded().to_dict()


#: How far a request without a usable answer got: not sent at all, lost on the way
#: (it may still be reaching the gateway), or answered with a 5xx (the gateway is done with it).
NOT_SENT, LOST, ANSWERED = "", "lost", "answered"


class _NoAnswer(Exception):
    """A request got no usable answer; ``reached`` says how far it got."""

    def __init__(self, message: str, *, reached: str, code: str | None = None):
        super().__init__(message)
        self.reached = reached
        self.code = code


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
        try:
            response = breakers.guarded(self._breaker, self._send, method, path, **kwargs,
                                        circuit_open=PaymentUnavailable("payment gateway circuit open"))
        except _NoAnswer as lost:
            if idempotency_key is None or not lost.reached:
                raise PaymentUnavailable(str(lost), lost.code) from None
            return self._settle_by_lookup(parse, idempotency_key, lost)
        # Declines and refusals are read here, outside the breaker: the gateway answered them.
        if response.status_code >= 400:
            raise _refusal(response.status_code, _json(response))
        try:
            return parse(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise PaymentError(f"unreadable payment gateway answer: {exc}") from exc

    def _settle_by_lookup(self, parse: Callable[[dict], T], key: str, lost: _NoAnswer) -> T:
        """The request may have reached the gateway: ask it what it did with the key."""
        try:
            outcome = self.lookup(key)
        except PaymentError as exc:
            raise PaymentOutcomeUnknown(f"{lost}; the lookup failed too: {exc}", lost.code) from None
        if outcome is not None:
            return outcome.result(parse)
        if lost.reached == ANSWERED:
            # It answered (5xx) and keeps nothing under the key: it did not act.
            raise PaymentUnavailable(f"{lost}; the gateway did not act on the request", lost.code,
                                     confirmed=True)
        # Lost on the way: it may not have begun yet. Only a later lookup can tell.
        raise PaymentOutcomeUnknown(f"{lost}; not (yet) known to the gateway", lost.code)

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """The gateway's answer, tried twice with the same request; :class:`_NoAnswer` when
        neither try gave one (raised inside the breaker, so that outages count)."""
        reached = NOT_SENT
        for attempt in tenacity.Retrying(stop=tenacity.stop_after_attempt(2), reraise=True,
                                         retry=tenacity.retry_if_exception_type(_NoAnswer)):
            with attempt:
                try:
                    response = self._http.request(method, path, **kwargs)
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                    raise _NoAnswer(_describe(exc), reached=reached) from None
                except httpx.TransportError as exc:
                    # Sent, or partly: the gateway may be acting on it right now.
                    reached = LOST
                    raise _NoAnswer(_describe(exc), reached=reached) from None
                if response.status_code >= 500 or response.status_code == 429:
                    reached = reached or ANSWERED
                    raise _NoAnswer(f"payment gateway answered {response.status_code}",
                                    reached=reached, code=_error(_json(response)).get("code"))
                return response
        raise AssertionError("unreachable")


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"payment gateway timed out: {exc}"
    return f"payment gateway unreachable: {exc}"


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(body: dict) -> dict:
    """The ``error`` object of an error answer, or ``{}``."""
    error = body.get("error")
    return error if isinstance(error, dict) else {}


def _refusal(status: int, body: dict) -> PaymentError:
    error = _error(body)
    message = error.get("message") or f"payment gateway answered {status}"
    if status == 402:
        return PaymentDeclined(message, error.get("code", "card_declined"))
    return PaymentRejected(message, error.get("code"), status)

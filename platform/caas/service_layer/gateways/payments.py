"""The card payment gateway, as the use cases see it: its port, answers and errors.

Every money-moving call carries an idempotency key, which is what makes a retry safe.
What a call comes out with is one of four things, and only these:

* the gateway's answer (a :class:`Payment`, a :class:`Refund`), or its refusal
  (:class:`PaymentDeclined`, :class:`PaymentRejected`);
* :class:`PaymentUnavailable`: the gateway is known not to have acted (the connection
  was refused, the circuit is open, or it says it never acted on the key);
* :class:`PaymentOutcomeUnknown`: the request may have reached the gateway and nobody
  can tell yet whether it acted. Never record that as a failure: look the key up later
  (:meth:`PaymentsGateway.lookup`) or send the same request again with the same key.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, TypeVar

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
            raise payment_refusal(self.status, self.body)
        return parse(self.body)


def error_of(body: dict) -> dict:
    """The ``error`` object of an error answer, or ``{}``."""
    error = body.get("error")
    return error if isinstance(error, dict) else {}


def payment_refusal(status: int, body: dict) -> PaymentError:
    """The error the gateway's refusal (``status`` ≥ 400, its ``body``) stands for."""
    error = error_of(body)
    message = error.get("message") or f"payment gateway answered {status}"
    if status == 402:
        return PaymentDeclined(message, error.get("code", "card_declined"))
    return PaymentRejected(message, error.get("code"), status)


class PaymentsGateway(Protocol):
    """The gateway's API for one merchant (a tenant); every method raises :class:`PaymentError`."""

    def charge(self, amount: Money, card_token: str, *, idempotency_key: str, reference: str,
               description: str = "") -> Payment:
        """Authorize and capture at once."""

    def authorize(self, amount: Money, card_token: str, *, idempotency_key: str, reference: str,
                  description: str = "") -> Payment:
        """Hold ``amount`` on the card, to capture or void later."""

    def capture(self, payment_id: str, *, idempotency_key: str,
                amount: Money | None = None) -> Payment:
        """Capture an authorization, all of it unless ``amount`` says less."""

    def void(self, payment_id: str, *, idempotency_key: str) -> Payment:
        """Release an authorization that was not captured."""

    def refund(self, payment_id: str, *, idempotency_key: str,
               amount: Money | None = None) -> Refund:
        """Refund a captured payment, whatever is left of it unless ``amount`` says less."""

    def get(self, payment_id: str) -> Payment:
        """The payment as the gateway has it now."""

    def lookup(self, idempotency_key: str) -> KeyOutcome | None:
        """What the gateway did with ``idempotency_key``; ``None`` when it never acted on it."""

"""What the payments sandbox keeps: its test cards, the payments, the answers it stored under
idempotency keys, and the refusals it answers with."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision
from flask import Response

from caas.clock import wall_now
from caas.domain.money import Money

#: Tokens the gateway accepts, and how their captures settle by themselves (None: only when told).
CARDS = {"tok_ok": "settled", "tok_settle_fail": "failed", "tok_slow_settle": None,
         "tok_charge_decline": "settled"}
#: A card that holds (authorizations succeed) but whose later charges are declined, as
#: when it expired before the month-end invoice.
CHARGE_DECLINED = "tok_charge_decline"
DECLINED = "tok_decline"
GATEWAY_ERROR = "tok_gateway_error"
REFUNDABLE = ("captured", "partially_refunded")

_AMOUNT = re.compile(r"\d{1,12}(\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")


def now_text() -> str:
    return wall_now().isoformat()



class Refusal(Exception):
    """An error answer, ``{"error": {"code", "message", "fields"?}}`` with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


def invalid(fields: dict) -> Refusal:
    return Refusal(422, "invalid_request", "the request has invalid fields", fields)


def parse_amount(value: Any, currency: str) -> Decimal:
    """A positive amount with at most ``currency``'s minor digits; ValueError saying why not."""
    digits = get_currency_precision(currency)
    if not isinstance(value, str) or not _AMOUNT.fullmatch(value):
        raise ValueError("a decimal string such as \"49.00\"")
    amount = Decimal(value)
    if amount <= 0:
        raise ValueError("must be positive")
    if -amount.as_tuple().exponent > digits:
        raise ValueError(f"at most {digits} decimal places in {currency}")
    return amount


@dataclass
class PaymentRecord:
    id: str
    tenant: str
    amount: Decimal
    currency: str
    card_token: str
    reference: str
    description: str
    status: str
    captured: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    settlement: str = "pending"
    #: The Idempotency-Key of the request that took the money (the charge, or the capture).
    key: str | None = None
    created_at: str = field(default_factory=now_text)
    refunds: list[dict] = field(default_factory=list)

    def text(self, amount: Decimal) -> str:
        return str(Money(amount, self.currency).rounded().amount)

    def to_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "amount": self.text(self.amount),
                "currency": self.currency, "captured_amount": self.text(self.captured),
                "refunded_amount": self.text(self.refunded), "settlement": self.settlement,
                "reference": self.reference, "description": self.description,
                "card_token": self.card_token, "created_at": self.created_at,
                "refunds": [dict(refund) for refund in self.refunds]}

    def about(self) -> dict:
        """What every ledger entry says about the payment."""
        return {"tenant": self.tenant, "payment_id": self.id, "currency": self.currency,
                "reference": self.reference, "card_token": self.card_token}

    def requested(self, body: dict, default: Decimal) -> Decimal:
        """The optional ``amount`` (and ``currency``) of a capture or refund, else ``default``."""
        if body.get("currency", self.currency) != self.currency:
            raise invalid({"currency": f"must be {self.currency}, the payment's currency"})
        if body.get("amount") is None:
            return default
        try:
            amount = parse_amount(body["amount"], self.currency)
        except ValueError as exc:
            raise invalid({"amount": str(exc)}) from None
        if amount > default:
            raise invalid({"amount": f"at most {self.text(default)}"})
        return amount

    def require(self, states: tuple[str, ...], action: str) -> None:
        if self.status not in states:
            raise Refusal(409, "invalid_state", f"a payment that is {self.status} cannot be {action}")


@dataclass(frozen=True)
class StoredReply:
    """A stored answer to an idempotent request, and what the request looked like."""

    fingerprint: tuple
    status: int
    body: str
    operation: str

    def response(self) -> Response:
        return Response(self.body, self.status, mimetype="application/json")

    def to_dict(self, key: str) -> dict:
        return {"key": key, "operation": self.operation, "status": self.status,
                "response": json.loads(self.body)}



def new_payment(body: dict) -> tuple[Decimal, str]:
    """The amount and currency of a payment request; 422 naming every invalid field."""
    errors = {}
    currency = body.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        errors["currency"] = "an ISO 4217 code such as EUR"
    else:
        try:
            amount = parse_amount(body.get("amount"), currency)
        except ValueError as exc:
            errors["amount"] = str(exc)
    for name in ("card_token", "reference"):
        if not isinstance(body.get(name), str) or not body[name]:
            errors[name] = "a non-empty string is required"
    if not isinstance(body.get("description", ""), str):
        errors["description"] = "must be a string"
    if not isinstance(body.get("capture", True), bool):
        errors["capture"] = "must be true or false"
    if errors:
        raise invalid(errors)
    return amount, currency


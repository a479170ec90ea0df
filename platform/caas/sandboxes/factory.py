"""The vehicle factory's sandbox: takes manufacturing orders over HTTP, builds them on
command (or on its own schedule) and reports progress through signed webhooks.

HTTP API (the market, our tenant slug, in ``X-Market`` on every call):

- ``POST /v1/orders`` with ``Idempotency-Key``: ``{reference, model, options, customer: {name,
  country}}`` -> 201 the order; the same reference again -> 200 the same order, or 409 if the
  body differs; 422 ``{"error": {"code": "invalid_request", "fields": ...}}``.
- ``GET /v1/orders/{orderId}`` -> the order, with its ``vin`` once READY; another market's -> 404.
- ``POST /v1/orders/{orderId}/cancel`` -> the CANCELLED order; 409 once READY.

Statuses: ACCEPTED -> IN_PROGRESS -> READY, or CANCELLED before READY.
"""
from __future__ import annotations

import hashlib
import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta

from babel import Locale
from flask import Flask, g, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import HTTPException

from caas.clock import wall_now
from caas.sandboxes.webhooks import WebhookSender

FLOW = ("ACCEPTED", "IN_PROGRESS", "READY")
TERMINAL = frozenset({"READY", "CANCELLED"})

# CLDR names some regions that ISO 3166-1 does not assign as countries.
_NOT_ISO = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
COUNTRIES = frozenset(code for code in Locale("en").territories
                      if len(code) == 2 and code.isalpha()) - _NOT_ISO

# ISO 3779: digits and capitals without I, O and Q (they read as 1 and 0).
VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_VIN_VALUES = {**{d: int(d) for d in "0123456789"}, **dict(zip("ABCDEFGH", range(1, 9))),
               **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
               **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Position 10 encodes the model year in a 30-year cycle starting at 1980 (A).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


def vin_check_digit(vin: str) -> str:
    """The North-American check digit (position 9) of a 17-character VIN, whatever is there now."""
    pairs = zip(vin.upper(), _VIN_WEIGHTS, strict=True)
    total = sum(_VIN_VALUES[char] * weight for char, weight in pairs)
    return "X" if total % 11 == 10 else str(total % 11)


def build_vin(wmi: str, vds: str, year: int, plant: str, serial: int) -> str:
    """A VIN from its parts, with the check digit computed."""
    draft = f"{wmi}{vds}0{_YEAR_CODES[(year - 1980) % 30]}{plant}{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def _country(code: str) -> None:
    if code not in COUNTRIES:
        raise ValidationError("not an ISO 3166-1 alpha-2 country code")


class _CustomerSchema(Schema):
    # The factory takes what it needs and ignores the rest of a customer record.
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = fields.String(required=True, validate=_country)


class _OrderSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    model = fields.String(required=True, validate=validate.Length(min=1, max=64))
    options = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    customer = fields.Nested(_CustomerSchema, required=True)


_ORDER_SCHEMA = _OrderSchema()


@dataclass
class _Order:
    id: str
    market: str
    request: dict
    estimated_date: date
    status: str = "ACCEPTED"
    vin: str | None = None
    events: list[dict] = field(default_factory=list)

    def public(self) -> dict:
        """The order as the factory's API shows it."""
        body = {"orderId": self.id, "status": self.status,
                "estimatedDate": self.estimated_date.isoformat(),
                "reference": self.request["reference"], "model": self.request["model"],
                "options": list(self.request["options"])}
        if self.vin:
            body["vin"] = self.vin
        return body

    def internal(self) -> dict:
        return {**self.public(), "market": self.market, "customer": dict(self.request["customer"])}


def _error(status: int, code: str, message: str, **extra):
    return jsonify(error={"code": code, "message": message, **extra}), status


def _http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    return _error(exc.code or 500, code, exc.description or "")


class FactorySandbox:
    """An in-memory factory, thread-safe.

    :param sender: delivers the status webhooks to the platform; without one they are only recorded.
    :param step_seconds: with :meth:`start`, every unfinished order moves one step this often.
    :param wmi: the World Manufacturer Identifier starting every VIN.
    """

    def __init__(self, sender: WebhookSender | None = None, step_seconds: float | None = None,
                 wmi: str = "VSS"):
        if len(wmi) != 3 or any(char not in VIN_ALPHABET for char in wmi):
            raise ValueError(f"a WMI is 3 characters of {VIN_ALPHABET}, not {wmi!r}")
        self.sender = sender
        self.step_seconds = step_seconds
        self.wmi = wmi
        self._lock = threading.Lock()
        self._orders: dict[str, _Order] = {}
        self._by_reference: dict[tuple[str, str], _Order] = {}
        self._by_key: dict[tuple[str, str], _Order] = {}
        self._vins: set[str] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.wsgi = self._app()

    # -- Python API (tests and the /sandbox routes) -------------------------------------

    def orders(self, market: str | None = None) -> list[dict]:
        with self._lock:
            return [order.internal() for order in self._orders.values()
                    if market is None or order.market == market]

    def order(self, order_id: str) -> dict:
        with self._lock:
            return self._orders[order_id].internal()

    def events(self, order_id: str) -> list[dict]:
        """The webhook payloads sent for an order, oldest first."""
        with self._lock:
            return [dict(event) for event in self._orders[order_id].events]

    def advance(self, order_id: str, to: str | None = None, *, wait: bool = True) -> dict:
        """Move an order one step, or to ``to``, sending one webhook per status passed.

        With ``wait`` each webhook is delivered once before returning, in order; without it
        they are retried in the background and, like a real provider's, may arrive out of order.
        """
        with self._lock:
            order = self._orders[order_id]
            payloads = [self._enter(order, status) for status in self._path(order, to)]
            answer = order.internal()
        # Outside the lock: the platform's webhook handler may call this factory back.
        if self.sender is not None:
            for payload in payloads:
                self.sender.send(order.market, "factory", payload, wait=wait)
        return answer

    def start(self) -> None:
        """Build on the factory's own schedule: unfinished orders move a step every ``step_seconds``."""
        if self.step_seconds is None:
            raise ValueError("this factory sandbox has no step_seconds")
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="factory-schedule", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- state machine ------------------------------------------------------------------

    @staticmethod
    def _path(order: _Order, to: str | None) -> tuple[str, ...]:
        """The statuses between the order's and ``to`` (the next one by default)."""
        if order.status in TERMINAL:
            raise ValueError(f"order {order.id} is {order.status}")
        current = FLOW.index(order.status)
        if to is not None and to not in FLOW:
            raise ValueError(f"unknown status {to!r}")
        target = current + 1 if to is None else FLOW.index(to)
        if target <= current:
            raise ValueError(f"order {order.id} cannot go from {order.status} to {to}")
        return FLOW[current + 1:target + 1]

    def _enter(self, order: _Order, status: str) -> dict:
        """Put the order in ``status`` and return the webhook payload announcing it."""
        order.status = status
        payload = {"event_id": WebhookSender.event_id(), "order_id": order.id, "status": status}
        if status == "READY":
            order.vin = payload["vin"] = self._new_vin(order.request["model"])
        order.events.append(payload)
        return dict(payload)

    def _new_vin(self, model: str) -> str:
        # The descriptor section stands for the model; the random serial keeps VINs from
        # colliding with those issued before a restart as well as within this sandbox.
        digest = hashlib.sha256(model.encode()).digest()
        vds = "".join(VIN_ALPHABET[byte % len(VIN_ALPHABET)] for byte in digest[:5])
        while True:
            vin = build_vin(self.wmi, vds, wall_now().date().year, "A", random.randrange(1_000_000))
            if vin not in self._vins:
                self._vins.add(vin)
                return vin

    def _run(self) -> None:
        while not self._stopping.wait(self.step_seconds):
            with self._lock:
                pending = [order.id for order in self._orders.values() if order.status not in TERMINAL]
            for order_id in pending:
                try:
                    self.advance(order_id, wait=False)
                except ValueError:
                    pass  # cancelled or advanced by hand since the snapshot

    # -- HTTP ---------------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.before_request(self._require_market)
        app.register_error_handler(HTTPException, _http_error)
        app.post("/v1/orders")(self._place)
        app.get("/v1/orders/<order_id>")(self._get)
        app.post("/v1/orders/<order_id>/cancel")(self._cancel)
        return app

    @staticmethod
    def _require_market():
        g.market = request.headers.get("X-Market", "").strip()
        if not g.market:
            return _error(400, "missing_market", "the X-Market header is required")
        return None

    def _place(self):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return _error(400, "missing_idempotency_key", "the Idempotency-Key header is required")
        try:
            data = _ORDER_SCHEMA.load(request.get_json(silent=True))
        except ValidationError as exc:
            return _error(422, "invalid_request", "the order is invalid", fields=exc.messages)
        with self._lock:
            existing = (self._by_key.get((g.market, key))
                        or self._by_reference.get((g.market, data["reference"])))
            if existing is not None:
                if existing.request != data:
                    return _error(409, "conflict", "this reference or key was used for another order")
                return jsonify(existing.public()), 200
            order = self._create(g.market, data)
            self._by_key[g.market, key] = self._by_reference[g.market, data["reference"]] = order
            return jsonify(order.public()), 201

    def _create(self, market: str, data: dict) -> _Order:
        while (order_id := f"FO-{secrets.token_hex(5).upper()}") in self._orders:
            pass
        estimated = wall_now().date() + timedelta(days=random.randint(30, 90))
        order = self._orders[order_id] = _Order(order_id, market, data, estimated)
        return order

    def _owned(self, order_id: str) -> _Order | None:
        order = self._orders.get(order_id)
        return order if order is not None and order.market == g.market else None

    def _get(self, order_id: str):
        with self._lock:
            order = self._owned(order_id)
            if order is None:
                return _error(404, "not_found", f"no order {order_id}")
            return jsonify(order.public())

    def _cancel(self, order_id: str):
        with self._lock:
            order = self._owned(order_id)
            if order is None:
                return _error(404, "not_found", f"no order {order_id}")
            if order.status == "READY":
                return _error(409, "not_cancellable", f"order {order_id} is already built")
            order.status = "CANCELLED"
            return jsonify(order.public())

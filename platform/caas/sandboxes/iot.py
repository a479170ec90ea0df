"""The IoT API's sandbox: over-the-air configuration commands to vehicles, and their status.

The IoT API exists, is documented, and cannot change: this module models it, and its
description below is the reference plugin authors and the platform's client code against.

HTTP API (JSON in and out; times are ISO 8601 in UTC; vehicles are addressed by VIN, and
every VIN is known: the API creates a vehicle's state the first time it is used):

- ``POST /v1/vehicles/{vin}/commands`` with ::

      {"command_id": "<1..64 of [A-Za-z0-9_-], chosen by the client>",
       "type": "configure",
       "settings": {"<1..64 of [a-z0-9_.]>": true | 42 | 1.5 | "text", ...},   (1..20 keys)
       "valid_until": "2030-01-31T12:00:00Z"}                                   (optional)

  -> 202 the command (below), ``pending``. No other field is allowed (:data:`COMMAND_SCHEMA`).
  Idempotent by ``command_id``: the same id with the same VIN and body -> 200 the existing
  command, as it is now (no second command); with another VIN or body -> 409
  ``command_conflict``. Invalid body -> 422 ``{"error": {"code": "invalid_command",
  "message", "messages": [...]}}``. A vehicle that is offline refuses new commands: 409
  ``{"error": {"code": "vehicle_offline", ...}}``, to try again later.
- ``GET /v1/commands/{command_id}`` -> 200 ``{"command_id", "vin", "status": "pending" |
  "succeeded" | "failed", "error": str | null, "created_at", "completed_at": ISO | null}``;
  404 ``not_found`` for an unknown id. Command ids are global, not per vehicle.
- ``GET /v1/vehicles/{vin}/status`` -> 200 ``{"vin", "online": bool, "configuration": {the
  settings of its succeeded commands, merged in order}, "last_seen": ISO, "firmware": "x.y.z",
  "last_error": the error of its last finished command if that one failed, else null}``.

Errors are ``{"error": {"code", "message"}}`` throughout.

How the sandbox's vehicles behave (:meth:`IotSandbox.set_behaviour`; ``ok`` by default), decided
for each command by the vehicle's behaviour when the command is accepted:

- ``ok``: the command succeeds and its settings are applied to the vehicle's configuration.
  Like the real network it reports back later: the command is accepted ``pending`` and becomes
  ``succeeded`` the first time anyone looks (its result, a resend of it, its vehicle's status,
  or the Python API), with no waiting; a vehicle applies its commands in the order it got
  them. A share ``failure_rate`` of them fails instead, drawn in the order the commands arrive
  from a generator seeded per sandbox, so a run with a ``seed`` is reproducible.
- ``fail``: the command fails the same way, with ``"ECU rejected configuration"``.
- ``timeout``: the command stays ``pending`` forever (unless :meth:`IotSandbox.complete`).
- ``pending``: the command stays ``pending`` until :meth:`IotSandbox.complete` says how it ended.
- ``offline``: new commands are refused (409 ``vehicle_offline``); the status says offline.

A command still pending after its ``valid_until`` expires: it fails with ``"command expired
before the vehicle applied it"`` and can no longer be completed. Commands of ``ok`` and ``fail``
vehicles count as delivered when accepted, so they never expire.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from caas.clock import wall_now

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

SYSTEM = "iot"
BEHAVIOURS = ("ok", "fail", "timeout", "pending", "offline")
OUTCOMES = ("succeeded", "failed")
ECU_REJECTED = "ECU rejected configuration"
RANDOM_FAILURE = "configuration not acknowledged by the vehicle"
EXPIRED = "command expired before the vehicle applied it"
MAX_SETTINGS = 20

_COMMAND_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SETTING_KEY = re.compile(r"[a-z0-9_.]{1,64}")
_FIELDS = frozenset({"command_id", "type", "settings", "valid_until"})

#: The JSON Schema (draft 2020-12) of a command's body: the documentation of
#: :func:`validate_command`, which applies the same rules without a schema library.
COMMAND_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "IoT configuration command",
    "type": "object",
    "additionalProperties": False,
    "required": ["command_id", "type", "settings"],
    "properties": {
        "command_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$",
                       "description": "Chosen by the client; the idempotency key of the command."},
        "type": {"const": "configure"},
        "settings": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": MAX_SETTINGS,
            "propertyNames": {"pattern": "^[a-z0-9_.]{1,64}$"},
            "additionalProperties": {"type": ["boolean", "integer", "number", "string"]},
        },
        "valid_until": {"type": "string", "format": "date-time",
                        "description": "UTC (Z or +00:00); the command expires if still pending then."},
    },
}


def _utc(text: Any) -> datetime | None:
    """``text`` as an aware UTC datetime, or None if it is not an ISO 8601 UTC date-time."""
    if not isinstance(text, str) or "T" not in text.upper():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset():
        return None
    return moment


def _setting_error(key: str, value: Any) -> str | None:
    if not _SETTING_KEY.fullmatch(key):
        return f"settings: key {key[:80]!r} must be 1 to 64 of a-z, 0-9, '_' and '.'"
    if isinstance(value, float) and not math.isfinite(value):
        return f"settings.{key}: must be a finite number"
    if not isinstance(value, (bool, int, float, str)):
        return f"settings.{key}: must be a boolean, a number or a string"
    return None


def validate_command(body: Any) -> list[str]:
    """What is wrong with a command's body (:data:`COMMAND_SCHEMA`), one message each; [] if valid."""
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    errors = [f"{name[:80]}: unknown field" for name in body if name not in _FIELDS]
    errors += [f"{name}: required" for name in ("command_id", "type", "settings") if name not in body]
    if "command_id" in body and not (isinstance(body["command_id"], str)
                                     and _COMMAND_ID.fullmatch(body["command_id"])):
        errors.append("command_id: must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'")
    if "type" in body and body["type"] != "configure":
        errors.append("type: must be \"configure\"")
    if "settings" in body:
        settings = body["settings"]
        if not isinstance(settings, dict):
            errors.append("settings: must be an object")
        elif not 1 <= len(settings) <= MAX_SETTINGS:
            errors.append(f"settings: must have 1 to {MAX_SETTINGS} keys")
        else:
            errors += filter(None, (_setting_error(key, value) for key, value in settings.items()))
    if "valid_until" in body and _utc(body["valid_until"]) is None:
        errors.append("valid_until: must be an ISO 8601 date-time in UTC, such as 2030-01-31T12:00:00Z")
    return errors


def _now() -> datetime:
    return wall_now()


@dataclass
class _Command:
    id: str
    vin: str
    body: dict
    fingerprint: str
    created_at: datetime
    #: How the vehicle will answer, ``(status, error)``; None while it has not said (timeout, pending).
    planned: tuple[str, str | None] | None
    valid_until: datetime | None = None
    status: str = "pending"
    error: str | None = None
    completed_at: datetime | None = None

    def public(self) -> dict:
        return {"command_id": self.id, "vin": self.vin, "status": self.status, "error": self.error,
                "created_at": self.created_at.isoformat(),
                "completed_at": self.completed_at.isoformat() if self.completed_at else None}

    def internal(self) -> dict:
        return {**self.public(), "type": self.body["type"], "settings": dict(self.body["settings"]),
                "valid_until": self.body.get("valid_until")}


@dataclass
class _Vehicle:
    vin: str
    last_seen: datetime
    behaviour: str = "ok"
    configuration: dict = field(default_factory=dict)
    last_error: str | None = None
    #: Commands whose outcome is decided but not yet reported, oldest first.
    undelivered: deque = field(default_factory=deque)

    @property
    def firmware(self) -> str:
        digest = hashlib.sha256(self.vin.encode()).digest()
        return f"{2 + digest[0] % 3}.{digest[1] % 10}.{digest[2] % 20}"

    def status(self) -> dict:
        return {"vin": self.vin, "online": self.behaviour != "offline",
                "configuration": dict(self.configuration), "last_seen": self.last_seen.isoformat(),
                "firmware": self.firmware, "last_error": self.last_error}


class Refusal(Exception):
    """An error answer, ``{"error": {"code", "message", "messages"?}}`` with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, messages: list[str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.messages = status, code, message, messages

    def response(self) -> Response:
        error: dict = {"code": self.code, "message": self.message}
        if self.messages:
            error["messages"] = self.messages
        return _json({"error": error}, self.status)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _http_error(exc: HTTPException) -> Response:
    code = (exc.name or "error").lower().replace(" ", "_")
    return Refusal(exc.code or 500, code, exc.description or "").response()


class IotSandbox:
    """An in-memory IoT API (:attr:`wsgi`) and its vehicles, thread-safe.

    :param failure_rate: the share (0..1) of ``ok`` vehicles' commands that fail all the same.
    :param seed: seeds the generator that draws those failures; ``None``: unpredictable.
    """

    def __init__(self, failure_rate: float = 0.0, seed: int | None = None):
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._failure_rate = 0.0
        self.set_failure_rate(failure_rate)
        self._vehicles: dict[str, _Vehicle] = {}
        self._commands: dict[str, _Command] = {}
        self.wsgi = self._app()

    # -- Python API (tests and the /sandbox routes) -------------------------------------

    @property
    def failure_rate(self) -> float:
        return self._failure_rate

    def set_failure_rate(self, rate: float, seed: int | None = None) -> None:
        """Make a share ``rate`` of ``ok`` vehicles' new commands fail; ``seed`` restarts the draws."""
        if not 0 <= rate <= 1:
            raise ValueError(f"a failure rate is between 0 and 1, not {rate!r}")
        with self._lock:
            self._failure_rate = float(rate)
            if seed is not None:
                self._random.seed(seed)

    def set_behaviour(self, vin: str, behaviour: str) -> None:
        """How the vehicle answers the commands accepted from now on (see the module's doc)."""
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {', '.join(BEHAVIOURS)}, not {behaviour!r}")
        with self._lock:
            self._vehicle(vin).behaviour = behaviour

    def behaviour(self, vin: str) -> str:
        with self._lock:
            return self._vehicle(vin).behaviour

    def complete(self, command_id: str, outcome: str, error: str | None = None) -> dict:
        """End a pending command as ``"succeeded"`` or ``"failed"`` (with ``error``, else the ECU's).

        :raises KeyError: unknown command.
        :raises ValueError: bad outcome, or the command has already ended (or expired).
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be succeeded or failed, not {outcome!r}")
        with self._lock:
            command = self._commands[command_id]
            self._settle(command)
            if command.status != "pending":
                raise ValueError(f"command {command_id} has already {command.status}")
            self._finish(command, outcome, (error or ECU_REJECTED) if outcome == "failed" else None)
            return command.internal()

    def commands(self, vin: str | None = None) -> list[dict]:
        """Every command (only ``vin``'s when given), oldest first, with its type and settings."""
        with self._lock:
            chosen = [command for command in self._commands.values() if vin in (None, command.vin)]
            for command in chosen:
                self._settle(command)
            return [command.internal() for command in chosen]

    def vehicle(self, vin: str) -> dict:
        """The vehicle's status, as ``GET /v1/vehicles/{vin}/status`` shows it."""
        with self._lock:
            return self._status(vin)

    # -- state; the caller holds the lock -----------------------------------------------

    def _vehicle(self, vin: str) -> _Vehicle:
        vehicle = self._vehicles.get(vin)
        if vehicle is None:
            vehicle = self._vehicles[vin] = _Vehicle(vin, last_seen=_now())
        return vehicle

    def _status(self, vin: str) -> dict:
        vehicle = self._vehicle(vin)
        while vehicle.undelivered:
            self._deliver(vehicle.undelivered.popleft())
        return vehicle.status()

    def _plan(self, behaviour: str) -> tuple[str, str | None] | None:
        if behaviour == "ok":
            # Drawn even at rate 0, so that the same seed gives the same run whatever the rate.
            failing = self._random.random() < self._failure_rate
            return ("failed", RANDOM_FAILURE) if failing else ("succeeded", None)
        if behaviour == "fail":
            return "failed", ECU_REJECTED
        return None

    def _settle(self, command: _Command) -> None:
        """Bring a command up to date: the vehicle's answer arrives, or its validity runs out."""
        if command.status != "pending":
            return
        if command.planned is not None:
            # The vehicle answers in order: the commands it was sent before this one first.
            undelivered = self._vehicles[command.vin].undelivered
            while command.status == "pending":
                self._deliver(undelivered.popleft())
        elif command.valid_until is not None and _now() >= command.valid_until:
            self._finish(command, "failed", EXPIRED)

    def _deliver(self, command: _Command) -> None:
        self._finish(command, *command.planned)

    def _finish(self, command: _Command, status: str, error: str | None) -> None:
        vehicle = self._vehicles[command.vin]
        command.status, command.error, command.completed_at = status, error, _now()
        if error != EXPIRED:
            vehicle.last_seen = command.completed_at
        if status == "succeeded":
            vehicle.configuration.update(command.body["settings"])
        vehicle.last_error = error

    # -- HTTP ---------------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.register_error_handler(Refusal, Refusal.response)
        app.register_error_handler(HTTPException, _http_error)
        app.post("/v1/vehicles/<vin>/commands")(self._send)
        app.get("/v1/commands/<command_id>")(self._result)
        app.get("/v1/vehicles/<vin>/status")(self._vehicle_status)
        return app

    def _send(self, vin: str) -> Response:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            raise Refusal(400, "invalid_json", "the body is not JSON") from None
        errors = validate_command(body)
        if errors:
            raise Refusal(422, "invalid_command", "the command is invalid", errors)
        fingerprint = json.dumps([vin, body], sort_keys=True)
        with self._lock:
            existing = self._commands.get(body["command_id"])
            if existing is not None:
                if existing.fingerprint != fingerprint:
                    raise Refusal(409, "command_conflict",
                                  f"command {existing.id} was sent with another vehicle or body")
                self._settle(existing)
                return _json(existing.public(), 200)
            vehicle = self._vehicle(vin)
            if vehicle.behaviour == "offline":
                raise Refusal(409, "vehicle_offline", f"vehicle {vin} is not connected")
            command = _Command(body["command_id"], vin, body, fingerprint, _now(),
                               planned=self._plan(vehicle.behaviour),
                               valid_until=_utc(body.get("valid_until")))
            self._commands[command.id] = command
            if command.planned is not None:
                vehicle.undelivered.append(command)
            return _json(command.public(), 202)

    def _result(self, command_id: str) -> Response:
        with self._lock:
            command = self._commands.get(command_id)
            if command is None:
                raise Refusal(404, "not_found", f"no command {command_id}")
            self._settle(command)
            return _json(command.public())

    def _vehicle_status(self, vin: str) -> Response:
        with self._lock:
            return _json(self._status(vin))

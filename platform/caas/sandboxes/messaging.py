"""Sandboxes of the push and SMS providers: they record what they receive.

HTTP API (JSON), the same for both:

- ``POST /v1/messages`` with an ``Idempotency-Key`` header -> ``202 {"id": "..."}``.
  Push bodies are ``{"to", "title", "body", "language", "data"}``; SMS bodies
  ``{"to", "text", "from"}`` with ``to`` in E.164 form (``+`` and 8 to 15 digits).
  A resend with a key already seen answers the first message's id and records nothing.
  A body without its fields, or an SMS to a malformed number, is ``400``.

Errors are ``{"error": {"code", "message"}}``. Outages are switched on with
``PUT /sandbox/{push|sms}/mode`` (the :class:`~caas.sandboxes.faults.FaultInjector`).
"""
from __future__ import annotations

import itertools
import json
import re
import threading

from flask import Flask, Response, request

from caas.clock import wall_now

REQUIRED = {"push": ("to", "title", "body"), "sms": ("to", "text")}
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _refuse(code: str, message: str) -> Response:
    return _json({"error": {"code": code, "message": message}}, 400)


class MessagingSandbox:
    """An in-memory push or SMS provider speaking its HTTP API (:attr:`wsgi`), thread-safe."""

    def __init__(self, system: str):
        if system not in REQUIRED:
            raise ValueError(f"no messaging sandbox for {system!r}")
        self.system = system
        self._lock = threading.Lock()
        self._received: list[dict] = []
        self._by_key: dict[str, str] = {}
        self._ids = itertools.count(1)
        self.wsgi = self._app()

    def messages(self, to: str | None = None) -> list[dict]:
        """What was received, newest first; ``to`` keeps one recipient's."""
        with self._lock:
            return [dict(item) for item in reversed(self._received)
                    if to is None or item["to"] == to]

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.post("/v1/messages")(self._receive)
        return app

    def _receive(self) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _refuse("invalid_body", "a JSON object is expected")
        missing = [name for name in REQUIRED[self.system] if not body.get(name)]
        if missing:
            return _refuse("missing_fields", f"missing: {', '.join(missing)}")
        if self.system == "sms" and not E164.match(str(body["to"])):
            return _refuse("invalid_number", f"not an E.164 number: {body['to']!r}")
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            if key and key in self._by_key:
                return _json({"id": self._by_key[key], "replayed": True}, 202)
            message_id = f"{self.system}_{next(self._ids)}"
            if key:
                self._by_key[key] = message_id
            self._received.append({**body, "id": message_id, "idempotency_key": key,
                                   "received_at": wall_now().isoformat()})
        return _json({"id": message_id}, 202)

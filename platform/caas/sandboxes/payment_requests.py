"""How the payments sandbox reads a request: the merchant, the body, what makes two requests
the same one, and which gateway operation it asks for."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flask import Response, request
from werkzeug.exceptions import HTTPException

from caas.sandboxes.payment_records import Refusal

if TYPE_CHECKING:
    import httpx


def requesting_merchant() -> str:
    merchant = request.headers.get("X-Merchant")
    if not merchant:
        raise Refusal(400, "invalid_request", "the X-Merchant header is required")
    return merchant


def request_body() -> dict:
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refusal(400, "invalid_request", "the body must be a JSON object")
    return body


def request_fingerprint() -> tuple:
    raw = request.get_data()
    try:
        canonical = json.dumps(json.loads(raw or b"{}"), sort_keys=True)
    except ValueError:
        canonical = raw
    return request.path, canonical



def operation_of(method: str, path: str, body: bytes) -> str:
    """The gateway operation a request asks for: ``charge``, ``authorize``, ``capture``,
    ``void``, ``refund``, or ``lookup`` for every read."""
    if method != "POST":
        return "lookup"
    for suffix, operation in (("/capture", "capture"), ("/void", "void"), ("/refunds", "refund")):
        if path.endswith(suffix):
            return operation
    try:
        capture = json.loads(body or b"{}").get("capture", True)
    except (ValueError, AttributeError):
        capture = True
    return "authorize" if capture is False else "charge"


def request_operation(request: "httpx.Request") -> str:
    """:func:`operation_of` an outgoing httpx request (for the client-side faults)."""
    return operation_of(request.method, request.url.path, request.content)



def error_answer(exc: HTTPException) -> Response:
    code = exc.name.lower().replace(" ", "_")
    return Response(json.dumps({"error": {"code": code, "message": exc.description}}),
                    exc.code, mimetype="application/json")


"""Webhook signatures: ``X-CaaS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">``.

The same functions sign (the sandboxes, and any external system's test suite)
and verify (the platform's webhook receivers), so the two cannot drift apart.
"""
from __future__ import annotations

import hashlib
import hmac

from caas.clock import wall_time

from caas.i18n import lazy_gettext

HEADER = "X-CaaS-Signature"
#: A signature older (or newer) than this many seconds is refused as stale.
TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    """The signature is missing, malformed, wrong or stale; the message says which (a
    :class:`~caas.i18n.LazyText` fragment, English as ``str()``)."""


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value signing ``body`` at ``timestamp`` (now by default)."""
    timestamp = int(wall_time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(secret: str, body: bytes, header: str | None, *, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> None:
    """Check ``header`` against ``body``; raise :class:`BadSignature` unless it is valid and fresh."""
    if not header:
        raise BadSignature(lazy_gettext("missing signature"))
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise BadSignature(lazy_gettext("malformed signature: no timestamp")) from None
    candidates = parts.get("v1", [])
    if not candidates:
        raise BadSignature(lazy_gettext("malformed signature: no v1 digest"))
    now = wall_time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise BadSignature(lazy_gettext("stale signature"))
    expected = _digest(secret, timestamp, body)
    # Several v1 values are allowed so that a secret can be rolled over without downtime.
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise BadSignature(lazy_gettext("wrong signature"))

"""A form that charges or orders acts once, however often it is sent: a double click, a
reload of the answer, or Back and send again.

Such a form carries a one-time key (:class:`OnceField`), made when the page is drawn. The
first request with it claims the key before the view runs; any other is sent where the
first one went. While the first is still running (a double click), the second waits a
few seconds for it to finish, so both land on the same page; past that, it is sent to the
same page again (GET), which shows the outcome as it is then. A view's answer that is not
a redirect (the form shown again with its errors) releases the key: nothing was done, and
the form may be sent again.
"""
from __future__ import annotations

import functools
import hashlib
import re
import time
import uuid

from flask import g, redirect, request
from wtforms import HiddenField

from caas.entrypoints.web.pages import tenant_ctx

FIELD = "once"
#: How long a repeated request waits for the first one's answer, and how often it looks.
WAIT_SECONDS, POLL_SECONDS = 10.0, 0.2
_KEY = re.compile(r"^[0-9a-f]{32}$")


class OnceField(HiddenField):
    """The form's one-time key (new each time the form is drawn)."""

    def __init__(self, **kwargs):
        super().__init__(default=lambda: uuid.uuid4().hex, **kwargs)


def once(view):
    """Decorate a POST view (inside :func:`~caas.entrypoints.web.pages.signed_in`)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.form.get(FIELD, "")
        if not _KEY.match(key):
            return view(*args, **kwargs)  # the form's own validation refuses it
        owner, fingerprint = f"web:{g.web_actor.role}:{g.web_actor.id}", _fingerprint()
        with tenant_ctx().uow() as uow:
            claimed = uow.idempotency.reserve(owner, key, fingerprint)
            first = None if claimed else uow.idempotency.get(owner, key)
            uow.commit()
        if first is not None:
            if first["status_code"] is None and first["fingerprint"] == fingerprint:
                first = _finished(owner, key) or first
            location = (first["response"] or {}).get("location") if first["fingerprint"] == \
                fingerprint else None
            return redirect(location or request.path, 303)
        try:
            response = view(*args, **kwargs)
        except BaseException:
            _release(owner, key)
            raise
        with tenant_ctx().uow() as uow:
            if response.status_code in (302, 303):
                uow.idempotency.complete(owner, key, response.status_code,
                                         {"location": response.location})
            else:
                uow.idempotency.release(owner, key)
            uow.commit()
        return response
    return wrapper


def _finished(owner: str, key: str) -> dict | None:
    """The first request's stored answer, waited for a few seconds (a double click's second
    request arrives while the first is still charging): then both land on the same page."""
    for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
        time.sleep(POLL_SECONDS)
        with tenant_ctx().reader() as uow:
            first = uow.idempotency.get(owner, key)
        if first is None or first["status_code"] is not None:
            return first
    return None


def _fingerprint() -> str:
    return hashlib.sha256(f"{request.method} {request.path}".encode()).hexdigest()


def _release(owner: str, key: str) -> None:
    with tenant_ctx().uow() as uow:
        uow.idempotency.release(owner, key)
        uow.commit()

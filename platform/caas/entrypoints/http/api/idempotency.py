"""``Idempotency-Key``: a retried request gets the first answer instead of a second effect.

The key is claimed (committed) before the view runs, so a concurrent retry with
the same key is told the first is still running instead of running twice. An
answer of 5xx is not kept: nothing happened, and the client may retry with the key.
Nor is a :func:`provisional` answer (a payment whose outcome is being confirmed):
a retry runs again and reports the outcome as it is then.
"""
from __future__ import annotations

import functools
import hashlib
import re

from flask import g, jsonify, request

from caas.entrypoints.http.api import service_error_response
from caas.entrypoints.http.api.security import require_tenant, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer.errors import Conflict, Invalid, ServiceError

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
PARAMETER = {"in": "header", "name": HEADER, "required": False, "schema": {"type": "string"},
             "description": "Makes a retry safe: the same key and body replay the first answer; "
                            "the same key with another body is 409."}


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data())
    return digest.hexdigest()


def provisional() -> None:
    """Mark this request's answer as not final: its Idempotency-Key is released, not kept."""
    g.idempotency_provisional = True


def idempotent(view):
    """Decorate a view (inside its role check) that must run once per ``Idempotency-Key``."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise Invalid(lazy_gettext("Invalid Idempotency-Key."),
                          {HEADER: [lazy_gettext("1 to 255 visible ASCII characters.")]})
        tenant = require_tenant()
        owner = f"{g.actor.role}:{g.actor.id}"
        fingerprint = _fingerprint()
        with tenant_ctx().uow() as uow:
            claimed = uow.idempotency.reserve(owner, key, fingerprint)
            stored = None if claimed else uow.idempotency.get(owner, key)
            uow.commit()
        if stored is not None:
            return _replay(stored, fingerprint)
        try:
            response = view(*args, **kwargs)
        except ServiceError as error:
            response = service_error_response(error)
        except BaseException:
            _forget(tenant, owner, key)
            raise
        if response.status_code >= 500 or g.pop("idempotency_provisional", False):
            _forget(tenant, owner, key)
        else:
            with tenant_ctx().uow() as uow:
                uow.idempotency.complete(owner, key, response.status_code, response.get_json())
                uow.commit()
        return response
    return wrapper


def _replay(stored: dict, fingerprint: str):
    if stored["fingerprint"] != fingerprint:
        raise Conflict(lazy_gettext("This Idempotency-Key was used for a different request."))
    if stored["status_code"] is None:
        raise Conflict(lazy_gettext("A request with this Idempotency-Key is still being "
                                    "processed."))
    response = jsonify(stored["response"])
    response.status_code = stored["status_code"]
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _forget(tenant, owner: str, key: str) -> None:
    with tenant_ctx().uow() as uow:
        uow.idempotency.release(owner, key)
        uow.commit()

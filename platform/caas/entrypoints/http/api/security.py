"""Authentication and role checks for views."""
from __future__ import annotations

import functools

from flask import current_app, g, request

from caas.context import Actor, actor_var
from caas.i18n import lazy_gettext
from caas.service_layer.auth import authenticated
from caas.service_layer.errors import Forbidden, Unauthorized
from caas.tenancy import NoTenant, current_tenant_or_none

BEARER = [{"bearerAuth": []}]


def platform():
    return current_app.extensions["caas"]


def tenant_or_none():
    """The request's tenant (``X-Tenant``, or a webhook's path), if it names one."""
    return current_tenant_or_none()


def require_tenant():
    tenant = current_tenant_or_none()
    if tenant is None:
        raise NoTenant("no X-Tenant header")
    return tenant


def tenant_ctx():
    """What the request's use cases receive: its tenant, bound to the platform's ports."""
    if "tenant_ctx" not in g:
        g.tenant_ctx = platform().for_tenant(require_tenant())
    return g.tenant_ctx


def own_customer_id() -> int | None:
    """The caller's id when a customer, who sees only their own records; ``None`` for staff."""
    return g.actor.id if g.actor.role == "customer" else None


def authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(lazy_gettext("Missing bearer token."))
    actor, g.account = authenticated(platform(), token.strip(), tenant_or_none())
    g.actor = actor
    actor_var.set(actor)
    return actor


def roles(*allowed: str, tenant: bool = True):
    """Allow a view to the given roles; operators pass wherever admins do.

    :param tenant: the view acts in a tenant, so ``X-Tenant`` is required.
    """
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if tenant:
                require_tenant()
            actor = authenticate()
            permitted = actor.role in allowed or (actor.role == "operator" and "admin" in allowed)
            if not permitted:
                raise Forbidden(lazy_gettext("Your role may not do this."))
            return view(*args, **kwargs)
        return wrapper
    return decorator

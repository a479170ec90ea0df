"""The current tenant: resolved once per request or job, held in a context variable."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

from caas.domain.tenants import Tenant

_current: contextvars.ContextVar[Tenant | None] = contextvars.ContextVar("caas_tenant", default=None)


class NoTenant(RuntimeError):
    """Code that needs a tenant ran without one."""


class UnknownTenant(LookupError):
    def __init__(self, slug: str):
        super().__init__(f"unknown tenant {slug!r}")
        self.slug = slug


def current_tenant() -> Tenant:
    tenant = _current.get()
    if tenant is None:
        raise NoTenant("no tenant in this context")
    return tenant


def current_tenant_or_none() -> Tenant | None:
    return _current.get()


@contextmanager
def tenant_context(tenant: Tenant):
    """Run a block as ``tenant``; nested switches are refused to keep requests single-tenant."""
    active = _current.get()
    if active is not None and active.slug != tenant.slug:
        raise RuntimeError(f"already acting as tenant {active.slug!r}")
    token = _current.set(tenant)
    try:
        yield tenant
    finally:
        _current.reset(token)


def set_request_tenant(tenant: Tenant | None):
    return _current.set(tenant)


def reset_request_tenant(token) -> None:
    _current.reset(token)

"""Where a tenant's pages live: under ``/t/<slug>/`` on the embedded default, or on the host
``CAAS_WEB_HOST_PATTERN`` names (e.g. ``{tenant}.example.com``) in production."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, g, request

from caas.tenancy import UnknownTenant, set_request_tenant

PATH_PREFIX = "/t/<tenant>"
PLACEHOLDER = "{tenant}"


def host_pattern(pattern: str) -> re.Pattern:
    """``{tenant}.example.com`` → a regular expression capturing the slug of a host name."""
    before, _, after = pattern.lower().partition(PLACEHOLDER)
    return re.compile(f"^{re.escape(before)}(?P<tenant>[a-z0-9][a-z0-9-]*){re.escape(after)}$")


def by_host(app: Flask) -> bool:
    return bool(app.config.get("CAAS_WEB_HOST_PATTERN"))


def register(app: Flask, blp: Blueprint) -> None:
    """Mount the tenant's pages under the path prefix, or at the root of tenant hosts."""
    app.register_blueprint(blp, url_prefix="" if by_host(app) else PATH_PREFIX)


def slug_of_host() -> str | None:
    """The tenant the request's host name stands for, with a host pattern; else ``None``."""
    pattern = current_app.config.get("CAAS_WEB_HOST_PATTERN")
    if not pattern:
        return None
    found = host_pattern(pattern).match(request.host.partition(":")[0].lower())
    return found["tenant"] if found else None


def take_slug(_endpoint, values: dict | None) -> None:
    """Keep the path's tenant slug for :func:`enter_tenant` (views do not receive it)."""
    g.web_slug = (values or {}).pop("tenant", None)


def enter_tenant() -> None:
    """Resolve the page's tenant once (:class:`UnknownTenant` for none) and make it the
    request's, as ``X-Tenant`` does for the API (the request plumbing resets it)."""
    slug = g.get("web_slug") or slug_of_host()
    if not slug:
        raise UnknownTenant(request.host)
    g.web_tenant = current_app.extensions["caas"].tenant(slug)
    set_request_tenant(g.web_tenant)


def add_tenant(endpoint: str, values: dict) -> None:
    """``url_for`` of a page fills in the current tenant's slug in the path."""
    if "tenant" not in values and g.get("web_tenant") is not None and \
            current_app.url_map.is_endpoint_expecting(endpoint, "tenant"):
        values["tenant"] = g.web_tenant.slug


def page_address(tenant_slug: str, base_url: str) -> str:
    """The address of a tenant's sign-in page, for listings and the command line."""
    pattern = current_app.config.get("CAAS_WEB_HOST_PATTERN")
    if pattern:
        scheme = base_url.partition("://")[0] or "https"
        return f"{scheme}://{pattern.replace(PLACEHOLDER, tenant_slug)}/sign-in"
    return f"{base_url.rstrip('/')}/t/{tenant_slug}/sign-in"

"""Per-request plumbing: request id, tenant resolution, metrics, access log."""
from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request
from prometheus_client import Counter, Histogram

from caas.context import SYSTEM, actor_var, request_id_var
from caas.tenancy import current_tenant_or_none, reset_request_tenant, set_request_tenant

log = logging.getLogger("caas.access")
REQUESTS = Counter("caas_http_requests_total", "HTTP requests",
                   ["method", "endpoint", "tenant", "status"])
LATENCY = Histogram("caas_http_request_duration_seconds", "HTTP request latency",
                    ["endpoint", "tenant"],
                    buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def init_app(app: Flask) -> None:
    @app.before_request
    def enter_request():
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.context_tokens = [request_id_var.set(g.request_id), actor_var.set(SYSTEM)]
        slug = request.headers.get("X-Tenant")
        g.tenant_token = set_request_tenant(
            app.extensions["caas"].tenant(slug.strip()) if slug and slug.strip() else None)

    @app.after_request
    def leave_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        acting_for = current_tenant_or_none()
        tenant = acting_for.slug if acting_for else "-"
        if "started" in g:
            elapsed = time.perf_counter() - g.started
            LATENCY.labels(endpoint, tenant).observe(elapsed)
            log.info("request", extra={"method": request.method, "path": request.path,
                                       "status": response.status_code,
                                       "duration_ms": round(elapsed * 1000, 2)})
        REQUESTS.labels(request.method, endpoint, tenant, str(response.status_code)).inc()
        actor = g.get("actor")
        if actor and actor.role == "operator" and acting_for:
            _audit_operator_action(app, acting_for.slug, response.status_code)
        return response

    @app.teardown_request
    def exit_request(_error):
        if "tenant_token" in g:
            reset_request_tenant(g.pop("tenant_token"))
        for token in reversed(g.pop("context_tokens", [])):
            token.var.reset(token)


def _audit_operator_action(app: Flask, slug: str, status: int) -> None:
    """Operators act across tenants; each of their calls is recorded in the tenant's log."""
    try:
        with app.extensions["caas"].tenant_uow(slug) as uow:
            uow.audit.record("operator.request", "request", None,
                             after={"method": request.method, "path": request.path,
                                    "status": status})
            uow.commit()
    except Exception:
        log.exception("could not audit an operator action")

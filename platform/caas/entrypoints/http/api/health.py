"""Operations endpoints: liveness, readiness, Prometheus metrics."""
import os

import sqlalchemy as sa
from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from caas.adapters.sql.tenants import TenantRepository
from caas.entrypoints.http.api import error_response
from caas.i18n import lazy_gettext

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    return {"status": "ok"}


@blp.get("/readyz")
def readyz():
    """Ready when the control plane, a tenant database and the broker answer."""
    platform = current_app.extensions["caas"]
    checks = {}

    def probe(name, check):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"failed: {type(exc).__name__}"

    def control():
        with platform.control_reader() as conn:
            conn.execute(sa.text("SELECT 1"))

    def tenant():
        with platform.control_reader() as conn:
            sample = TenantRepository(conn).any_active()
        if sample is not None:
            with platform.tenant_reader(sample.slug) as conn:
                conn.execute(sa.text("SELECT 1"))

    from caas.entrypoints.worker.broker import ping
    probe("control_plane", control)
    probe("tenant_database", tenant)
    probe("broker", lambda: ping(current_app.extensions["caas_broker"]))
    if all(value == "ok" for value in checks.values()):
        return {"status": "ready", "checks": checks}
    response = error_response(503, lazy_gettext("Not ready."), checks)
    return response


@blp.get("/metrics")
def metrics():
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        from prometheus_client import multiprocess
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

"""Passes over every active tenant: the relay, the sweeper, reconciliation, schedules.

Each only queues or re-sends work; the workers do it.
"""
from __future__ import annotations

from caas.service_layer import activation, maintenance, reconciliation
from caas.service_layer.billing import runs
from caas.tenancy import tenant_context


def _active(platform, slugs=None):
    return [tenant for tenant in platform.tenants()
            if tenant.status == "active" and (slugs is None or tenant.slug in slugs)]


def relay(platform, older_than_seconds: int = 5) -> int:
    """Re-send every tenant's unfinished outbox jobs; returns how many were sent.

    Covers a crash between commit and dispatch, a broker that was down, and a
    worker that died holding a job. Running it while jobs are in flight is safe:
    a job runs to completion once.
    """
    sent = 0
    lease = platform.config["CAAS_OUTBOX_LEASE_SECONDS"]
    for tenant in _active(platform):
        with platform.tenant_uow(tenant.slug) as uow:
            pending = uow.outbox.pending(older_than_seconds, lease)
        if pending:
            platform.send_jobs(tenant.slug, pending)
            sent += len(pending)
    return sent


def _queue(platform, task: str, payload: dict, slugs=None) -> int:
    """One ``task`` job per active tenant (or per tenant of ``slugs``); returns how many."""
    tenants = _active(platform, slugs)
    for tenant in tenants:
        with platform.tenant_uow(tenant.slug) as uow:
            uow.outbox.add(task, payload)
            uow.commit()
    return len(tenants)


def billing_tick(platform, trigger: str = "schedule", slugs: list[str] | None = None) -> int:
    """Queue one billing check per active tenant (or per tenant of ``slugs``)."""
    return _queue(platform, runs.DUE, {"trigger": trigger}, slugs)


def schedule_reminders(platform, slugs=None) -> int:
    """Queue the maintenance reminders of every active tenant (or of those in ``slugs``),
    one job each; returns how many."""
    return _queue(platform, maintenance.REMIND, {}, slugs)


def reconcile_payments(platform) -> int:
    """One reconciliation pass over every active tenant; returns how many movements were
    looked at."""
    looked = 0
    for tenant in _active(platform):
        with tenant_context(tenant):
            looked += sum(reconciliation.reconcile(platform.for_tenant(tenant)).values())
    return looked


def sweep(platform) -> int:
    """Every tenant's activations whose next step is overdue, sent again; returns how many."""
    found = 0
    for tenant in _active(platform):
        with tenant_context(tenant):
            found += activation.sweep(platform.for_tenant(tenant))
    return found

"""Outbox task handlers, and the relay that hands outbox rows to the broker."""
from __future__ import annotations

import logging
import traceback
from typing import Callable

from flask import current_app

from caas.adapters.sql.repositories import OutboxRepository, PluginEvents
from caas.domain.billing import Period
from caas.service_layer import (activation, deactivation, factory, reconciliation, registration,
                                service_payments, settlements)
from caas.service_layer.billing import charging, credit_notes, runs, subscriptions
from caas.tenancy import current_tenant

log = logging.getLogger(__name__)
# Handlers get the job's payload and a stable job key ("<tenant>.<outbox id>"), the same
# on every attempt, for receivers that deduplicate (e.g. an email's Message-ID).
HANDLERS: dict[str, Callable[[dict, str], None]] = {}


def handler(name: str):
    def register(function):
        HANDLERS[name] = function
        return function
    return register


def current_platform():
    return current_app.extensions["caas"]


def current_context():
    """The job's tenant, bound to the platform's ports: what its use case receives."""
    return current_platform().for_tenant(current_tenant())


def run(outbox_id: int) -> None:
    """Claim, run and complete one outbox job; a finished or claimed job is skipped.

    Claiming and finishing are single statements, each committed on its own.
    """
    platform = current_platform()
    slug = current_tenant().slug
    with platform.tenant_writer(slug) as conn:
        row = OutboxRepository(conn).claim(outbox_id, platform.config["CAAS_OUTBOX_LEASE_SECONDS"])
    if row is None:
        return
    try:
        payload = dict(row.payload)
        HANDLERS[row.task](payload, f"{slug}.{outbox_id}")
    except Exception as exc:
        _failed(platform, slug, row, payload, "".join(traceback.format_exception_only(exc)))
        return
    with platform.tenant_writer(slug) as conn:
        OutboxRepository(conn).complete(outbox_id, payload)


def _failed(platform, slug: str, row, payload: dict, error: str) -> None:
    """Retry the job after a backoff counted from its attempts in the database, or give up.

    The retry is a delayed message rather than the broker's own retry, so that the
    attempts, the due time and the error are where the relay and staff can see them.
    """
    with platform.tenant_writer(slug) as conn:
        if row.attempts >= platform.config["CAAS_OUTBOX_MAX_ATTEMPTS"]:
            OutboxRepository(conn).give_up(row.id, payload, error)
            log.error("outbox job abandoned after %s attempts", row.attempts,
                      extra={"outbox_id": row.id, "task": row.task})
            return
        delay = platform.job_retry_delay(row.attempts)
        OutboxRepository(conn).release(row.id, error, delay)
    log.warning("outbox job failed (attempt %s); retrying in %.1f s: %s", row.attempts, delay,
                error.strip(), extra={"outbox_id": row.id, "task": row.task})
    platform.send_jobs(slug, [row.id], delay)


@handler(PluginEvents.TASK)
def plugin_event(payload: dict, job_key: str) -> None:
    # Plugin failures are logged with the plugin's name and not retried: the
    # change they react to is committed and other plugins have had their call.
    current_platform().plugins.call_each(payload["hook"], **payload["kwargs"])


@handler(factory.PLACE)
def place_factory_order(payload: dict, job_key: str) -> None:
    # Raises while the factory is unavailable: the broker retries with backoff.
    factory.place(current_context(), payload["order_id"])


@handler(factory.CANCEL)
def cancel_factory_order(payload: dict, job_key: str) -> None:
    factory.cancel(current_context(), payload["factory_order_id"])


@handler(registration.REGISTER)
def register_vehicle(payload: dict, job_key: str) -> None:
    registration.register_queued(current_context(), payload["order_id"])


@handler(activation.ACTIVATE)
def activate_service(payload: dict, job_key: str) -> None:
    activation.run_attempt(current_context(), payload["service_id"])


def retry_activation(service_id: int) -> None:
    activation.run_attempt(current_context(), service_id)


@handler(service_payments.PAY)
def service_payment(payload: dict, job_key: str) -> None:
    # Raises while the gateway is unavailable: retried, with the same idempotency key.
    service_payments.settle_payment(current_context(), payload["service_id"],
                                    payload["action"], payload.get("amount_minor"))


@handler(settlements.REFUND_ORPHAN)
def refund_orphan_charge(payload: dict, job_key: str) -> None:
    # Raises while the gateway is unavailable: retried, with the same idempotency key.
    settlements.refund_orphan(current_context(), payload["payment_id"])


@handler(deactivation.DEACTIVATE)
def deactivate_service(payload: dict, job_key: str) -> None:
    deactivation.deactivate(current_context(), payload["service_id"])


# --- month-end billing (see caas.service_layer.billing) --------------------------------

@handler(charging.RECEIPTS)
def send_receipts(payload: dict, job_key: str) -> None:
    charging.send_receipts(current_context(), payload["invoice_ids"])


@handler(credit_notes.REFUND)
def refund_credit_note(payload: dict, job_key: str) -> None:
    credit_notes.refund_credit_note(current_context(), payload["credit_note_id"])


def bill_due_periods(trigger: str) -> int:
    """Plan a run of every month the tenant's clock has closed (its batches queued with it),
    end what is due, and look up unanswered charges; returns how many batches."""
    ctx = current_context()
    deactivation.expire(ctx)
    subscriptions.remind_trials(ctx)
    batches = 0
    for period in runs.due_periods(ctx):
        batches += len(runs.plan_run(ctx, period, trigger=trigger, queue=True).batches)
    charging.reconcile(ctx)
    return batches


@handler(runs.BILL_BATCH)
def bill_batch(payload: dict, job_key: str) -> None:
    runs.bill_batch(current_context(), payload["run_id"],
                    Period.parse(payload["period"]), payload["customer_ids"])


def billing_tick(platform, trigger: str = "schedule", slugs: list[str] | None = None) -> int:
    """Fan out one billing check per active tenant (or per tenant of ``slugs``)."""
    from caas.entrypoints.worker.actors import bill_due
    if slugs is None:
        slugs = [tenant.slug for tenant in platform.tenants() if tenant.status == "active"]
    for slug in slugs:
        bill_due.send_with_options(args=(trigger,), tenant=slug)
    return len(slugs)


def schedule_activation(tenant_slug: str, service_id: int, delay_seconds: float) -> None:
    """Send an activation attempt to the broker, due after ``delay_seconds``."""
    from caas.entrypoints.worker.actors import retry_activation as actor
    actor.send_with_options(args=(service_id,), delay=int(delay_seconds * 1000),
                            tenant=tenant_slug)


def dispatch(tenant_slug: str, outbox_ids: list[int], delay_seconds: float = 0) -> None:
    """Send outbox jobs to the broker, stamped with their tenant, due after ``delay_seconds``."""
    from caas.entrypoints.worker.actors import run_outbox_task
    delay = int(delay_seconds * 1000) or None
    for outbox_id in outbox_ids:
        run_outbox_task.send_with_options(args=(outbox_id,), delay=delay, tenant=tenant_slug)


def relay(platform, older_than_seconds: int = 5) -> int:
    """Re-send every tenant's unfinished outbox jobs; returns how many were sent.

    Covers a crash between commit and dispatch, a broker that was down, and a
    worker that died holding a job. Running it while jobs are in flight is safe:
    a job runs to completion once.
    """
    sent = 0
    lease = platform.config["CAAS_OUTBOX_LEASE_SECONDS"]
    for tenant in platform.tenants():
        if tenant.status != "active":
            continue
        with platform.tenant_uow(tenant.slug) as uow:
            pending = uow.outbox.pending(older_than_seconds, lease)
        if pending:
            dispatch(tenant.slug, pending)
            sent += len(pending)
    return sent


def reconcile_payments(platform) -> int:
    """One reconciliation pass over every active tenant; returns how many movements were
    looked at."""
    from caas.tenancy import tenant_context
    looked = 0
    for tenant in platform.tenants():
        if tenant.status == "active":
            with tenant_context(tenant):
                looked += sum(reconciliation.reconcile(platform.for_tenant(tenant)).values())
    return looked


def sweep(platform) -> int:
    """Every tenant's activations whose next step is overdue, sent again; returns how many."""
    from caas.tenancy import tenant_context
    found = 0
    for tenant in platform.tenants():
        if tenant.status == "active":
            with tenant_context(tenant):
                found += activation.sweep(platform.for_tenant(tenant))
    return found

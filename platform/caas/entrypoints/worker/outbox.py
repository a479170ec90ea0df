"""Runs outbox jobs: claim, run the registered task's use case, complete or retry."""
from __future__ import annotations

import logging
import traceback

from flask import current_app

from caas.adapters.sql.repositories import OutboxRepository
from caas.entrypoints.worker.tasks import REGISTRY
from caas.service_layer import activation
from caas.tenancy import current_tenant

log = logging.getLogger(__name__)


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
    task = REGISTRY[row.task]
    try:
        payload = dict(row.payload)
        task.run(current_context(), payload, f"{slug}.{outbox_id}")
    except Exception as exc:
        _failed(platform, slug, row, task.max_attempts, payload,
                "".join(traceback.format_exception_only(exc)))
        return
    with platform.tenant_writer(slug) as conn:
        OutboxRepository(conn).complete(outbox_id, payload)


def _failed(platform, slug: str, row, max_attempts: int | None, payload: dict,
            error: str) -> None:
    """Retry the job after a backoff counted from its attempts in the database, or give up.

    The retry is a delayed message rather than the broker's own retry, so that the
    attempts, the due time and the error are where the relay and staff can see them.
    """
    with platform.tenant_writer(slug) as conn:
        if row.attempts >= (max_attempts or platform.config["CAAS_OUTBOX_MAX_ATTEMPTS"]):
            OutboxRepository(conn).give_up(row.id, payload, error)
            log.error("outbox job abandoned after %s attempts", row.attempts,
                      extra={"outbox_id": row.id, "task": row.task})
            return
        delay = platform.job_retry_delay(row.attempts)
        OutboxRepository(conn).release(row.id, error, delay)
    log.warning("outbox job failed (attempt %s); retrying in %.1f s: %s", row.attempts, delay,
                error.strip(), extra={"outbox_id": row.id, "task": row.task})
    platform.send_jobs(slug, [row.id], delay)


def run_activation_attempt(service_id: int) -> None:
    activation.run_attempt(current_context(), service_id)

"""Background tasks, each declared once next to its use case (a module's ``TASKS``).

A task is an outbox job: written in the transaction that calls for it, run by a worker
after commit, and retried by the outbox alone — the attempts, the next due time and the
last error are rows staff can see. The worker reads every module's ``TASKS`` through
:mod:`caas.entrypoints.worker.tasks`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Task:
    """One kind of background job.

    :param name: the name outbox rows carry; stable, since queued rows outlive a release.
    :param handler: the use case, called with the tenant's context and the job's payload
        as keyword arguments. It raises to have the job retried.
    :param takes_job_key: the handler also receives ``job_key``, the same on every attempt
        ("<tenant>.<outbox id>"), for receivers that deduplicate (an email's Message-ID).
    :param max_attempts: attempts before the job is abandoned; ``None`` for the platform's
        ``CAAS_OUTBOX_MAX_ATTEMPTS``.
    """

    name: str
    handler: Callable[..., Any]
    takes_job_key: bool = False
    max_attempts: int | None = None

    def run(self, ctx, payload: dict, job_key: str) -> None:
        extra = {"job_key": job_key} if self.takes_job_key else {}
        self.handler(ctx, **payload, **extra)

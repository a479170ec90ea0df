"""A tenant's health at a glance, for the operator: its database's schema, its background
jobs, its open support tickets and its clock."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caas.clock import wall_now
from caas.domain.tenants import Tenant
from caas.service_layer.ports import ControlPlane
from caas.tenancy import tenant_context


@dataclass(frozen=True)
class Jobs:
    """The tenant's outbox: unfinished jobs (``pending``) and when the oldest was queued,
    those being retried after a failure, and those given up on."""

    pending: int
    oldest_at: datetime | None
    retrying: int
    abandoned: int


@dataclass(frozen=True)
class TenantHealth:
    tenant: Tenant
    #: The migration revision its database is at (``None``: never migrated), and the latest.
    revision: str | None
    head: str
    jobs: Jobs
    open_tickets: int
    #: The tenant's business time, and how far it is ahead of the real time (a test clock,
    #: in sandbox mode).
    clock: datetime
    clock_ahead_seconds: float
    sandbox: bool

    @property
    def at_head(self) -> bool:
        return self.revision == self.head

    @property
    def failing(self) -> bool:
        """Whether something needs the operator's look."""
        return not self.at_head or bool(self.jobs.retrying or self.jobs.abandoned)


def health(platform: ControlPlane, slug: str) -> TenantHealth:
    """How tenant ``slug`` is doing.

    :raises UnknownTenant: no active tenant has this slug.
    """
    tenant = platform.tenant(slug)
    revision, head = platform.schema_revision(slug)
    ctx = platform.for_tenant(tenant)
    with tenant_context(tenant), ctx.reader() as uow:
        jobs = Jobs(**uow.outbox.backlog())
        open_tickets = uow.tickets.unresolved()
    now = ctx.now()
    return TenantHealth(tenant=tenant, revision=revision, head=head, jobs=jobs,
                        open_tickets=open_tickets, clock=now,
                        clock_ahead_seconds=max((now - wall_now()).total_seconds(), 0.0),
                        sandbox=bool(platform.config["CAAS_SANDBOX"]))

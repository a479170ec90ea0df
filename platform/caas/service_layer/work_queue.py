"""The dealership's work queue: the orders waiting for staff, grouped by what they wait for.

A registering order waits for nobody while the authority answers; it joins the queue once its
registration is late (the spec's "escalate after timeout"): escalated to staff (a refusal, or
failures past ``CAAS_REGISTRATION_ESCALATE_SECONDS``), or registering longer than that.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from caas.domain.orders import Order, Status
from caas.service_layer.context import TenantContext

#: What staff do next, and the statuses of the orders waiting for it.
GROUPS: dict[str, tuple[Status, ...]] = {
    "reservation_unpaid": (Status.CREATED,),
    "final_payment_due": (Status.VEHICLE_READY, Status.PENDING_FINAL_PAYMENT),
    # Registered orders go on their way at once; at the dealership, the customer collects.
    "delivery_due": (Status.REGISTERED, Status.IN_TRANSIT, Status.AT_DEALERSHIP),
    "registration_delayed": (Status.REGISTERING,),
}
#: The counts' key of the late registrations (the registering status counts them all).
DELAYED = "registration_delayed"


@dataclass(frozen=True)
class Counts:
    """How many orders each group and each status has (a group: only those waiting)."""

    groups: dict[str, int]
    statuses: dict[str, int]

    @property
    def waiting(self) -> int:
        return sum(self.groups.values())

    @property
    def orders(self) -> int:
        return sum(self.statuses.values())


def registration_due(ctx: TenantContext, now: datetime) -> datetime:
    """Registering since before this is late."""
    return now - timedelta(seconds=ctx.settings["CAAS_REGISTRATION_ESCALATE_SECONDS"])


def counts(ctx: TenantContext) -> Counts:
    """Every group's and status's count, however many orders (two counting queries)."""
    with ctx.reader() as uow:
        return _counts(uow, registration_due(ctx, uow.now()))


def _counts(uow, due: datetime) -> Counts:
    statuses, late = uow.orders.status_counts(due)
    groups = {name: sum(statuses.get(status.value, 0) for status in members)
              for name, members in GROUPS.items() if name != DELAYED}
    return Counts(dict(groups, **{DELAYED: late}),
                  {status.value: statuses.get(status.value, 0) for status in Status})


def queue(ctx: TenantContext, offset: int, limit: int,
          group: str | None = None) -> tuple[Counts, list[Order]]:
    """The counts, and a page of the orders waiting for staff (of one group, or of all),
    newest first, read together.

    :raises KeyError: ``group`` is not one of :data:`GROUPS`.
    """
    members = GROUPS[group] if group else tuple(s for each in GROUPS.values() for s in each)
    with ctx.reader() as uow:
        due = registration_due(ctx, uow.now())
        return _counts(uow, due), uow.orders.waiting(
            offset, limit, [status.value for status in members], due)


def waiting_page(ctx: TenantContext, offset: int, limit: int,
                 group: str | None = None) -> tuple[list[Order], int]:
    """A page of the orders waiting for staff, and how many wait (see :func:`queue`)."""
    found, orders = queue(ctx, offset, limit, group)
    return orders, found.groups[group] if group else found.waiting

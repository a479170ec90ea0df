"""Ordering vehicles from the factory and following its manufacturing reports.

Placement is tried at once, in the request that paid the reservation; the job
that would retry it is already in the outbox, held, so that if the factory is
down (or the process dies) the order is queued, never lost. The factory API is
idempotent by our order reference: a retry cannot build a second vehicle.
"""
from __future__ import annotations

import logging

from caas.adapters.http.factory import FactoryRejected, FactoryUnavailable
from caas.domain.orders import Order, Status, Vehicle
from caas.i18n import lazy_gettext
from caas.service_layer import orders as order_service
from caas.service_layer.errors import Invalid, NotFound
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
PLACE = "place_factory_order"
CANCEL = "cancel_factory_order"


def queue_placement(uow, order: Order) -> int:
    """Write the placement job, held for :func:`place_now` to run first."""
    return uow.outbox.add(PLACE, {"order_id": order.id}, hold=True)


def place_now(ctx: TenantContext, order_id: int, job: int) -> None:
    """Place the order right away; if the factory is unavailable, queue it and tell the customer."""
    try:
        place(ctx, order_id)
    except FactoryUnavailable as exc:
        delay = ctx.jobs.retry_delay(1)
        with ctx.uow() as uow:
            uow.outbox.release(job, f"factory unavailable: {exc}", delay)
            order_service.notify(uow, ctx.tenant, uow.orders.get(order_id), "factory_delayed")
            uow.commit()
        log.warning("factory unavailable; order queued", extra={"order_id": order_id})
        ctx.jobs.send([job], delay)
        return
    with ctx.uow() as uow:
        uow.outbox.complete(job, {"order_id": order_id})
        uow.commit()


def place(ctx: TenantContext, order_id: int) -> None:
    """Place the order with the factory unless that is done; the queued job runs this too.

    :raises FactoryUnavailable: for the job to retry later, with backoff.
    """
    order = order_service.read(ctx, order_id)
    if order is None or order.status is not Status.RESERVED:
        return  # placed already, or given a stock vehicle meanwhile
    client = ctx.gateways.factory
    try:
        placed = client.place_order(reference=order.reference, model=order.model,
                                    options=order.options,
                                    customer={"name": order.owner["name"], "country": ctx.tenant.country})
    except FactoryRejected as exc:
        with ctx.uow() as uow:
            uow.tickets.open("factory_rejected", f"The factory refused order {order.reference}",
                             {"error": str(exc), "code": exc.code}, order_id=order.id,
                             customer_id=order.customer_id)
            uow.commit()
        log.error("factory refused an order", extra={"order_id": order_id})
        return
    with ctx.uow() as uow, order_service.transitions():
        order = order_service.load(uow, order_id)
        if order.status is not Status.RESERVED:
            # A stock vehicle was assigned while the factory answered: undo the factory order.
            uow.outbox.add(CANCEL, {"factory_order_id": placed.id})
        else:
            order.factory_order_id = placed.id
            order.estimated_date = placed.estimated_date
            order.move_to(Status.FACTORY_ORDERED, f"factory order {placed.id}")
            order_service.save(uow, ctx.tenant, order)
        uow.commit()


def cancel(ctx: TenantContext, factory_order_id: str) -> None:
    """Cancel a factory order the customer no longer needs (they took a stock vehicle)."""
    try:
        ctx.gateways.factory.cancel(factory_order_id)
    except FactoryRejected as exc:
        # Too late (already built): the vehicle will arrive as stock through the READY report.
        log.warning("factory order not cancelled: %s", exc)


# --- manufacturing reports (webhook) ----------------------------------------

def receive_factory_event(ctx: TenantContext, event: dict) -> str:
    """Apply the factory's report once; late, repeated and out-of-order reports are harmless.

    :returns: what was done, for the webhook's answer.
    :raises NotFound: no order has this factory order id (yet); the factory retries.
    """
    with ctx.uow() as uow, order_service.transitions():
        if uow.webhooks.seen("factory", event["event_id"]):
            return "duplicate"
        order = uow.orders.by_factory_order(event["order_id"])
        if order is None:
            raise NotFound(lazy_gettext("Factory order '%(id)s' is unknown.",
                                        id=event["order_id"]))
        vin = event.get("vin")
        if event["status"] == "READY":
            if not vin:
                raise Invalid(lazy_gettext("A READY report needs the VIN."),
                              {"vin": [lazy_gettext("Missing.")]})
            outcome = _vehicle_ready(uow, order, vin)
        elif order.apply_factory_status(event["status"], vin):
            outcome = f"order {order.status.value}"
        else:
            outcome = f"stale: order is {order.status.value}"
        if order.pending:
            order_service.save(uow, ctx.tenant, order)
        if not uow.webhooks.record("factory", event["event_id"], event, outcome):
            return "duplicate"
        uow.commit()
    return outcome


def _vehicle_ready(uow, order: Order, vin: str) -> str:
    if order.status in (Status.FACTORY_ORDERED, Status.MANUFACTURING):
        order.apply_factory_status("READY", vin)
        uow.vehicles.add(Vehicle(vin=vin, model=order.model, order_id=order.id))
        return f"order {order.status.value}"
    if uow.vehicles.get(vin) is None:
        # The order took a stock vehicle meanwhile: this one is built all the same, for sale.
        uow.vehicles.add(Vehicle(vin=vin, model=order.model, status=Vehicle.UNASSIGNED))
        return "vehicle added to stock"
    return f"stale: order is {order.status.value}"


TASKS = (Task(PLACE, place), Task(CANCEL, cancel))

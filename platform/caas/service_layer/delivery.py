"""After registration: delivery or return to the dealership, stock vehicles, linking the app."""
from __future__ import annotations

from caas.domain.orders import Order, Status, Vehicle
from caas.i18n import lazy_gettext
from caas.service_layer import factory
from caas.service_layer import orders as order_service
from caas.service_layer.errors import Conflict, Invalid, NotFound
from caas.service_layer.context import TenantContext

LINKED_ELSEWHERE = lazy_gettext("This vehicle is already linked to another account.")

OUTCOMES = {"delivered": Status.DELIVERED, "customer_absent": Status.AT_DEALERSHIP}
#: Where a delivery run and a pickup start from.
DELIVERY_FROM, PICKUP_FROM = Status.IN_TRANSIT, Status.AT_DEALERSHIP


def _hand_over(ctx: TenantContext, order_id: int, source: Status,
               target: Status, note: str, *, action: str, outcome: str) -> None:
    """Move the order from ``source`` to ``target`` and audit it as ``action`` with ``outcome``."""
    with ctx.uow() as uow, order_service.transitions():
        order = order_service.load(uow, order_id)
        # A delivery run starts from transit, a pickup from the dealership: not one for the other.
        order.require(source, action=target.value)
        order.move_to(target, note)
        if target is Status.DELIVERED:
            vehicle = uow.vehicles.get(order.vin)
            vehicle.status = "delivered"
            uow.vehicles.save(vehicle)
        order_service.save(uow, ctx.tenant, order)
        uow.audit.record(action, "order", order.id, before={"status": source.value},
                         after={"status": target.value, "outcome": outcome, "vin": order.vin})
        uow.commit()


def record_delivery(ctx: TenantContext, order_id: int, outcome: str) -> None:
    """The vehicle reached the customer, or went back to the dealership (never left unattended)."""
    note = ("handed over to the customer" if outcome == "delivered"
            else "customer absent; vehicle returned to the dealership")
    _hand_over(ctx, order_id, DELIVERY_FROM, OUTCOMES[outcome], note,
               action="order.delivery", outcome=outcome)


def record_pickup(ctx: TenantContext, order_id: int) -> None:
    _hand_over(ctx, order_id, PICKUP_FROM, Status.DELIVERED,
               "collected at the dealership", action="order.pickup", outcome="collected")


def stock_page(ctx: TenantContext, offset: int, limit: int,
               model: str | None = None):
    with ctx.uow() as uow:
        return uow.vehicles.stock(offset, limit, model)


def orders_awaiting(ctx: TenantContext, models: list[str]) -> dict[str, list[Order]]:
    """Per model, the orders :func:`assign_stock` would give a vehicle of it to, oldest first."""
    waiting: dict[str, list[Order]] = {model: [] for model in models}
    with ctx.reader() as uow:
        for order in uow.orders.awaiting_vehicle(list(models)):
            waiting[order.model].append(order)
    return waiting


def assign_stock(ctx: TenantContext, vin: str, order_id: int) -> None:
    """Give an unassigned vehicle to an order still waiting for one, of the same model.

    The order's own factory order, if any, is cancelled (in the background).
    """
    with ctx.uow() as uow, order_service.transitions():
        vehicle = uow.vehicles.get(vin)
        if vehicle is None or vehicle.status != Vehicle.UNASSIGNED:
            raise NotFound(lazy_gettext("No unassigned vehicle %(vin)s in stock.", vin=vin))
        order = order_service.load(uow, order_id)
        if order.model != vehicle.model:
            raise Invalid(lazy_gettext("The vehicle is another model."), {"order_id": [
                lazy_gettext("Order %(reference)s is for %(model)s, the vehicle is a %(other)s.",
                             reference=order.reference, model=order.model,
                             other=vehicle.model)]})
        order.assign_vehicle(vin, "assigned from stock")
        if not uow.vehicles.claim_from_stock(vin, order.id):
            raise Conflict(lazy_gettext("Vehicle %(vin)s was just assigned to another order.",
                                        vin=vin))
        if order.factory_order_id:
            uow.outbox.add(factory.CANCEL, {"factory_order_id": order.factory_order_id})
        order_service.save(uow, ctx.tenant, order,
                           notices={Status.PENDING_FINAL_PAYMENT: "vehicle_assigned"})
        uow.audit.record("vehicle.assigned", "vehicle", vin, after={"order": order.reference})
        uow.commit()


def link_vehicle(ctx: TenantContext, customer_id: int, vin: str) -> Vehicle:
    """Bind the customer's mobile app to their delivered vehicle; one vehicle, one account."""
    with ctx.uow() as uow, order_service.transitions():
        vehicle = uow.vehicles.get(vin)
        order = uow.orders.get(vehicle.order_id) if vehicle and vehicle.order_id else None
        # Someone else's vehicle looks the same as no vehicle: VINs are not to be probed.
        if order is None or order.customer_id != customer_id:
            raise NotFound(lazy_gettext("Vehicle %(vin)s not found among your vehicles.",
                                        vin=vin))
        if vehicle.linked_user_id not in (None, customer_id):
            raise Conflict(LINKED_ELSEWHERE)
        if order.status is Status.DELIVERED:
            order.move_to(Status.OPERATIONAL, "mobile app linked")
        elif order.status is not Status.OPERATIONAL:
            raise Conflict(lazy_gettext("The vehicle can be linked once delivered; the order is "
                                        "%(status)s.", status=order.status.value),
                           current_status=order.status.value)
        if not uow.vehicles.link(vin, customer_id):
            raise Conflict(LINKED_ELSEWHERE)
        order_service.save(uow, ctx.tenant, order)
        if vehicle.linked_user_id is None:  # linking again from the same account changes nothing
            uow.audit.record("vehicle.linked", "vehicle", vin,
                             before={"vin": vin, "user_id": None},
                             after={"vin": vin, "user_id": customer_id, "order_id": order.id})
        uow.commit()
        return uow.vehicles.get(vin)

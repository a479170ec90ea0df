"""What every use case on an order shares: loading it, saving its transitions, telling the customer."""
from __future__ import annotations

from contextlib import contextmanager

from caas.service_layer.unit_of_work import StaleOrder
from caas.domain.orders import IllegalTransition, Order, Status
from caas.domain.tenants import Tenant
from caas.i18n import N_, LazyText, lazy_gettext
from caas.service_layer import notifications
from caas.service_layer.errors import Conflict, NotFound
from caas.service_layer.context import TenantContext

#: The customer notice each status brings, by event name (``messages.order_update_message``).
NOTICES = {
    Status.FACTORY_ORDERED: "factory_ordered",
    Status.MANUFACTURING: "manufacturing",
    Status.PENDING_FINAL_PAYMENT: "vehicle_ready",
    Status.REGISTERING: "final_payment_received",
    Status.IN_TRANSIT: "registered",
    Status.AT_DEALERSHIP: "at_dealership",
    Status.DELIVERED: "delivered",
    Status.CANCELLED: "final_payment_failed",
}


#: The steps an order may be refused (``Order.require``'s actions), in the reader's language.
ACTIONS = {
    "reservation payment": N_("The order is %(status)s; it cannot take the reservation "
                              "payment."),
    "final payment": N_("The order is %(status)s; it cannot take the final payment."),
    "registration": N_("The order is %(status)s; it cannot be registered."),
}


@contextmanager
def transitions():
    """Turn a refused or lost-race transition into a 409 that names the order's status."""
    try:
        yield
    except IllegalTransition as exc:
        status = exc.current.value
        message = (LazyText(ACTIONS[exc.target], status=status) if exc.target in ACTIONS
                   else lazy_gettext("The order is %(status)s; it cannot go to %(target)s.",
                                     status=status, target=getattr(exc.target, "value",
                                                                   exc.target)))
        raise Conflict(message, current_status=status) from None
    except StaleOrder:
        raise Conflict(lazy_gettext("The order was changed by someone else meanwhile; reload it "
                                    "and retry."))


def load(uow, order_id: int, customer_id: int | None = None) -> Order:
    """The order ``order_id``; with ``customer_id``, only if it is that customer's (else 404)."""
    order = uow.orders.get(order_id)
    if order is None or (customer_id is not None and order.customer_id != customer_id):
        raise NotFound(lazy_gettext("Order %(id)s not found.", id=order_id))
    return order


def read(ctx: TenantContext, order_id: int) -> Order | None:
    """The order as it is now, read outside any transaction."""
    with ctx.reader() as uow:
        return uow.orders.get(order_id)


def notify(uow, tenant: Tenant, order: Order, event: str, **context) -> None:
    """Tell the customer about ``event`` on the channels its routing gives, after commit."""
    notifications.order_notice(uow, tenant, order, event, **context)


def save(uow, tenant: Tenant, order: Order, *, notices: dict | None = None) -> None:
    """Write the order and its new transitions; tell the customer and the plugins about each.

    :param notices: per target status, the notice to send instead of :data:`NOTICES`'s
        (``None`` to send none).
    """
    steps = list(order.pending)
    if order.id is None:
        uow.orders.add(order)
    else:
        uow.orders.save(order)
    notices = {**NOTICES, **(notices or {})}
    for step in steps:
        uow.events.publish("order_status_changed", tenant=tenant.slug, order_id=order.id,
                           old_status=step.source.value, new_status=step.target.value)
        event = notices.get(step.target)
        if event:
            notify(uow, tenant, order, event)

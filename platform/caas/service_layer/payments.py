"""Paying for a vehicle: the reservation and the final payment, and the gateway's settlement reports.

The gateway is called outside any database transaction. Before the call an
attempt row is committed (one live attempt per order and kind, so concurrent
requests charge once) and its key goes to the gateway as the idempotency key,
so a retry after a crash replays the gateway's first answer instead of charging
again. A gateway that is down refuses the payment at once (the spec's fallback).
"""
from __future__ import annotations

import logging

from caas.adapters.orders import AlreadyPaid, PaymentInProgress
from caas.adapters.services import StaleService
from caas.adapters.payments import PaymentDeclined, PaymentError
from caas.bootstrap import Platform
from caas.domain.orders import Status, Vehicle
from caas.domain.tenants import Tenant
from caas.i18n import lazy_gettext
from caas.service_layer import activation, billing, factory, registration
from caas.service_layer import orders as order_service
from caas.service_layer.errors import Conflict, NotFound, PaymentRequired, gateway_refusal

log = logging.getLogger(__name__)

KINDS = {"reservation": Status.CREATED, "final": Status.PENDING_FINAL_PAYMENT}


def _start(platform: Platform, tenant: Tenant, order_id: int, kind: str):
    with platform.tenant_uow(tenant.slug) as uow, order_service.transitions():
        order = order_service.load(uow, order_id)
        order.require(KINDS[kind], action=f"{kind} payment")
        amount = order.reservation if kind == "reservation" else order.final_amount
        try:
            attempt = uow.payments.start(order.id, kind, amount,
                                         f"{tenant.slug}:{order.reference}",
                                         platform.config["CAAS_PAYMENT_STALE_SECONDS"])
        except PaymentInProgress:
            raise Conflict(lazy_gettext("A payment for this order is already being processed."))
        except AlreadyPaid:
            raise Conflict({
                "reservation": lazy_gettext("The reservation of this order has already been paid."),
                "final": lazy_gettext("The final payment of this order has already been made."),
            }[kind])
        uow.commit()
    return order, amount, attempt


def _charge(platform: Platform, tenant: Tenant, order_id: int, kind: str, card_token: str):
    """Charge the card for ``kind``; returns (order, gateway payment, attempt) on success.

    A decline is recorded and re-raised for the caller; an outage is recorded and
    refused as :class:`Unavailable` (nothing was charged).
    """
    order, amount, attempt = _start(platform, tenant, order_id, kind)
    gateway = platform.external.payments(tenant)
    try:
        payment = gateway.charge(amount, card_token, idempotency_key=attempt["gateway_key"],
                                 reference=order.reference,
                                 description=f"{kind} payment for {order.model}")
    except PaymentError as exc:
        status = "declined" if isinstance(exc, PaymentDeclined) else "failed"
        with platform.tenant_uow(tenant.slug) as uow:
            uow.payments.finish(attempt["id"], status, error=str(exc))
            uow.commit()
        if isinstance(exc, PaymentDeclined):
            raise
        raise gateway_refusal(exc) from exc
    return order, payment, attempt



def pay_reservation(platform: Platform, tenant: Tenant, order_id: int, card_token: str) -> None:
    """Charge the plan's reservation; on success order the vehicle from the factory.

    :raises PaymentRequired: the card was declined; the order stays as it was.
    :raises Unavailable: the gateway is down; nothing was charged.
    """
    try:
        order, payment, attempt = _charge(platform, tenant, order_id, "reservation", card_token)
    except PaymentDeclined as exc:
        raise PaymentRequired(lazy_gettext("The card was declined (%(code)s); nothing was "
                                           "charged. Try another card.", code=exc.code)) from exc
    with platform.tenant_uow(tenant.slug) as uow, order_service.transitions():
        uow.payments.finish(attempt["id"], "succeeded", gateway_payment_id=payment.id,
                            settlement=payment.settlement)
        order = order_service.load(uow, order.id)
        order.move_to(Status.RESERVED, f"reservation of {payment.captured.amount} "
                                       f"{payment.captured.currency} paid")
        order_service.save(uow, tenant, order)
        job = factory.queue_placement(uow, order)
        uow.commit()
    factory.place_now(platform, tenant, order.id, job)


def pay_final(platform: Platform, tenant: Tenant, order_id: int, card_token: str) -> None:
    """Charge the rest of the price; on success register the vehicle, on a decline release it.

    :raises PaymentRequired: the card was declined: the order is cancelled and the
        vehicle goes to stock, unassigned and for sale (the spec's rule).
    :raises Unavailable: the gateway is down; nothing was charged or changed.
    """
    try:
        order, payment, attempt = _charge(platform, tenant, order_id, "final", card_token)
    except PaymentDeclined as exc:
        _release_vehicle(platform, tenant, order_id)
        raise PaymentRequired(lazy_gettext("The card was declined (%(code)s). The order has "
                                           "been cancelled and its vehicle returned to stock.",
                                           code=exc.code)) from exc
    with platform.tenant_uow(tenant.slug) as uow, order_service.transitions():
        uow.payments.finish(attempt["id"], "succeeded", gateway_payment_id=payment.id,
                            settlement=payment.settlement)
        order = order_service.load(uow, order.id)
        order.move_to(Status.REGISTERING, "final payment received")
        order_service.save(uow, tenant, order)
        job = registration.queue(uow, order)
        uow.commit()
    registration.register_now(platform, tenant, order.id, job)


def _release_vehicle(platform: Platform, tenant: Tenant, order_id: int) -> None:
    with platform.tenant_uow(tenant.slug) as uow, order_service.transitions():
        order = order_service.load(uow, order_id)
        order.move_to(Status.CANCELLED, "final payment declined; vehicle released to stock")
        vehicle = uow.vehicles.get(order.vin)
        vehicle.status, vehicle.order_id = Vehicle.UNASSIGNED, None
        uow.vehicles.save(vehicle)
        order_service.save(uow, tenant, order)
        uow.audit.record("vehicle.released", "vehicle", vehicle.vin,
                         after={"status": vehicle.status, "from_order": order.reference})
        uow.commit()


# --- settlement webhooks ----------------------------------------------------

def receive_payment_event(platform: Platform, tenant: Tenant, event: dict) -> str:
    """Record the gateway's settlement report once; a failed settlement opens a case for staff.

    :returns: what was done, for the webhook's answer.
    :raises NotFound: the payment is not (yet) known here; the gateway retries.
    """
    for _ in range(3):
        try:
            return _apply_payment_event(platform, tenant, event)
        except StaleService:
            continue  # the activation moved on meanwhile: read it again
    raise Conflict(lazy_gettext("The payment's subject keeps changing; please retry."))


def _apply_payment_event(platform: Platform, tenant: Tenant, event: dict) -> str:
    with platform.tenant_uow(tenant.slug) as uow:
        if uow.webhooks.seen("payments", event["event_id"]):
            return "duplicate"
        outcome = "recorded"
        service = uow.services.by_payment(event["payment_id"])
        invoice = None if service else uow.invoices.by_payment(event["payment_id"])
        if service is not None:
            outcome = activation.payment_event(uow, tenant, service, event)
            if event["type"] == "payment.settled":
                billing.invoice_purchase(platform, uow, tenant, service)
        elif invoice is not None:
            outcome = billing.payment_event(platform, uow, tenant, invoice, event)
        elif event["type"] != "refund.settled":
            payment = uow.payments.by_gateway_id(event["payment_id"])
            if payment is None:
                raise NotFound(lazy_gettext("Payment '%(id)s' is unknown.",
                                            id=event["payment_id"]))
            settlement = "settled" if event["type"] == "payment.settled" else "failed"
            uow.payments.set_settlement(payment["id"], settlement)
            if settlement == "failed":
                order = uow.orders.get(payment["order_id"])
                uow.tickets.open(
                    "payment_settlement_failed",
                    f"Settlement failed for the {payment['kind']} payment of order "
                    f"{order.reference}", {"payment_id": event["payment_id"],
                                           "kind": payment["kind"], "event": event},
                    order_id=order.id, vin=order.vin, customer_id=order.customer_id)
                outcome = "settlement failure escalated"
            uow.events.publish("payment_settled", tenant=tenant.slug,
                               payment_id=event["payment_id"], outcome=settlement)
        if not uow.webhooks.record("payments", event["event_id"], event, outcome):
            return "duplicate"
        uow.commit()
    return outcome

"""The payment gateway's news: settlements and refunds, and charges nobody claims.

Every report is accepted and kept, once per event id. News about a payment the
platform does not know yet (its charge's answer was lost, or is still on its way)
is *held*: a payment that later learns its gateway id, or the key it was sent
with, claims it (:func:`apply_held`). News that nothing claims within
``CAAS_PAYMENT_ORPHAN_GRACE_SECONDS`` is an orphan charge: a support ticket is
opened and the charge refunded in full. Nothing is dropped.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from caas.service_layer.unit_of_work import StaleService
from caas.domain.money import Money
from caas.i18n import lazy_gettext
from caas.service_layer import service_payments
from caas.service_layer.billing import purchases, unpaid
from caas.service_layer.errors import Conflict
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
REFUND_ORPHAN = "refund_orphan_charge"


def receive(ctx: TenantContext, event: dict) -> str:
    """Record the gateway's report once and apply it; a report about an unknown payment is held.

    :returns: what was done, for the webhook's answer.
    """
    for _ in range(3):
        try:
            return _apply(ctx, event)
        except StaleService:
            continue  # the activation moved on meanwhile: read it again
    raise Conflict(lazy_gettext("The payment's subject keeps changing; please retry."))


def _claim(ctx: TenantContext, held: dict) -> bool:
    """Apply held news to its payment if one here knows it now; ``False`` while none does (or
    its subject is changing right now: the next pass tries again)."""
    try:
        return _apply(ctx, held["payload"], held["id"]) != "held"
    except StaleService:
        return False


def _apply(ctx: TenantContext, event: dict, held_id: int | None = None) -> str:
    with ctx.uow() as uow:
        if held_id is None and uow.webhooks.seen("payments", event["event_id"]):
            return "duplicate"
        outcome = _apply_in(ctx, uow, event)
        if outcome is None:
            if held_id is not None:
                return "held"
            outcome = "held: the payment is not known yet"
            uow.held_events.hold(event)
        elif held_id is not None:
            uow.held_events.resolve(held_id, "claimed")
        if held_id is None and not uow.webhooks.record("payments", event["event_id"], event,
                                                        outcome):
            return "duplicate"
        uow.commit()
    return outcome


def _apply_in(ctx: TenantContext, uow, event: dict) -> str | None:
    """Apply a report to the payment it is about; ``None`` when no payment here has its id."""
    service = uow.services.by_payment(event["payment_id"])
    if service is not None:
        outcome = service_payments.payment_event(uow, ctx.tenant, service, event)
        if event["type"] == "payment.settled":
            purchases.invoice_purchase(ctx, uow, service)
        return outcome
    invoice = uow.invoices.by_payment(event["payment_id"])
    if invoice is not None:
        return unpaid.payment_event(ctx, uow, invoice, event)
    payment = uow.payments.by_gateway_id(event["payment_id"])
    if payment is None:
        if event["type"] == "refund.settled" and uow.held_events.orphaned(event["payment_id"]):
            return "orphan charge refund settled"
        return None
    if event["type"] == "refund.settled":
        return "refund settled"
    settlement = "settled" if event["type"] == "payment.settled" else "failed"
    uow.payments.set_settlement(payment["id"], settlement)
    outcome = "recorded"
    if settlement == "failed":
        order = uow.orders.get(payment["order_id"])
        uow.tickets.open(
            "payment_settlement_failed",
            f"Settlement failed for the {payment['kind']} payment of order "
            f"{order.reference}", {"payment_id": event["payment_id"],
                                   "kind": payment["kind"], "event": event},
            order_id=order.id, vin=order.vin, customer_id=order.customer_id)
        outcome = "settlement failure escalated"
    uow.events.publish("payment_settled", tenant=ctx.tenant.slug,
                       payment_id=event["payment_id"], outcome=settlement)
    return outcome


def apply_held(ctx: TenantContext, *, payment_ids=(), keys=()) -> int:
    """Apply the held reports about these payments (by gateway id or by the key they were
    sent with), now that the platform knows them; returns how many were claimed."""
    if not payment_ids and not keys:
        return 0
    with ctx.uow() as uow:
        held = uow.held_events.matching(list(payment_ids), list(keys))
    return sum(_claim(ctx, row) for row in held)


def release_held(ctx: TenantContext) -> int:
    """Claim what can be claimed of the held reports; refund as orphans the charges nobody
    claimed within the grace. Returns how many were settled either way."""
    grace = ctx.settings["CAAS_PAYMENT_ORPHAN_GRACE_SECONDS"]
    with ctx.uow() as uow:
        held = uow.held_events.unresolved()
        expired = uow.now() - timedelta(seconds=grace)
    settled = 0
    for row in held:
        if _claim(ctx, row):
            settled += 1
        elif row["received_at"] <= expired:
            _orphan(ctx, row)
            settled += 1
    return settled


def _orphan(ctx: TenantContext, row: dict) -> None:
    event = row["payload"]
    with ctx.uow() as uow:
        if event["type"] == "payment.settled":
            amount = Money(event.get("amount") or "0", event.get("currency") or ctx.tenant.currency)
            ticket_id = orphan_charge(uow, event["payment_id"], amount,
                                      "no payment of this tenant claims it", event=event)
            uow.held_events.resolve(row["id"], "orphan_refunded", ticket_id=ticket_id)
            log.error("orphan charge: refunded in full", extra={"payment_id": event["payment_id"]})
        else:
            uow.held_events.resolve(row["id"], "unmatched")  # no money was taken
        uow.commit()


def orphan_charge(uow, payment_id: str, amount: Money, why: str, *, event: dict | None = None,
                  order_id: int | None = None) -> int:
    """Open an ``orphan_charge`` ticket and refund ``payment_id`` in full, in the caller's
    transaction; returns the ticket's id."""
    details = {"payment_id": payment_id, "amount": amount.to_dict(), "why": why}
    if event is not None:
        details["event"] = event
    ticket_id = uow.tickets.open("orphan_charge", f"Charge {payment_id} refunded: {why}",
                                 details, order_id=order_id)
    uow.outbox.add(REFUND_ORPHAN, {"payment_id": payment_id})
    uow.audit.record("payment.orphan_refund", "payment", payment_id,
                     after={"amount": amount.to_dict(), "why": why, "ticket_id": ticket_id})
    return ticket_id


def refund_orphan(ctx: TenantContext, payment_id: str) -> None:
    """Refund what is left of an orphan charge; idempotent at the gateway."""
    ctx.gateways.payments.refund(
        payment_id, idempotency_key=f"{ctx.tenant.slug}:orphan:{payment_id}:refund")


TASKS = (Task(REFUND_ORPHAN, refund_orphan),)

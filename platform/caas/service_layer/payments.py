"""Paying for a vehicle: the reservation and the final payment.

The gateway is called outside any database transaction. Before the call an
attempt row is committed (one unresolved attempt per order and kind, so
concurrent requests charge once) and its key goes to the gateway as the
idempotency key. Each attempt ends in one of four ways:

* ``succeeded``: the order moves on;
* ``declined``: the card was refused (a declined final payment releases the vehicle);
* ``failed``: the gateway is known not to have charged (unreachable, or it says so);
* ``unknown``: the answer was lost and the gateway may have charged. The caller is told
  the outcome is being confirmed (202), never that nothing was charged.

An unknown attempt is reconciled by its key (:func:`reconcile_attempt`), by the
reconciliation pass and before any new attempt: the gateway's record of the key
decides, exactly as if its answer had arrived. Until then a retry sends the same
request with the same key, so the gateway replays the original charge instead of
making a second one.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from caas.service_layer.unit_of_work import AlreadyPaid, PaymentInProgress
from caas.service_layer.gateways.payments import (Payment, PaymentDeclined, PaymentError,
                                                  PaymentOutcomeUnknown, PaymentUnavailable)
from caas.domain.money import Money
from caas.domain.orders import Status, Vehicle
from caas.domain.tenants import Tenant
from caas.i18n import lazy_gettext
from caas.service_layer import factory, registration, settlements
from caas.service_layer import orders as order_service
from caas.service_layer.errors import Conflict, PaymentRequired, gateway_refusal
from caas.service_layer.context import TenantContext

log = logging.getLogger(__name__)

KINDS = {"reservation": Status.CREATED, "final": Status.PENDING_FINAL_PAYMENT}
IN_PROGRESS = lazy_gettext("A payment for this order is already being processed.")
SUCCEEDED, UNKNOWN = "succeeded", "unknown"


def pay_reservation(ctx: TenantContext, order_id: int, card_token: str) -> str:
    """Charge the plan's reservation; on success order the vehicle from the factory.

    :returns: ``"succeeded"``, or ``"unknown"`` while the gateway's answer is being confirmed.
    :raises PaymentRequired: the card was declined; the order stays as it was.
    :raises Unavailable: the gateway did not act; nothing was charged.
    """
    return _pay(ctx, order_id, "reservation", card_token)


def pay_final(ctx: TenantContext, order_id: int, card_token: str) -> str:
    """Charge the rest of the price; on success register the vehicle, on a decline release it.

    :returns: ``"succeeded"``, or ``"unknown"`` while the gateway's answer is being confirmed.
    :raises PaymentRequired: the card was declined: the order is cancelled and the
        vehicle goes to stock, unassigned and for sale (the spec's rule).
    :raises Unavailable: the gateway did not act; nothing was charged or changed.
    """
    return _pay(ctx, order_id, "final", card_token)


def _pay(ctx: TenantContext, order_id: int, kind: str, card_token: str) -> str:
    with ctx.uow() as uow:
        pending = uow.payments.unresolved(order_id, kind, ctx.settings["CAAS_PAYMENT_STALE_SECONDS"])
    if pending is not None:
        # Reconcile first; while it stays unknown, retry the same request with the same key.
        outcome = reconcile_attempt(ctx, pending, send_again=True)
        if outcome in (SUCCEEDED, UNKNOWN):
            return outcome
    attempt = _start(ctx, order_id, kind, card_token)
    return _send(ctx, attempt, interactive=True)


def _start(ctx: TenantContext, order_id: int, kind: str, card_token: str) -> dict:
    with ctx.uow() as uow, order_service.transitions():
        order = order_service.load(uow, order_id)
        order.require(KINDS[kind], action=f"{kind} payment")
        amount = order.reservation if kind == "reservation" else order.final_amount
        try:
            attempt = uow.payments.start(order.id, kind, amount, f"{ctx.tenant.slug}:{order.reference}",
                                         card_token)
        except PaymentInProgress:
            raise Conflict(IN_PROGRESS)
        except AlreadyPaid:
            raise Conflict({
                "reservation": lazy_gettext("The reservation of this order has already been paid."),
                "final": lazy_gettext("The final payment of this order has already been made."),
            }[kind])
        uow.commit()
    return attempt


def _send(ctx: TenantContext, attempt: dict, *, interactive: bool,
          resent: bool = False) -> str:
    """Send the attempt's charge under its key and record what came of it."""
    with ctx.uow() as uow:
        order = uow.orders.get(attempt["order_id"])
    amount = Money.from_minor(attempt["amount_minor"], attempt["currency"])
    try:
        payment = ctx.gateways.payments.charge(
            amount, attempt["card_token"], idempotency_key=attempt["gateway_key"],
            reference=order.reference, description=f"{attempt['kind']} payment for {order.model}")
    except PaymentDeclined as exc:
        return _declined(ctx, attempt, exc, interactive)
    except PaymentOutcomeUnknown as exc:
        return _unknown(ctx, attempt, exc)
    except PaymentUnavailable as exc:
        if resent and not exc.confirmed:
            return _unknown(ctx, attempt, exc)  # this copy was not sent; the first may have been
        return _failed(ctx, attempt, exc, interactive)
    except PaymentError as exc:  # refused before acting (e.g. an invalid request)
        return _failed(ctx, attempt, exc, interactive)
    return _charged(ctx, attempt, payment)


def reconcile_attempt(ctx: TenantContext, attempt: dict, *,
                      send_again: bool = False) -> str:
    """Settle an unresolved attempt by asking the gateway what it did with the attempt's key.

    Found, its answer is applied as if it had just arrived. Never acted on, the attempt
    failed once ``CAAS_PAYMENT_LOOKUP_GRACE_SECONDS`` have passed since it was sent (before
    that its request may still be on its way). Otherwise it stays unknown; with
    ``send_again`` (an employee's retry) the same request then goes again, with the same key.

    :returns: the attempt's outcome now: ``succeeded``, ``declined``, ``failed`` or ``unknown``.
    """
    gateway = ctx.gateways.payments
    try:
        found = gateway.lookup(attempt["gateway_key"])
    except PaymentError:
        found, asked = None, False
    else:
        asked = True
    if found is not None:
        try:
            payment = found.result(Payment.from_json)
        except PaymentDeclined as exc:
            return _declined(ctx, attempt, exc, interactive=False)
        except PaymentError as exc:
            return _failed(ctx, attempt, exc, interactive=False)
        return _charged(ctx, attempt, payment)
    if asked and _lookup_grace_over(ctx, attempt):
        return _failed(ctx, attempt, PaymentUnavailable(
            "the gateway never acted on the request", confirmed=True), interactive=False)
    if not send_again:
        return UNKNOWN
    with ctx.uow() as uow:
        taken = uow.payments.resume(attempt)
        uow.commit()
    if not taken:
        raise Conflict(IN_PROGRESS)
    return _send(ctx, attempt, interactive=True, resent=True)


def _lookup_grace_over(ctx: TenantContext, attempt: dict) -> bool:
    """Whether the attempt was sent long enough ago for the gateway to know of it."""
    grace = timedelta(seconds=ctx.settings["CAAS_PAYMENT_LOOKUP_GRACE_SECONDS"])
    with ctx.uow() as uow:
        return attempt["updated_at"] <= uow.now() - grace


# --- what each outcome does ---------------------------------------------------------

def _charged(ctx: TenantContext, attempt: dict, payment: Payment) -> str:
    """The gateway charged: move the order on (once, whoever learns of it first)."""
    kind = attempt["kind"]
    with ctx.uow() as uow, order_service.transitions():
        if not uow.payments.finish(attempt["id"], SUCCEEDED, gateway_payment_id=payment.id,
                                   settlement=payment.settlement):
            return SUCCEEDED  # recorded meanwhile by a reconciliation or a retry
        order = order_service.load(uow, attempt["order_id"])
        _audit_attempt(uow, attempt, SUCCEEDED, payment_id=payment.id)
        if order.status is not KINDS[kind]:
            # Charged for an order that no longer awaits this payment: give the money back.
            settlements.orphan_charge(uow, payment.id, payment.captured,
                                      f"{kind} payment of order {order.reference}, which is "
                                      f"{order.status.value}", order_id=order.id)
            uow.commit()
            settlements.apply_held(ctx, payment_ids=[payment.id])
            return SUCCEEDED
        if kind == "reservation":
            order.move_to(Status.RESERVED, f"reservation of {payment.captured.amount} "
                                           f"{payment.captured.currency} paid")
            order_service.save(uow, ctx.tenant, order)
            job = factory.queue_placement(uow, order)
        else:
            order.move_to(Status.REGISTERING, "final payment received")
            order_service.save(uow, ctx.tenant, order)
            job = registration.queue(uow, order)
        uow.commit()
    settlements.apply_held(ctx, payment_ids=[payment.id], keys=[attempt["gateway_key"]])
    if kind == "reservation":
        factory.place_now(ctx, order.id, job)
    else:
        registration.register_now(ctx, order.id, job)
    return SUCCEEDED


def _declined(ctx: TenantContext, attempt: dict, exc: PaymentDeclined,
              interactive: bool) -> str:
    with ctx.uow() as uow, order_service.transitions():
        if not uow.payments.finish(attempt["id"], "declined", error=str(exc)):
            return "declined"
        _audit_attempt(uow, attempt, "declined", error=str(exc))
        order = order_service.load(uow, attempt["order_id"])
        release = attempt["kind"] == "final" and order.status is Status.PENDING_FINAL_PAYMENT
        if release:
            _release_vehicle(uow, ctx.tenant, order)
        uow.commit()
    if not interactive:
        return "declined"
    if release:
        raise PaymentRequired(lazy_gettext("The card was declined (%(code)s). The order has "
                                           "been cancelled and its vehicle returned to stock.",
                                           code=exc.code)) from exc
    raise PaymentRequired(lazy_gettext("The card was declined (%(code)s); nothing was "
                                       "charged. Try another card.", code=exc.code)) from exc


def _failed(ctx: TenantContext, attempt: dict, exc: PaymentError,
            interactive: bool) -> str:
    with ctx.uow() as uow:
        if uow.payments.finish(attempt["id"], "failed", error=str(exc)):
            _audit_attempt(uow, attempt, "failed", error=str(exc))
        uow.commit()
    if interactive:
        raise gateway_refusal(exc) from exc
    return "failed"


def _unknown(ctx: TenantContext, attempt: dict, exc: PaymentError) -> str:
    """The answer was lost: keep the attempt open, and have it reconciled soon."""
    with ctx.uow() as uow:
        if uow.payments.finish(attempt["id"], UNKNOWN, error=str(exc)):
            _audit_attempt(uow, attempt, UNKNOWN, error=str(exc))
        uow.commit()
    log.warning("payment outcome unknown; reconciling by its key",
                extra={"order_id": attempt["order_id"], "gateway_key": attempt["gateway_key"]})
    return UNKNOWN


def _audit_attempt(uow, attempt: dict, status: str, **after) -> None:
    uow.audit.record(f"payment.{status}", "order", attempt["order_id"],
                     before={"attempt": attempt["attempt"], "status": attempt["status"]},
                     after={"kind": attempt["kind"], "attempt": attempt["attempt"],
                            "status": status, "gateway_key": attempt["gateway_key"],
                            "amount": Money.from_minor(attempt["amount_minor"],
                                                       attempt["currency"]).to_dict(), **after})


def _release_vehicle(uow, tenant: Tenant, order) -> None:
    order.move_to(Status.CANCELLED, "final payment declined; vehicle released to stock")
    vehicle = uow.vehicles.get(order.vin)
    vehicle.status, vehicle.order_id = Vehicle.UNASSIGNED, None
    uow.vehicles.save(vehicle)
    order_service.save(uow, tenant, order)
    uow.audit.record("vehicle.released", "vehicle", vehicle.vin,
                     after={"status": vehicle.status, "from_order": order.reference})


# --- the reconciliation pass ---------------------------------------------------------

def reconcile(ctx: TenantContext) -> int:
    """Reconcile every unresolved attempt of the tenant; returns how many were looked up."""
    with ctx.uow() as uow:
        attempts = uow.payments.all_unresolved(ctx.settings["CAAS_PAYMENT_STALE_SECONDS"])
    for attempt in attempts:
        reconcile_attempt(ctx, attempt)
    return len(attempts)

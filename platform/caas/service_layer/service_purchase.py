"""Buying a service: eligibility, the authorization of its price, and settling purchases
whose authorization went unanswered.

The money rules are the domain's (:mod:`caas.domain.services`): the purchase only
*authorizes* the price; the authorization is captured (or, for monthly billing, released)
once the vehicle confirmed the activation (:mod:`caas.service_layer.activation`), and
released in full when the activation fails for good.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from caas.service_layer.gateways.payments import (Payment, PaymentDeclined, PaymentError,
                                                  PaymentOutcomeUnknown)
from caas.service_layer.unit_of_work import LiveServiceExists, StaleService
from caas.clock import wall_now
from caas.domain.services import PAYMENT_ON_FAILURE, Service, ServiceStatus, blocking_reason
from caas.i18n import lazy_gettext
from caas.service_layer import catalog
from caas.service_layer.activation import ACTIVATE
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import Conflict, NotFound, PaymentRequired, gateway_refusal
from caas.service_layer.service_payments import PAY, audit_payment, payment_key
from caas.service_layer.service_views import service_views

log = logging.getLogger(__name__)


def purchase(ctx: TenantContext, customer_id: int, vin: str, code: str,
             card_token: str) -> dict:
    """Check eligibility, authorize the price, and queue the activation.

    :returns: the service as its purchase left it (``activating``; ``paying`` while the
        gateway's answer is being confirmed), not as a worker may have moved it since.
    :raises NotFound: not the customer's linked vehicle, or an option not sold here.
    :raises Conflict: the option is blocked (``reason``) or already being bought.
    :raises PaymentRequired: the card was declined. :raises Unavailable: the gateway did
        not act; nothing was authorized.
    """
    with ctx.uow() as uow:
        vehicle = catalog.own_vehicle(uow, vin, customer_id)
        setting = uow.catalog_settings.get(code)
        if setting is None or not setting["enabled"] or code not in ctx.plugins.catalog_options:
            raise NotFound(lazy_gettext("The option '%(code)s' is not offered.", code=code))
        option = ctx.plugins.option(code)
        live = code in uow.services.live_options(vin)
        unresolved = _unresolved_purchases(ctx, uow, vin=vin, option=code) if live else []
    if unresolved:
        # A purchase of this option whose authorization went unanswered: settle it first.
        reconcile_authorization(ctx, unresolved[0])
        with ctx.uow() as uow:
            live = code in uow.services.live_options(vin)
    overdue = (catalog.maintenance_overdue(ctx, vin)
               if option.requires_maintenance else None)
    reason = blocking_reason(compatible=option.fits(vehicle.model), live=live,
                             needs_maintenance=option.requires_maintenance,
                             maintenance_overdue=overdue)
    if reason:
        raise Conflict(catalog.REASONS[reason], reason=reason)
    policy = catalog.ota_policy(ctx)
    service = Service(customer_id=customer_id, vin=vin, option=code, billing=setting["billing"],
                      price=setting["price"], card_token=card_token,
                      max_attempts=policy.max_attempts, next_attempt_at=wall_now())
    with ctx.uow() as uow:
        try:
            uow.services.add(service)
        except LiveServiceExists:
            raise Conflict(lazy_gettext("This option is already being bought for this vehicle."),
                           reason="already_active")
        uow.commit()
    return _authorize(ctx, service)


def _authorize(ctx: TenantContext, service: Service) -> dict:
    gateway = ctx.gateways.payments
    try:
        payment = gateway.authorize(service.price, service.card_token,
                                    idempotency_key=payment_key(ctx.tenant, service, "authorize"),
                                    reference=f"service-{service.id}",
                                    description=f"{service.option} for {service.vin}")
    except PaymentOutcomeUnknown as exc:
        return _authorization_unknown(ctx, service.id, exc)
    except PaymentError as exc:
        _not_authorized(ctx, service.id, exc)
        if isinstance(exc, PaymentDeclined):
            raise PaymentRequired(lazy_gettext("The card was declined (%(code)s); nothing was "
                                               "charged.", code=exc.code))
        raise gateway_refusal(exc) from exc
    return _authorized(ctx, service.id, payment)


def _authorized(ctx: TenantContext, service_id: int, payment: Payment) -> dict:
    """The price is held: queue the activation (once, whoever learns of it first)."""
    def held(uow, stored: Service) -> None:
        stored.payment_id, stored.payment_status = payment.id, "authorized"
        stored.move_to(ServiceStatus.ACTIVATING, f"{payment.amount.amount} "
                                                 f"{payment.amount.currency} authorized")
        stored.next_attempt_at = wall_now()
        uow.services.save(stored)
        uow.outbox.add(ACTIVATE, {"service_id": stored.id})
        audit_payment(uow, stored, "authorized", payment_id=payment.id)
    return _purchase_outcome(ctx, service_id, held)


def _not_authorized(ctx: TenantContext, service_id: int, exc: PaymentError) -> None:
    """Declined, or known not to have happened: the purchase ends, nothing held."""
    def refused(uow, stored: Service) -> None:
        stored.move_to(ServiceStatus.PAYMENT_FAILED, f"payment: {exc}")
        stored.payment_status, stored.next_attempt_at = "none", None
        uow.services.save(stored)
        audit_payment(uow, stored, "not_authorized", error=str(exc))
    _purchase_outcome(ctx, service_id, refused)


def _purchase_outcome(ctx: TenantContext, service_id: int, apply) -> dict:
    """Apply the authorization's outcome to a purchase still ``paying``, once: a purchase a
    concurrent reconciliation settled first is left as it is. Returns the service's view."""
    for _ in range(3):
        with ctx.uow() as uow:
            stored = uow.services.get(service_id)
            if stored.status is ServiceStatus.PAYING:
                try:
                    apply(uow, stored)
                except StaleService:
                    continue  # settled meanwhile: read it again
            view = service_views(uow, [stored])[0]
            uow.commit()
            return view
    raise Conflict(lazy_gettext("This purchase keeps changing; please read it again."))


def _unresolved_purchases(ctx: TenantContext, uow, **which) -> list[int]:
    # A purchase's next step is scheduled in real time, like every retry.
    stale = wall_now() - timedelta(seconds=ctx.settings["CAAS_PAYMENT_STALE_SECONDS"])
    return uow.services.unresolved_purchases(stale, **which)


def _lookup_grace_over(ctx: TenantContext, service: Service) -> bool:
    """Whether the authorization was sent long enough ago for the gateway to know of it."""
    grace = timedelta(seconds=ctx.settings["CAAS_PAYMENT_LOOKUP_GRACE_SECONDS"])
    return service.next_attempt_at is None or service.next_attempt_at <= wall_now() - grace


def _authorization_unknown(ctx: TenantContext, service_id: int,
                           exc: PaymentError) -> dict:
    """The gateway's answer was lost: the purchase stays ``paying`` until its key is looked up."""
    with ctx.uow() as uow:
        stored = uow.services.get(service_id)
        stored.payment_status, stored.last_error = "unknown", str(exc)
        stored.next_attempt_at = wall_now()
        stored.pending.append((stored.status, stored.status,
                               "the gateway's answer was lost; confirming the authorization"))
        uow.services.save(stored)
        audit_payment(uow, stored, "unknown", error=str(exc))
        view = service_views(uow, [stored])[0]
        uow.commit()
    log.warning("authorization outcome unknown; reconciling by its key",
                extra={"service_id": service_id})
    return view


def reconcile_authorization(ctx: TenantContext, service_id: int) -> str:
    """Settle a purchase whose authorization went unanswered (or whose process died asking),
    by asking the gateway what it did with the purchase's key: held, the activation goes on
    as if the answer had just come; declined or never made (once
    ``CAAS_PAYMENT_LOOKUP_GRACE_SECONDS`` have passed), the purchase ends with nothing held.

    :returns: the service's status now.
    """
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
    if service.status is not ServiceStatus.PAYING:
        return service.status.value
    try:
        found = ctx.gateways.payments.lookup(payment_key(ctx.tenant, service, "authorize"))
    except PaymentError:
        return service.status.value  # the gateway cannot be asked: the next pass asks again
    if found is None:
        if not _lookup_grace_over(ctx, service):
            return service.status.value
        _not_authorized(ctx, service_id,
                        PaymentError("the gateway never acted on the authorization"))
        return ServiceStatus.PAYMENT_FAILED.value
    try:
        payment = found.result(Payment.from_json)
    except PaymentError as exc:
        _not_authorized(ctx, service_id, exc)
        return ServiceStatus.PAYMENT_FAILED.value
    return _authorized(ctx, service_id, payment)["status"]


def reconcile(ctx: TenantContext) -> int:
    """Settle every purchase whose authorization went unanswered, and release every hold
    that nothing will capture, whatever state its service ended in; returns how many."""
    with ctx.uow() as uow:
        unanswered = _unresolved_purchases(ctx, uow)
        held = uow.services.open_holds()
        for service_id in held:
            service = uow.services.get(service_id)
            service.payment_status = "releasing"
            uow.services.save(service)
            uow.outbox.add(PAY, {"service_id": service_id, "action": PAYMENT_ON_FAILURE})
        uow.commit()
    for service_id in unanswered:
        reconcile_authorization(ctx, service_id)
    return len(unanswered) + len(held)

"""Buying a service and delivering it over the air.

The money rules are the domain's (:mod:`caas.domain.services`); this module
applies them: the purchase only *authorizes* the price; the authorization is
captured (or, for monthly billing, released) once the vehicle confirmed the
activation, and released in full when the activation fails for good — see
:func:`_give_up`, the one place an activation ends in failure.

Attempts are counted in the database, not in the broker: a message redelivered
after a worker crash finds the count and cannot retry forever; a retry message
the broker lost is found by :func:`sweep`.
"""
from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from caas.service_layer.gateways.iot import CommandFailed, CommandTimedOut, IotError, IotRejected
from caas.service_layer.gateways.payments import (Payment, PaymentDeclined, PaymentError,
                                                  PaymentOutcomeUnknown, PaymentRejected)
from caas.service_layer.unit_of_work import LiveServiceExists, StaleService
from caas.clock import wall_now
from caas.domain.money import Money
from caas.domain.services import (PAYMENT_ON_FAILURE, PAYMENT_ON_SUCCESS, RetryPolicy, Service,
                                  ServiceStatus, blocking_reason)
from caas.domain.tenants import Tenant
from caas.i18n import lazy_gettext
from caas.service_layer import billing, catalog
from caas.service_layer.errors import Conflict, NotFound, PaymentRequired, gateway_refusal
# The customer's notices about their service go through the notification engine.
from caas.service_layer.notifications import service_notice as notify
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
ACTIVATE = "activate_service"
PAY = "service_payment"
DEACTIVATE = "deactivate_service"
_jitter = random.Random()


# --- purchase ---------------------------------------------------------------------

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
    policy = _policy(ctx)
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


def _policy(ctx: TenantContext) -> RetryPolicy:
    settings = catalog.ota_settings(ctx)
    return RetryPolicy(max_attempts=settings["max_attempts"],
                       base_seconds=settings["backoff_seconds"],
                       command_timeout_seconds=settings["command_timeout_seconds"])


def _key(tenant: Tenant, service: Service, step: str) -> str:
    return f"{tenant.slug}:service:{service.id}:{step}"


def _authorize(ctx: TenantContext, service: Service) -> dict:
    gateway = ctx.gateways.payments
    try:
        payment = gateway.authorize(service.price, service.card_token,
                                    idempotency_key=_key(ctx.tenant, service, "authorize"),
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
        _audit_payment(uow, stored, "authorized", payment_id=payment.id)
    return _purchase_outcome(ctx, service_id, held)


def _not_authorized(ctx: TenantContext, service_id: int, exc: PaymentError) -> None:
    """Declined, or known not to have happened: the purchase ends, nothing held."""
    def refused(uow, stored: Service) -> None:
        stored.move_to(ServiceStatus.PAYMENT_FAILED, f"payment: {exc}")
        stored.payment_status, stored.next_attempt_at = "none", None
        uow.services.save(stored)
        _audit_payment(uow, stored, "not_authorized", error=str(exc))
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
        _audit_payment(uow, stored, "unknown", error=str(exc))
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
        found = ctx.gateways.payments.lookup(_key(ctx.tenant, service, "authorize"))
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


def _audit_payment(uow, service: Service, outcome: str, **after) -> None:
    uow.audit.record(f"payment.{outcome}", "service", service.id,
                     after={"option": service.option, "vin": service.vin,
                            "amount": service.price.to_dict(),
                            "payment_status": service.payment_status, **after})


# --- the OTA activation --------------------------------------------------------------

def run_attempt(ctx: TenantContext, service_id: int) -> None:
    """One activation attempt; schedules the next one or finishes the service.

    Safe to call for any message about the service: a finished service, an
    attempt another worker is running, or a retry that is not due yet, is skipped.
    """
    policy = _policy(ctx)
    now = wall_now()
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service is None or service.status is not ServiceStatus.ACTIVATING:
            return
        if service.next_attempt_at and service.next_attempt_at > now + timedelta(seconds=1):
            return  # running elsewhere, or due later
        if service.attempts >= service.max_attempts:
            attempt_error = service.last_error or "no attempts left"
            uow.commit()
            _give_up(ctx, service_id, attempt_error)
            return
        service.attempts += 1
        # A lease: if this worker dies mid-command, the sweeper takes over once it expires.
        service.next_attempt_at = now + timedelta(
            seconds=policy.command_timeout_seconds + ctx.settings["CAAS_OTA_SWEEP_GRACE_SECONDS"])
        try:
            uow.services.save(service)
        except StaleService:
            return
        uow.commit()
    option = ctx.plugins.option(service.option)
    iot = ctx.gateways.iot
    try:
        # valid_until: a command that outlives its attempt must never apply later, unpaid.
        iot.run(service.vin, f"{ctx.tenant.slug}-svc{service.id}-a{service.attempts}",
                option.activation_payload(service.vin),
                timeout_seconds=policy.command_timeout_seconds,
                valid_until=wall_now() + timedelta(seconds=policy.command_timeout_seconds))
    except IotRejected as exc:
        _give_up(ctx, service_id, f"refused by the IoT API: {exc}")
        return
    except (CommandFailed, CommandTimedOut, IotError) as exc:
        _retry_or_give_up(ctx, service_id, policy, _describe_failure(exc))
        return
    _succeeded(ctx, service_id)


def _command_id(tenant: Tenant, service_id: int, purpose: str) -> str:
    return f"{tenant.slug}-svc{service_id}-{purpose}-{uuid.uuid4().hex[:8]}"


def _describe_failure(exc: Exception) -> str:
    if isinstance(exc, CommandTimedOut):
        return f"the command did not report back in time: {exc}"
    if isinstance(exc, CommandFailed):
        return f"the vehicle reported a failure: {exc}"
    return f"IoT API unavailable: {exc}"


def _retry_or_give_up(ctx: TenantContext, service_id: int, policy: RetryPolicy,
                      error: str) -> None:
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service.status is not ServiceStatus.ACTIVATING:
            return
        if service.attempts >= service.max_attempts:
            uow.commit()
            _give_up(ctx, service_id, error)
            return
        delay = policy.delay(service.attempts, _jitter)
        service.last_error = error
        service.next_attempt_at = wall_now() + timedelta(seconds=delay)
        uow.services.save(service)
        uow.commit()
    log.warning("OTA attempt %s of %s failed; retrying in %.1f s", service.attempts,
                service.max_attempts, delay, extra={"service_id": service_id})
    ctx.jobs.activate_later(service_id, delay)


def _succeeded(ctx: TenantContext, service_id: int) -> None:
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service.status is not ServiceStatus.ACTIVATING:
            # Cancelled meanwhile (the payment failed): take the option off again.
            uow.outbox.add(DEACTIVATE, {"service_id": service_id})
            uow.commit()
            return
        option = ctx.plugins.catalog_options[service.option]
        service.activated(uow.now(), option.duration_days)
        service.next_attempt_at = None
        action = PAYMENT_ON_SUCCESS[service.billing]
        service.payment_status = "capturing" if action == "capture" else "releasing"
        uow.services.save(service)
        billing.subscribe(ctx, uow, service)  # monthly: billed in arrears from now
        uow.outbox.add(PAY, {"service_id": service_id, "action": action})
        notify(ctx, uow, service, "service_active")
        uow.events.publish("service_activated", tenant=ctx.tenant.slug, service_id=service_id,
                           vin=service.vin, option=service.option)
        uow.commit()


def _give_up(ctx: TenantContext, service_id: int, error: str) -> None:
    """The activation failed for good: escalate, tell the customer, and never charge them.

    The vehicle's status is asked first: a worker that died after its command
    succeeded leaves the option applied, and then it *was* delivered. When the
    status cannot be read, the option is switched off to be sure.
    """
    vehicle_status = _vehicle_status(ctx, service_id)
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
    applied = ctx.plugins.option(service.option).activation_payload(service.vin)
    configuration = vehicle_status.get("configuration")
    if configuration is not None and all(configuration.get(key) == value
                                         for key, value in applied.items()):
        _succeeded(ctx, service_id)
        return
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service.status is not ServiceStatus.ACTIVATING:
            return
        if configuration is None:
            uow.outbox.add(DEACTIVATE, {"service_id": service_id})
        service.move_to(ServiceStatus.FAILED, error)
        service.last_error, service.next_attempt_at, service.ended_at = error, None, uow.now()
        service.payment_status = "releasing"
        uow.services.save(service)
        uow.outbox.add(PAY, {"service_id": service_id, "action": PAYMENT_ON_FAILURE})
        uow.tickets.open(
            "ota_failed", f"Activation of {service.option} on {service.vin} failed after "
                          f"{service.attempts} attempts",
            {"error": error, "attempts": service.attempts, "option": service.option,
             "vehicle_status": vehicle_status}, service_id=service_id, vin=service.vin,
            customer_id=service.customer_id)
        notify(ctx, uow, service, "service_failed")
        uow.events.publish("service_activation_failed", tenant=ctx.tenant.slug,
                           service_id=service_id, vin=service.vin, option=service.option,
                           error=error)
        uow.commit()
    log.error("OTA activation failed for good; payment released",
              extra={"service_id": service_id})


def _vehicle_status(ctx: TenantContext, service_id: int) -> dict:
    """The vehicle's state as the IoT API reports it, for the support ticket."""
    with ctx.uow() as uow:
        vin = uow.services.get(service_id).vin
    try:
        status = ctx.gateways.iot.vehicle_status(vin)
    except IotError as exc:
        return {"error": f"vehicle status unavailable: {exc}"}
    return {"online": status.online, "configuration": status.configuration,
            "last_seen": str(status.last_seen), "firmware": status.firmware,
            "last_error": status.last_error}


# --- the payment, after the outcome ------------------------------------------------------

def settle_payment(ctx: TenantContext, service_id: int, action: str,
                   amount_minor: int | None = None) -> None:
    """Capture, release (void) or refund the service's payment; idempotent at the gateway.

    A capture the card declines leaves a delivered service unpaid: the hold is released and
    staff get a chargeback-risk case. A release of a payment that was captured after all
    becomes a full refund.

    :raises PaymentError: the gateway did not answer, or refused for now: for the job to
        retry, with the same key.
    """
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
    if action == "capture":
        outcome, refunded = _capture(ctx, service)
    elif action == "void":
        outcome, refunded = _release(ctx, service)
    else:
        amount = Money.from_minor(amount_minor, service.price.currency)
        refund = ctx.gateways.payments.refund(
            service.payment_id, idempotency_key=_key(ctx.tenant, service, action), amount=amount)
        outcome, refunded = "refunded", refund.amount
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        before = service.payment_status
        service.payment_status = outcome
        if refunded is not None:
            service.refunded = refunded
        service.pending.append((service.status, service.status, f"payment {outcome}"))
        uow.services.save(service)
        _audit_payment(uow, service, outcome, before=before,
                       **({"refunded": refunded.to_dict()} if refunded is not None else {}))
        if outcome == "capture_declined":
            uow.tickets.open("chargeback_risk", f"Capture declined for {service.option} on "
                                                f"{service.vin}, already delivered",
                             {"payment_id": service.payment_id, "status": service.status.value},
                             service_id=service.id, vin=service.vin,
                             customer_id=service.customer_id)
        uow.commit()


def _capture(ctx: TenantContext, service: Service) -> tuple[str, Money | None]:
    gateway = ctx.gateways.payments
    try:
        gateway.capture(service.payment_id, idempotency_key=_key(ctx.tenant, service, "capture"))
    except PaymentDeclined:
        _release(ctx, service)
        return "capture_declined", None
    return "captured", None


def _release(ctx: TenantContext, service: Service) -> tuple[str, Money | None]:
    """Void the hold; if it was captured after all, refund what was taken."""
    gateway = ctx.gateways.payments
    try:
        gateway.void(service.payment_id, idempotency_key=_key(ctx.tenant, service, "void"))
        return "voided", None
    except (PaymentDeclined, PaymentRejected) as refused:
        state = gateway.get(service.payment_id).status
        if state == "voided":
            return "voided", None
        if state == "authorized":
            raise refused  # still held: the job tries again
    refund = gateway.refund(service.payment_id, idempotency_key=_key(ctx.tenant, service, "refund-all"))
    return "refunded", refund.amount


def deactivate(ctx: TenantContext, service_id: int) -> None:
    """Take the option off the vehicle; raises while the IoT API cannot, for the job to retry."""
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
    option = ctx.plugins.option(service.option)
    policy = _policy(ctx)
    # A fresh command id each time: the IoT API answers a known id with that command's outcome.
    ctx.gateways.iot.run(service.vin, _command_id(ctx.tenant, service_id, "off"),
                                      option.deactivation_payload(service.vin),
                                      timeout_seconds=policy.command_timeout_seconds)


# --- the sweeper -------------------------------------------------------------------

def sweep(ctx: TenantContext) -> int:
    """Send again every activation whose next step is overdue (a lost message, a dead worker)."""
    grace = timedelta(seconds=ctx.settings["CAAS_OTA_SWEEP_GRACE_SECONDS"])
    with ctx.uow() as uow:
        overdue = uow.services.overdue(ServiceStatus.ACTIVATING, wall_now() - grace)
    for service_id in overdue:
        ctx.jobs.activate_later(service_id, 0)
    return len(overdue)


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


# --- settlement reports ------------------------------------------------------------

def payment_event(uow, tenant: Tenant, service: Service, event: dict) -> str:
    """A settlement report about a service's payment (inside the webhook's transaction)."""
    kind = event["type"]
    if kind == "payment.failed" and service.status is ServiceStatus.ACTIVATING:
        service.move_to(ServiceStatus.CANCELLED, "payment failed before the activation finished")
        service.payment_status, service.next_attempt_at = "failed", None
        uow.services.save(service)
        uow.outbox.add(PAY, {"service_id": service.id, "action": "void"})
        return "activation cancelled"
    if kind == "payment.failed":
        uow.tickets.open("chargeback_risk", f"Settlement failed for {service.option} on "
                                            f"{service.vin}, already delivered",
                         {"payment_id": event["payment_id"], "status": service.status.value},
                         service_id=service.id, vin=service.vin, customer_id=service.customer_id)
        outcome = "chargeback risk escalated"
    else:
        outcome = "settled" if kind == "payment.settled" else "refund settled"
    service.pending.append((service.status, service.status, outcome))
    uow.services.save(service)
    return outcome


# --- reads -------------------------------------------------------------------------

def service_views(uow, services: list[Service]) -> list[dict]:
    history = uow.services.history([service.id for service in services])
    return [dict(vars(service), status=service.status.value, history=history[service.id],
                 refund=service.refund()) for service in services]


def vehicle_services(ctx: TenantContext, vin: str, customer_id: int | None,
                     offset: int, limit: int):
    with ctx.uow() as uow:
        catalog.own_vehicle(uow, vin, customer_id)
        services, total = uow.services.of_vehicle(vin, offset, limit)
        return service_views(uow, services), total


def service_view(ctx: TenantContext, service_id: int,
                 customer_id: int | None) -> dict:
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service is None or (customer_id is not None and service.customer_id != customer_id):
            raise NotFound(lazy_gettext("Service %(id)s not found.", id=service_id))
        return service_views(uow, [service])[0]


TASKS = (Task(ACTIVATE, run_attempt), Task(PAY, settle_payment),
         Task(DEACTIVATE, deactivate))

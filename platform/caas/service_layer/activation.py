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

from caas.adapters.iot import CommandFailed, CommandTimedOut, IotError, IotRejected
from caas.adapters.payments import (Payment, PaymentDeclined, PaymentError, PaymentOutcomeUnknown,
                                    PaymentRejected)
from caas.adapters.services import LiveServiceExists, StaleService
from caas.bootstrap import Platform
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

log = logging.getLogger(__name__)
ACTIVATE = "activate_service"
PAY = "service_payment"
DEACTIVATE = "deactivate_service"
_jitter = random.Random()


# --- purchase ---------------------------------------------------------------------

def purchase(platform: Platform, tenant: Tenant, customer_id: int, vin: str, code: str,
             card_token: str) -> dict:
    """Check eligibility, authorize the price, and queue the activation.

    :returns: the service as its purchase left it (``activating``; ``paying`` while the
        gateway's answer is being confirmed), not as a worker may have moved it since.
    :raises NotFound: not the customer's linked vehicle, or an option not sold here.
    :raises Conflict: the option is blocked (``reason``) or already being bought.
    :raises PaymentRequired: the card was declined. :raises Unavailable: the gateway did
        not act; nothing was authorized.
    """
    with platform.tenant_uow(tenant.slug) as uow:
        vehicle = catalog.own_vehicle(uow, vin, customer_id)
        setting = uow.catalog_settings.get(code)
        if setting is None or not setting["enabled"] or code not in platform.plugins.catalog_options:
            raise NotFound(lazy_gettext("The option '%(code)s' is not offered.", code=code))
        option = platform.plugins.option(code)
        live = code in uow.services.live_options(vin)
        unresolved = _unresolved_purchases(platform, uow, vin=vin, option=code) if live else []
    if unresolved:
        # A purchase of this option whose authorization went unanswered: settle it first.
        reconcile_authorization(platform, tenant, unresolved[0])
        with platform.tenant_uow(tenant.slug) as uow:
            live = code in uow.services.live_options(vin)
    overdue = (catalog.maintenance_overdue(platform, tenant, vin)
               if option.requires_maintenance else None)
    reason = blocking_reason(compatible=option.fits(vehicle.model), live=live,
                             needs_maintenance=option.requires_maintenance,
                             maintenance_overdue=overdue)
    if reason:
        raise Conflict(catalog.REASONS[reason], reason=reason)
    policy = _policy(platform, tenant)
    service = Service(customer_id=customer_id, vin=vin, option=code, billing=setting["billing"],
                      price=setting["price"], card_token=card_token,
                      max_attempts=policy.max_attempts, next_attempt_at=wall_now())
    with platform.tenant_uow(tenant.slug) as uow:
        try:
            uow.services.add(service)
        except LiveServiceExists:
            raise Conflict(lazy_gettext("This option is already being bought for this vehicle."),
                           reason="already_active")
        uow.commit()
    return _authorize(platform, tenant, service)


def _policy(platform: Platform, tenant: Tenant) -> RetryPolicy:
    settings = catalog.ota_settings(platform, tenant)
    return RetryPolicy(max_attempts=settings["max_attempts"],
                       base_seconds=settings["backoff_seconds"],
                       command_timeout_seconds=settings["command_timeout_seconds"])


def _key(tenant: Tenant, service: Service, step: str) -> str:
    return f"{tenant.slug}:service:{service.id}:{step}"


def _authorize(platform: Platform, tenant: Tenant, service: Service) -> dict:
    gateway = platform.external.payments(tenant)
    try:
        payment = gateway.authorize(service.price, service.card_token,
                                    idempotency_key=_key(tenant, service, "authorize"),
                                    reference=f"service-{service.id}",
                                    description=f"{service.option} for {service.vin}")
    except PaymentOutcomeUnknown as exc:
        return _authorization_unknown(platform, tenant, service.id, exc)
    except PaymentError as exc:
        _not_authorized(platform, tenant, service.id, exc)
        if isinstance(exc, PaymentDeclined):
            raise PaymentRequired(lazy_gettext("The card was declined (%(code)s); nothing was "
                                               "charged.", code=exc.code))
        raise gateway_refusal(exc) from exc
    return _authorized(platform, tenant, service.id, payment)


def _authorized(platform: Platform, tenant: Tenant, service_id: int, payment: Payment) -> dict:
    """The price is held: queue the activation (once, whoever learns of it first)."""
    def held(uow, stored: Service) -> None:
        stored.payment_id, stored.payment_status = payment.id, "authorized"
        stored.move_to(ServiceStatus.ACTIVATING, f"{payment.amount.amount} "
                                                 f"{payment.amount.currency} authorized")
        stored.next_attempt_at = wall_now()
        uow.services.save(stored)
        uow.outbox.add(ACTIVATE, {"service_id": stored.id})
        _audit_payment(uow, stored, "authorized", payment_id=payment.id)
    return _purchase_outcome(platform, tenant, service_id, held)


def _not_authorized(platform: Platform, tenant: Tenant, service_id: int, exc: PaymentError) -> None:
    """Declined, or known not to have happened: the purchase ends, nothing held."""
    def refused(uow, stored: Service) -> None:
        stored.move_to(ServiceStatus.PAYMENT_FAILED, f"payment: {exc}")
        stored.payment_status, stored.next_attempt_at = "none", None
        uow.services.save(stored)
        _audit_payment(uow, stored, "not_authorized", error=str(exc))
    _purchase_outcome(platform, tenant, service_id, refused)


def _purchase_outcome(platform: Platform, tenant: Tenant, service_id: int, apply) -> dict:
    """Apply the authorization's outcome to a purchase still ``paying``, once: a purchase a
    concurrent reconciliation settled first is left as it is. Returns the service's view."""
    for _ in range(3):
        with platform.tenant_uow(tenant.slug) as uow:
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


def _unresolved_purchases(platform: Platform, uow, **which) -> list[int]:
    # A purchase's next step is scheduled in real time, like every retry.
    stale = wall_now() - timedelta(seconds=platform.config["CAAS_PAYMENT_STALE_SECONDS"])
    return uow.services.unresolved_purchases(stale, **which)


def _lookup_grace_over(platform: Platform, service: Service) -> bool:
    """Whether the authorization was sent long enough ago for the gateway to know of it."""
    grace = timedelta(seconds=platform.config["CAAS_PAYMENT_LOOKUP_GRACE_SECONDS"])
    return service.next_attempt_at is None or service.next_attempt_at <= wall_now() - grace


def _authorization_unknown(platform: Platform, tenant: Tenant, service_id: int,
                           exc: PaymentError) -> dict:
    """The gateway's answer was lost: the purchase stays ``paying`` until its key is looked up."""
    with platform.tenant_uow(tenant.slug) as uow:
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


def reconcile_authorization(platform: Platform, tenant: Tenant, service_id: int) -> str:
    """Settle a purchase whose authorization went unanswered (or whose process died asking),
    by asking the gateway what it did with the purchase's key: held, the activation goes on
    as if the answer had just come; declined or never made (once
    ``CAAS_PAYMENT_LOOKUP_GRACE_SECONDS`` have passed), the purchase ends with nothing held.

    :returns: the service's status now.
    """
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
    if service.status is not ServiceStatus.PAYING:
        return service.status.value
    try:
        found = platform.external.payments(tenant).lookup(_key(tenant, service, "authorize"))
    except PaymentError:
        return service.status.value  # the gateway cannot be asked: the next pass asks again
    if found is None:
        if not _lookup_grace_over(platform, service):
            return service.status.value
        _not_authorized(platform, tenant, service_id,
                        PaymentError("the gateway never acted on the authorization"))
        return ServiceStatus.PAYMENT_FAILED.value
    try:
        payment = found.result(Payment.from_json)
    except PaymentError as exc:
        _not_authorized(platform, tenant, service_id, exc)
        return ServiceStatus.PAYMENT_FAILED.value
    return _authorized(platform, tenant, service_id, payment)["status"]


def _audit_payment(uow, service: Service, outcome: str, **after) -> None:
    uow.audit.record(f"payment.{outcome}", "service", service.id,
                     after={"option": service.option, "vin": service.vin,
                            "amount": service.price.to_dict(),
                            "payment_status": service.payment_status, **after})


# --- the OTA activation --------------------------------------------------------------

def run_attempt(platform: Platform, tenant: Tenant, service_id: int) -> None:
    """One activation attempt; schedules the next one or finishes the service.

    Safe to call for any message about the service: a finished service, an
    attempt another worker is running, or a retry that is not due yet, is skipped.
    """
    policy = _policy(platform, tenant)
    now = wall_now()
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
        if service is None or service.status is not ServiceStatus.ACTIVATING:
            return
        if service.next_attempt_at and service.next_attempt_at > now + timedelta(seconds=1):
            return  # running elsewhere, or due later
        if service.attempts >= service.max_attempts:
            attempt_error = service.last_error or "no attempts left"
            uow.commit()
            _give_up(platform, tenant, service_id, attempt_error)
            return
        service.attempts += 1
        # A lease: if this worker dies mid-command, the sweeper takes over once it expires.
        service.next_attempt_at = now + timedelta(
            seconds=policy.command_timeout_seconds + platform.config["CAAS_OTA_SWEEP_GRACE_SECONDS"])
        try:
            uow.services.save(service)
        except StaleService:
            return
        uow.commit()
    option = platform.plugins.option(service.option)
    iot = platform.external.iot(tenant)
    try:
        # valid_until: a command that outlives its attempt must never apply later, unpaid.
        iot.run(service.vin, f"{tenant.slug}-svc{service.id}-a{service.attempts}",
                option.activation_payload(service.vin),
                timeout_seconds=policy.command_timeout_seconds,
                valid_until=wall_now() + timedelta(seconds=policy.command_timeout_seconds))
    except IotRejected as exc:
        _give_up(platform, tenant, service_id, f"refused by the IoT API: {exc}")
        return
    except (CommandFailed, CommandTimedOut, IotError) as exc:
        _retry_or_give_up(platform, tenant, service_id, policy, _describe_failure(exc))
        return
    _succeeded(platform, tenant, service_id)


def _command_id(tenant: Tenant, service_id: int, purpose: str) -> str:
    return f"{tenant.slug}-svc{service_id}-{purpose}-{uuid.uuid4().hex[:8]}"


def _describe_failure(exc: Exception) -> str:
    if isinstance(exc, CommandTimedOut):
        return f"the command did not report back in time: {exc}"
    if isinstance(exc, CommandFailed):
        return f"the vehicle reported a failure: {exc}"
    return f"IoT API unavailable: {exc}"


def _retry_or_give_up(platform: Platform, tenant: Tenant, service_id: int, policy: RetryPolicy,
                      error: str) -> None:
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
        if service.status is not ServiceStatus.ACTIVATING:
            return
        if service.attempts >= service.max_attempts:
            uow.commit()
            _give_up(platform, tenant, service_id, error)
            return
        delay = policy.delay(service.attempts, _jitter)
        service.last_error = error
        service.next_attempt_at = wall_now() + timedelta(seconds=delay)
        uow.services.save(service)
        uow.commit()
    log.warning("OTA attempt %s of %s failed; retrying in %.1f s", service.attempts,
                service.max_attempts, delay, extra={"service_id": service_id})
    platform.schedule_activation(tenant.slug, service_id, delay)


def _succeeded(platform: Platform, tenant: Tenant, service_id: int) -> None:
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
        if service.status is not ServiceStatus.ACTIVATING:
            # Cancelled meanwhile (the payment failed): take the option off again.
            uow.outbox.add(DEACTIVATE, {"service_id": service_id})
            uow.commit()
            return
        option = platform.plugins.catalog_options[service.option]
        service.activated(uow.now(), option.duration_days)
        service.next_attempt_at = None
        action = PAYMENT_ON_SUCCESS[service.billing]
        service.payment_status = "capturing" if action == "capture" else "releasing"
        uow.services.save(service)
        billing.subscribe(platform, uow, tenant, service)  # monthly: billed in arrears from now
        uow.outbox.add(PAY, {"service_id": service_id, "action": action})
        notify(platform, uow, tenant, service, "service_active")
        uow.events.publish("service_activated", tenant=tenant.slug, service_id=service_id,
                           vin=service.vin, option=service.option)
        uow.commit()


def _give_up(platform: Platform, tenant: Tenant, service_id: int, error: str) -> None:
    """The activation failed for good: escalate, tell the customer, and never charge them.

    The vehicle's status is asked first: a worker that died after its command
    succeeded leaves the option applied, and then it *was* delivered. When the
    status cannot be read, the option is switched off to be sure.
    """
    vehicle_status = _vehicle_status(platform, tenant, service_id)
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
    applied = platform.plugins.option(service.option).activation_payload(service.vin)
    configuration = vehicle_status.get("configuration")
    if configuration is not None and all(configuration.get(key) == value
                                         for key, value in applied.items()):
        _succeeded(platform, tenant, service_id)
        return
    with platform.tenant_uow(tenant.slug) as uow:
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
        notify(platform, uow, tenant, service, "service_failed")
        uow.events.publish("service_activation_failed", tenant=tenant.slug,
                           service_id=service_id, vin=service.vin, option=service.option,
                           error=error)
        uow.commit()
    log.error("OTA activation failed for good; payment released",
              extra={"service_id": service_id})


def _vehicle_status(platform: Platform, tenant: Tenant, service_id: int) -> dict:
    """The vehicle's state as the IoT API reports it, for the support ticket."""
    with platform.tenant_uow(tenant.slug) as uow:
        vin = uow.services.get(service_id).vin
    try:
        status = platform.external.iot(tenant).vehicle_status(vin)
    except IotError as exc:
        return {"error": f"vehicle status unavailable: {exc}"}
    return {"online": status.online, "configuration": status.configuration,
            "last_seen": str(status.last_seen), "firmware": status.firmware,
            "last_error": status.last_error}


# --- the payment, after the outcome ------------------------------------------------------

def settle_payment(platform: Platform, tenant: Tenant, service_id: int, action: str,
                   amount_minor: int | None = None) -> None:
    """Capture, release (void) or refund the service's payment; idempotent at the gateway.

    A capture the card declines leaves a delivered service unpaid: the hold is released and
    staff get a chargeback-risk case. A release of a payment that was captured after all
    becomes a full refund.

    :raises PaymentError: the gateway did not answer, or refused for now: for the job to
        retry, with the same key.
    """
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
    if action == "capture":
        outcome, refunded = _capture(platform, tenant, service)
    elif action == "void":
        outcome, refunded = _release(platform, tenant, service)
    else:
        amount = Money.from_minor(amount_minor, service.price.currency)
        refund = platform.external.payments(tenant).refund(
            service.payment_id, idempotency_key=_key(tenant, service, action), amount=amount)
        outcome, refunded = "refunded", refund.amount
    with platform.tenant_uow(tenant.slug) as uow:
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


def _capture(platform: Platform, tenant: Tenant, service: Service) -> tuple[str, Money | None]:
    gateway = platform.external.payments(tenant)
    try:
        gateway.capture(service.payment_id, idempotency_key=_key(tenant, service, "capture"))
    except PaymentDeclined:
        _release(platform, tenant, service)
        return "capture_declined", None
    return "captured", None


def _release(platform: Platform, tenant: Tenant, service: Service) -> tuple[str, Money | None]:
    """Void the hold; if it was captured after all, refund what was taken."""
    gateway = platform.external.payments(tenant)
    try:
        gateway.void(service.payment_id, idempotency_key=_key(tenant, service, "void"))
        return "voided", None
    except (PaymentDeclined, PaymentRejected) as refused:
        state = gateway.get(service.payment_id).status
        if state == "voided":
            return "voided", None
        if state == "authorized":
            raise refused  # still held: the job tries again
    refund = gateway.refund(service.payment_id, idempotency_key=_key(tenant, service, "refund-all"))
    return "refunded", refund.amount


def deactivate(platform: Platform, tenant: Tenant, service_id: int) -> None:
    """Take the option off the vehicle; raises while the IoT API cannot, for the job to retry."""
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
    option = platform.plugins.option(service.option)
    policy = _policy(platform, tenant)
    # A fresh command id each time: the IoT API answers a known id with that command's outcome.
    platform.external.iot(tenant).run(service.vin, _command_id(tenant, service_id, "off"),
                                      option.deactivation_payload(service.vin),
                                      timeout_seconds=policy.command_timeout_seconds)


# --- the sweeper -------------------------------------------------------------------

def sweep(platform: Platform, tenant: Tenant) -> int:
    """Send again every activation whose next step is overdue (a lost message, a dead worker)."""
    grace = timedelta(seconds=platform.config["CAAS_OTA_SWEEP_GRACE_SECONDS"])
    with platform.tenant_uow(tenant.slug) as uow:
        overdue = uow.services.overdue(ServiceStatus.ACTIVATING, wall_now() - grace)
    for service_id in overdue:
        platform.schedule_activation(tenant.slug, service_id, 0)
    return len(overdue)


def reconcile(platform: Platform, tenant: Tenant) -> int:
    """Settle every purchase whose authorization went unanswered, and release every hold
    that nothing will capture, whatever state its service ended in; returns how many."""
    with platform.tenant_uow(tenant.slug) as uow:
        unanswered = _unresolved_purchases(platform, uow)
        held = uow.services.open_holds()
        for service_id in held:
            service = uow.services.get(service_id)
            service.payment_status = "releasing"
            uow.services.save(service)
            uow.outbox.add(PAY, {"service_id": service_id, "action": PAYMENT_ON_FAILURE})
        uow.commit()
    for service_id in unanswered:
        reconcile_authorization(platform, tenant, service_id)
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


def vehicle_services(platform: Platform, tenant: Tenant, vin: str, customer_id: int | None,
                     offset: int, limit: int):
    with platform.tenant_uow(tenant.slug) as uow:
        catalog.own_vehicle(uow, vin, customer_id)
        services, total = uow.services.of_vehicle(vin, offset, limit)
        return service_views(uow, services), total


def service_view(platform: Platform, tenant: Tenant, service_id: int,
                 customer_id: int | None) -> dict:
    with platform.tenant_uow(tenant.slug) as uow:
        service = uow.services.get(service_id)
        if service is None or (customer_id is not None and service.customer_id != customer_id):
            raise NotFound(lazy_gettext("Service %(id)s not found.", id=service_id))
        return service_views(uow, [service])[0]

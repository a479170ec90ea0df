"""Delivering a bought service over the air.

The purchase (:mod:`caas.service_layer.service_purchase`) authorized the price and queued
the activation; this module runs its attempts. The vehicle's confirmation captures the
authorization (or, for monthly billing, releases it and starts the subscription); an
activation that fails for good releases it in full — see :func:`_give_up`, the one place
an activation ends in failure: the customer is never charged for a service not delivered.

Attempts are counted in the database, not in the broker: a message redelivered
after a worker crash finds the count and cannot retry forever; a retry message
the broker lost is found by :func:`sweep`.
"""
from __future__ import annotations

import logging
import random
from datetime import timedelta

from caas.service_layer.gateways.iot import CommandFailed, CommandTimedOut, IotError, IotRejected
from caas.service_layer.unit_of_work import StaleService
from caas.clock import wall_now
from caas.domain.services import PAYMENT_ON_FAILURE, PAYMENT_ON_SUCCESS, RetryPolicy, ServiceStatus
from caas.service_layer import catalog
from caas.service_layer.billing.subscriptions import subscribe
from caas.service_layer.context import TenantContext
from caas.service_layer.deactivation import DEACTIVATE
# The customer's notices about their service go through the notification engine.
from caas.service_layer.notifications import service_notice as notify
from caas.service_layer.service_payments import PAY
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
ACTIVATE = "activate_service"
_jitter = random.Random()
#: Why an activation failed: the start of its error, by reason (the dashboard counts them).
FAILURE_REASONS = {"refused": "refused by the IoT API",
                   "timed_out": "the command did not report back in time",
                   "vehicle_failed": "the vehicle reported a failure",
                   "unavailable": "IoT API unavailable",
                   "no_attempts_left": "no attempts left"}


def run_attempt(ctx: TenantContext, service_id: int) -> None:
    """One activation attempt; schedules the next one or finishes the service.

    Safe to call for any message about the service: a finished service, an
    attempt another worker is running, or a retry that is not due yet, is skipped.
    """
    policy = catalog.ota_policy(ctx)
    now = wall_now()
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service is None or service.status is not ServiceStatus.ACTIVATING:
            return
        if service.next_attempt_at and service.next_attempt_at > now + timedelta(seconds=1):
            return  # running elsewhere, or due later
        if service.attempts >= service.max_attempts:
            attempt_error = service.last_error or FAILURE_REASONS["no_attempts_left"]
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
        _give_up(ctx, service_id, f"{FAILURE_REASONS['refused']}: {exc}")
        return
    except (CommandFailed, CommandTimedOut, IotError) as exc:
        _retry_or_give_up(ctx, service_id, policy, _describe_failure(exc))
        return
    _succeeded(ctx, service_id)


def _describe_failure(exc: Exception) -> str:
    if isinstance(exc, CommandTimedOut):
        return f"{FAILURE_REASONS['timed_out']}: {exc}"
    if isinstance(exc, CommandFailed):
        return f"{FAILURE_REASONS['vehicle_failed']}: {exc}"
    return f"{FAILURE_REASONS['unavailable']}: {exc}"


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
        subscribe(ctx, uow, service)  # monthly: billed in arrears from now
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


def sweep(ctx: TenantContext) -> int:
    """Send again every activation whose next step is overdue (a lost message, a dead worker)."""
    grace = timedelta(seconds=ctx.settings["CAAS_OTA_SWEEP_GRACE_SECONDS"])
    with ctx.uow() as uow:
        overdue = uow.services.overdue(ServiceStatus.ACTIVATING, wall_now() - grace)
    for service_id in overdue:
        ctx.jobs.activate_later(service_id, 0)
    return len(overdue)


TASKS = (Task(ACTIVATE, run_attempt),)

"""Registering a paid vehicle with the country's authority, through the country plugin's adapter.

The spec's rule: retry synchronously (the employee waits a few seconds), then
keep retrying in the background, and after a configurable time escalate to
staff and tell the customer that delivery is delayed. A refusal that retrying
cannot fix (bad data) is escalated at once.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import tenacity

from caas.domain.countries import RegistrationError, RegistrationRequest
from caas.domain.orders import Order, Status
from caas.service_layer import orders as order_service
from caas.service_layer import plugin_settings
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
REGISTER = "register_vehicle"
#: The status in which staff may ask for another attempt.
RETRY_FROM = Status.REGISTERING


def queue(uow, order: Order) -> int:
    """Write the registration job, held for :func:`register_now` to run first."""
    return uow.outbox.add(REGISTER, {"order_id": order.id}, hold=True)


def register_now(ctx: TenantContext, order_id: int, job: int) -> None:
    """Try a few times while the request waits; then leave it to the queued job."""
    config = ctx.settings
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(config["CAAS_REGISTRATION_SYNC_ATTEMPTS"]),
        wait=tenacity.wait_exponential(multiplier=config["CAAS_REGISTRATION_RETRY_WAIT_SECONDS"]),
        retry=tenacity.retry_if_exception(lambda exc: isinstance(exc, RegistrationError)
                                          and not exc.permanent),
        reraise=True)
    try:
        retrying(_register, ctx, order_id)
    except RegistrationError as exc:
        delay = ctx.jobs.retry_delay(1)
        with ctx.uow() as uow:
            uow.outbox.release(job, str(exc), delay)
            uow.commit()
        _after_failure(ctx, order_id, exc)
        if not exc.permanent:
            ctx.jobs.send([job], delay)
        return
    with ctx.uow() as uow:
        uow.outbox.complete(job, {"order_id": order_id})
        uow.commit()


def register_queued(ctx: TenantContext, order_id: int) -> None:
    """The queued registration; raises while the authority is unavailable, so it is retried."""
    try:
        _register(ctx, order_id)
    except RegistrationError as exc:
        _after_failure(ctx, order_id, exc)
        if not exc.permanent:
            raise


def _register(ctx: TenantContext, order_id: int) -> None:
    order = order_service.read(ctx, order_id)
    if order is None or order.status is not Status.REGISTERING:
        return  # registered already
    country = ctx.plugins.countries[ctx.tenant.country]
    settings = plugin_settings.stored(ctx,
                                      ctx.plugins.owner_of_country(ctx.tenant.country))
    adapter = ctx.gateways.registration(settings.get("credentials"))
    request = RegistrationRequest(vin=order.vin, model=order.model, owner_name=order.owner["name"],
                                  owner_tax_id=order.owner["tax_id"],
                                  owner_address=order.owner["address"])
    try:
        result = adapter.register(request)
    except RegistrationError:
        raise
    except Exception as exc:
        # The adapter is plugin code: a bug there is logged against the plugin and retried.
        log.exception("registration adapter of %s failed", ctx.tenant.country)
        raise RegistrationError(f"registration adapter failed: {exc!r}") from exc
    if not country.is_valid_plate(result.plate):
        raise RegistrationError(f"the authority returned an invalid plate {result.plate!r}",
                                permanent=True)
    with ctx.uow() as uow, order_service.transitions():
        order = order_service.load(uow, order_id)
        if order.status is not Status.REGISTERING:
            return
        order.plate = result.plate
        order.move_to(Status.REGISTERED, f"plate {result.plate}, reference {result.reference}")
        order.move_to(Status.IN_TRANSIT, "on its way to the customer")
        vehicle = uow.vehicles.get(order.vin)
        vehicle.plate = result.plate
        uow.vehicles.save(vehicle)
        order_service.save(uow, ctx.tenant, order)
        uow.events.publish("vehicle_registered", tenant=ctx.tenant.slug, vin=order.vin,
                           plate=result.plate)
        uow.commit()


def _after_failure(ctx: TenantContext, order_id: int,
                   error: RegistrationError) -> None:
    """Escalate once the failure is permanent or has lasted past the configured time."""
    with ctx.uow() as uow:
        order = order_service.load(uow, order_id)
        if order.status is not Status.REGISTERING or order.registration_escalated_at:
            return
        paid = uow.payments.succeeded(order.id, "final")
        now = uow.now()
        waited = now - paid["updated_at"]
        limit = timedelta(seconds=ctx.settings["CAAS_REGISTRATION_ESCALATE_SECONDS"])
        if not error.permanent and waited < limit:
            return
        order.registration_escalated_at = now
        uow.orders.save(order)
        uow.tickets.open(
            "registration_delayed",
            f"Registration of {order.vin} (order {order.reference}) failing for "
            f"{int(waited.total_seconds())} s", {"error": str(error), "permanent": error.permanent,
                                                  "country": ctx.tenant.country},
            order_id=order.id, vin=order.vin, customer_id=order.customer_id)
        order_service.notify(uow, ctx.tenant, order, "registration_delayed")
        uow.commit()
    log.error("vehicle registration escalated to staff", extra={"order_id": order_id})


def retry(ctx: TenantContext, order_id: int) -> None:
    """Staff ask for another registration attempt (e.g. after correcting the authority's data)."""
    with ctx.uow() as uow, order_service.transitions():
        order = order_service.load(uow, order_id)
        order.require(RETRY_FROM, action="registration")
        uow.outbox.add(REGISTER, {"order_id": order.id})
        uow.audit.record("order.registration_retried", "order", order.id)
        uow.commit()


TASKS = (Task(REGISTER, register_queued),)

"""Taking options off vehicles: ended subscriptions, expired time-limited options, and the
over-the-air command that switches an option off."""
from __future__ import annotations

import uuid
from datetime import timezone

from caas.domain.services import ServiceStatus
from caas.domain.tenants import Tenant
from caas.service_layer import catalog
from caas.service_layer.context import TenantContext
from caas.service_layer.notifications import service_notice
from caas.service_layer.tasks import Task

DEACTIVATE = "deactivate_service"


def deactivate(ctx: TenantContext, service_id: int) -> None:
    """Take the option off the vehicle; raises while the IoT API cannot, for the job to retry."""
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
    option = ctx.plugins.option(service.option)
    policy = catalog.ota_policy(ctx)
    # A fresh command id each time: the IoT API answers a known id with that command's outcome.
    ctx.gateways.iot.run(service.vin, _command_id(ctx.tenant, service_id, "off"),
                                      option.deactivation_payload(service.vin),
                                      timeout_seconds=policy.command_timeout_seconds)


def _command_id(tenant: Tenant, service_id: int, purpose: str) -> str:
    return f"{tenant.slug}-svc{service_id}-{purpose}-{uuid.uuid4().hex[:8]}"


def end_services(ctx: TenantContext, uow, service_ids: list[int], note: str) -> None:
    """Take ended subscriptions' options off their vehicles."""
    for service_id in service_ids:
        service = uow.services.get(service_id)
        if service.status is ServiceStatus.ACTIVE:
            service.move_to(ServiceStatus.ENDED, note)
            service.ended_at = uow.now()
            uow.services.save(service)
            uow.outbox.add(DEACTIVATE, {"service_id": service_id})


def expire(ctx: TenantContext) -> int:
    """Switch off time-limited options whose time is up (e.g. a 30-day boost) and tell
    their owners; returns how many ended."""
    with ctx.uow() as uow:
        now = uow.now()
        expired = uow.services.expired(now.astimezone(timezone.utc))
        end_services(ctx, uow, expired, "its time is up")
        for service_id in expired:
            service_notice(ctx, uow, uow.services.get(service_id),
                              "service_expired")
        uow.commit()
    return len(expired)


TASKS = (Task(DEACTIVATE, deactivate),)

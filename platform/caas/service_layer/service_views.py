"""Bought services as the API and the customer record read them."""
from __future__ import annotations

from caas.domain.services import Service
from caas.i18n import lazy_gettext
from caas.service_layer import catalog
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import NotFound


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

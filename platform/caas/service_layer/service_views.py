"""Bought services as the API and the customer record read them."""
from __future__ import annotations

from caas.domain.services import Service
from caas.i18n import lazy_gettext, option_name
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


def customer_services(ctx: TenantContext, customer_id: int, offset: int, limit: int,
                      locale: str, vin: str | None = None) -> tuple[list[dict], int]:
    """The customer's services on every vehicle (or on ``vin`` only), newest first, each
    with its option's name in ``locale``'s language."""
    with ctx.uow() as uow:
        services, total = uow.services.of_customer(customer_id, offset, limit, vin)
        views = service_views(uow, services)
    return [dict(view, option_name=_option_name(ctx, view["option"], locale))
            for view in views], total


def _option_name(ctx: TenantContext, code: str, locale: str) -> str:
    # An option whose plugin is no longer loaded keeps its code as its name.
    option = ctx.plugins.catalog_options.get(code)
    return option_name(option, locale, ctx.tenant.default_locale) if option else code


def named_service_view(ctx: TenantContext, service_id: int, customer_id: int | None,
                       locale: str) -> dict:
    """:func:`service_view` with its option's name in ``locale``'s language."""
    view = service_view(ctx, service_id, customer_id)
    return dict(view, option_name=_option_name(ctx, view["option"], locale))

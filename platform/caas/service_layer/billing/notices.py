"""What billing tells customers, through the notification engine."""
from __future__ import annotations

from caas.domain.tenants import Tenant
from caas.i18n import option_name
from caas.service_layer import notifications
from caas.service_layer.context import TenantContext


def option_label(ctx: TenantContext, code: str, locale: str) -> str:
    option = ctx.plugins.catalog_options.get(code)
    return option_name(option, locale) if option else code


def tell(uow, tenant: Tenant, customer_id: int, event: str, **context) -> None:
    """Tell a customer about their subscriptions or invoices, through the notification engine
    (``event`` is a key of ``messages.BILLING_EVENTS``)."""
    tell_each(uow, tenant, event, [(customer_id, context)])


def tell_each(uow, tenant: Tenant, event: str, recipients: list[tuple[int, dict]]) -> None:
    """:func:`_tell` many customers at once, each ``(customer id, context)``."""
    notifications.notify_each(uow, tenant, notifications.ROUTED_AS[event], "billing_update", [
        notifications.Notice(customer_id, {"event": event, **context})
        for customer_id, context in recipients])

"""The invoice of a one-time purchase, issued once its payment settled."""
from __future__ import annotations

from caas.domain import billing as rules
from caas.domain.money import Money
from caas.domain.services import Service, ServiceStatus, withdrawal_refund
from caas.service_layer.billing.credit_notes import credit_withdrawal
from caas.service_layer.billing.numbering import issue
from caas.service_layer.billing.pricing import priced_line, vat_rate
from caas.service_layer.context import TenantContext


def invoice_purchase(ctx: TenantContext, uow, service: Service) -> int | None:
    """Invoice a one-time purchase whose payment settled (in the webhook's transaction)."""
    if service.billing != "one_time" or uow.invoices.by_service(service.id):
        return None
    line = priced_line("one_time", service.option, service.price, vat_rate(ctx))
    try:
        with uow.savepoint():  # its numbers are given back with it
            invoice_id = issue(ctx, uow, "invoice", service.customer_id,
                               service.price.currency, [line], service_id=service.id,
                               status="paid", payment_id=service.payment_id)
    except rules.AlreadyBilled:
        return None  # invoiced meanwhile by another delivery of the same news
    if service.status is ServiceStatus.WITHDRAWN:
        # Withdrawn before the payment settled: its credit note follows the invoice.
        credit_withdrawal(ctx, uow, service, _withdrawal_refund(ctx, service))
    return invoice_id


def _withdrawal_refund(ctx: TenantContext, service: Service) -> Money:
    option = ctx.plugins.catalog_options.get(service.option)
    zone = ctx.tenant.timezone
    used = (rules.local_day(service.ended_at, zone) - rules.local_day(service.created_at,
                                                                      zone)).days
    return withdrawal_refund(ctx.country.withdrawal, service.price,
                             option.duration_days if option else None, used)

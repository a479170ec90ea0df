"""An invoice whose charge was refused: its subscriptions end with the billed month, their
options are switched off, and the customer is told."""
from __future__ import annotations

from caas.domain.billing import Period
from caas.domain.invoices import Invoice
from caas.service_layer.billing.notices import option_label, tell
from caas.service_layer.context import TenantContext
from caas.service_layer.deactivation import end_services


def payment_failed(ctx: TenantContext, uow, invoice: Invoice, error: str) -> None:
    """The charge was refused: cancel the invoice's subscriptions, switch them off, tell the
    customer. They end at the end of the billed month, so nothing after it is ever billed."""
    if not uow.invoices.set_outcome(invoice.id, "failed", error=error,
                                    expected=("open", "unconfirmed", "paid")):
        return
    lines = uow.invoices.lines([invoice.id])[invoice.id]
    subscription_ids = [line["subscription_id"] for line in lines if line["subscription_id"]]
    ends = Period.parse(invoice.period).bounds(ctx.tenant.timezone)[1]
    service_ids = uow.subscriptions.end(subscription_ids, ends, "payment_failed")
    end_services(ctx, uow, service_ids, f"invoice {invoice.number} unpaid: {error}")
    customer = uow.invoices.billing_details([invoice.customer_id])[invoice.customer_id]
    tell(uow, ctx.tenant, invoice.customer_id, "invoice_payment_failed",
         number=invoice.number, amount=invoice.total.to_dict(),
         options=[option_label(ctx, line["option"], customer["locale"]) for line in lines])
    uow.audit.record("invoice.payment_failed", "invoice", invoice.id,
                     after={"number": invoice.number, "error": error[:200],
                            "subscriptions_ended": subscription_ids})


def payment_event(ctx: TenantContext, uow, invoice: Invoice, event: dict) -> str:
    """A settlement report about an invoice's charge (inside the webhook's transaction)."""
    if event["type"] == "payment.failed" and invoice.kind == "invoice":
        payment_failed(ctx, uow, invoice, "settlement failed")
        return "invoice unpaid; subscriptions cancelled"
    return "settled" if event["type"] == "payment.settled" else "refund settled"

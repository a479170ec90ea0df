"""Credit notes: issued against an invoice (a withdrawal, a charge credited before its
answer came), and refunded on the invoice's charge."""
from __future__ import annotations

from decimal import Decimal

from caas.domain.invoices import Invoice
from caas.domain.money import Money
from caas.domain.services import Service
from caas.service_layer.billing.notices import tell
from caas.service_layer.billing.numbering import issue
from caas.service_layer.billing.pricing import priced_line, vat_rate
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

REFUND = "refund_credit_note"
#: What a withdrawal credits, and what an invoice not paid becomes once credited.
CREDITABLE = ("paid", "open", "unconfirmed", "failed")
CANCELLED = {"open": "credited", "failed": "credited", "unconfirmed": "credited_unconfirmed"}


def credit(ctx: TenantContext, uow, invoice: Invoice, amounts: list[Money], *, option: str,
           refund: bool, service_id: int | None = None,
           subscription_id: int | None = None) -> int:
    """Issue a credit note against ``invoice``, a line of ``option`` per amount (VAT
    included); with ``refund`` their sum is also paid back on the invoice's charge."""
    rate = vat_rate(ctx)
    currency = amounts[0].currency
    lines = [priced_line("credit", option, Money(-amount.amount, currency), rate,
                         subscription_id=subscription_id) for amount in amounts]
    amount = Money(sum((amount.amount for amount in amounts), Decimal(0)), currency)
    note_id = issue(ctx, uow, "credit_note", invoice.customer_id,
                    currency, lines, credited_invoice_id=invoice.id,
                    service_id=service_id, status="refunding" if refund else "credited")
    note = uow.invoices.get(note_id)
    if refund:
        uow.outbox.add(REFUND, {"credit_note_id": note_id})
    tell(uow, ctx.tenant, invoice.customer_id, "credit_note", number=note.number,
         invoice=invoice.number, amount=amount.rounded().to_dict())
    return note_id


def credit_withdrawal(ctx: TenantContext, uow, service: Service,
                      refund: Money | None) -> Money | None:
    """The customer withdrew from ``service``: credit what its invoices charged, per the
    country's refund rule (in the withdrawal's transaction).

    A one-time purchase not invoiced yet is credited when its invoice is issued; a
    subscription ends now, and the month under way is not billed at all.

    :returns: for a subscription, what its paid invoices' credit notes refund.
    """
    if service.billing == "one_time":
        invoice = uow.invoices.by_service(service.id)
        if invoice is not None and refund is not None and refund.amount > 0:
            credit(ctx, uow, invoice, [refund], option=service.option,
                   refund=False, service_id=service.id)
        return None
    subscription = uow.subscriptions.by_service(service.id)
    if subscription is None:
        return None
    uow.subscriptions.end([subscription.id], uow.now(), "withdrawn")
    # One credit note per invoice not credited yet, crediting each of its lines of the
    # subscription (the month's price and its usage). A paid invoice is refunded; one not
    # paid is cancelled, never to be charged, and one whose charge is still unconfirmed is
    # looked up at the gateway by :func:`~.charging.reconcile`, and refunded if it was paid after all.
    invoices = {invoice.id: invoice for invoice in uow.invoices.of_subscription(
        subscription.id, CREDITABLE)}
    credited = uow.invoices.lines(list(invoices))
    owed = Money(0, service.price.currency)
    for invoice_id, invoice in invoices.items():
        paid = invoice.status == "paid"
        if not paid:
            uow.invoices.set_outcome(invoice_id, CANCELLED[invoice.status],
                                     expected=(invoice.status,))
        amounts = [Money.from_minor(line["total_minor"], invoice.currency)
                   for line in credited[invoice_id] if line["subscription_id"] == subscription.id]
        credit(ctx, uow, invoice, amounts, option=service.option,
               refund=paid, service_id=service.id, subscription_id=subscription.id)
        if paid:
            owed = Money(owed.amount + sum(amount.amount for amount in amounts), owed.currency)
    return owed


def refund_credit_note(ctx: TenantContext, credit_note_id: int) -> None:
    """Pay a credit note back on its invoice's charge; idempotent at the gateway."""
    with ctx.uow() as uow:
        note = uow.invoices.get(credit_note_id)
        invoice = uow.invoices.get(note.credited_invoice_id)
    if note.status != "refunding":
        return
    amount = Money.from_minor(-note.total_minor, note.currency)
    refund = ctx.gateways.payments.refund(
        invoice.payment_id, idempotency_key=f"{ctx.tenant.slug}:credit:{note.number}",
        amount=amount)
    with ctx.uow() as uow:
        if uow.invoices.set_outcome(credit_note_id, "refunded", expected=("refunding",)):
            _owed_back(uow, note, _refunded)
            uow.audit.record("payment.refunded", "invoice", invoice.id,
                             before={"credit_note": note.number, "status": "refunding"},
                             after={"credit_note": note.number, "status": "refunded",
                                    "refund_id": refund.id, "amount": refund.amount.to_dict()})
        uow.commit()


def _owed_back(uow, note: Invoice, change) -> None:
    """Apply ``change(service, amount)`` to the service a credit note gives money back for."""
    if note.service_id is None:
        return
    service = uow.services.get(note.service_id)
    change(service, Money.from_minor(-note.total_minor, note.currency))
    uow.services.save(service)


def _refunded(service: Service, amount: Money) -> None:
    service.refunded_more(amount)
    refund = service.refund()
    if refund is not None and refund["status"] == "refunded":
        service.payment_status = "refunded"


def paid_after_all(ctx: TenantContext, uow, invoice_id: int,
                   payment_id: str) -> None:
    """An invoice the customer's withdrawal credited before its charge was known turned out
    paid: refund it through its credit note."""
    if not uow.invoices.set_outcome(invoice_id, "credited", payment_id=payment_id,
                                    expected=("credited", "credited_unconfirmed")):
        return
    note = uow.invoices.credit_note_of(invoice_id)
    if note is not None and uow.invoices.set_outcome(note.id, "refunding",
                                                     expected=("credited",)):
        uow.outbox.add(REFUND, {"credit_note_id": note.id})
        _owed_back(uow, note, lambda service, amount: service.owe_back(amount))
    uow.audit.record("invoice.refunded_after_credit", "invoice", invoice_id,
                     after={"payment_id": payment_id, "credit_note_id": note and note.id})


TASKS = (Task(REFUND, refund_credit_note),)

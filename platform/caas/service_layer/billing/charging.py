"""Charging invoices through the gateway, recording the outcomes, sending receipts, and
reconciling the charges whose answer was lost."""
from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from caas.service_layer.gateways.payments import Payment, PaymentError, PaymentNotAnswered
from caas.domain.invoices import Invoice
from caas.domain.tenants import Tenant
from caas.service_layer import settlements
from caas.service_layer.billing.credit_notes import paid_after_all
from caas.service_layer.billing.notices import tell_each
from caas.service_layer.billing.unpaid import payment_failed
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
RECEIPTS = "send_receipts"


def _charge_key(tenant: Tenant, invoice: Invoice) -> str:
    return f"{tenant.slug}:invoice:{invoice.number}:charge"


def _reference(invoice: Invoice) -> str:
    return f"invoice-{invoice.number}"


def charge_invoices(ctx: TenantContext, invoice_ids: list[int]) -> dict[int, str]:
    """Charge open invoices, then record every outcome in one transaction.

    A process dying between a charge and this record leaves the invoice ``open``:
    :func:`reconcile` finds the charge at the gateway instead of making another.
    """
    if not invoice_ids:
        return {}
    with ctx.uow() as uow:
        invoices = [invoice for invoice in uow.invoices.many(invoice_ids)
                    if invoice.status == "open"]
    charged = _charge_all(ctx, ctx.gateways.payments, invoices)
    by_outcome: dict[str, list] = {"paid": [], "unconfirmed": [], "failed": []}
    for invoice, (outcome, detail) in zip(invoices, charged):
        by_outcome[outcome].append((invoice, detail))
    _record_charges(ctx, by_outcome["paid"], by_outcome["unconfirmed"],
                    by_outcome["failed"])
    return {invoice.id: outcome for invoice, (outcome, _) in zip(invoices, charged)}


def _charge_all(ctx: TenantContext, gateway, invoices: list[Invoice]
                ) -> list[tuple[str, str | None]]:
    """Charge each invoice, ``CAAS_BILLING_CHARGE_CONCURRENCY`` at a time, since a remote
    gateway's answer is mostly waiting; ``(outcome, payment id or error)`` each, in order.

    The in-process sandbox is charged one invoice at a time: it answers on the calling
    thread, so concurrent calls would only contend for the interpreter.
    """
    def charge(invoice: Invoice) -> tuple[str, str | None]:
        if invoice.total_minor <= 0:
            return "paid", None
        try:
            payment = gateway.charge(invoice.total, invoice.card_token,
                                     idempotency_key=_charge_key(ctx.tenant, invoice),
                                     reference=_reference(invoice),
                                     description=f"Invoice {invoice.number}")
        except PaymentNotAnswered as exc:
            return "unconfirmed", str(exc)  # :func:`reconcile` asks the gateway about the key
        except PaymentError as exc:
            return "failed", str(exc)
        return "paid", payment.id

    workers = min(ctx.settings["CAAS_BILLING_CHARGE_CONCURRENCY"], len(invoices))
    if workers <= 1 or ctx.gateways.payments_in_process:
        return [charge(invoice) for invoice in invoices]
    context = contextvars.copy_context()  # the tenant and request, for the logs
    with ThreadPoolExecutor(workers, thread_name_prefix="charge") as pool:
        return list(pool.map(lambda invoice: context.copy().run(charge, invoice), invoices))


def _record_charges(ctx: TenantContext, paid, unconfirmed, failed) -> None:
    with ctx.uow() as uow:
        for invoice, error in unconfirmed:
            uow.invoices.set_outcome(invoice.id, "unconfirmed", error=error,
                                     expected=("open",))
        recorded = uow.invoices.mark_paid({invoice.id: payment_id
                                           for invoice, payment_id in paid})
        if recorded:
            uow.outbox.add(RECEIPTS, {"invoice_ids": sorted(recorded)})
        for invoice, payment_id in paid:
            if invoice.id not in recorded and payment_id:
                paid_after_all(ctx, uow, invoice.id, payment_id)
        for invoice, error in failed:
            payment_failed(ctx, uow, invoice, error)
        uow.commit()
    # News of these charges that came before their answers is theirs now.
    settlements.apply_held(ctx, payment_ids=[payment_id for _, payment_id in paid
                                                          if payment_id])
    if unconfirmed or failed:
        log.warning("month-end charges: %s unconfirmed, %s refused", len(unconfirmed),
                    len(failed), extra={"tenant": ctx.tenant.slug})


def send_receipts(ctx: TenantContext, invoice_ids: list[int]) -> int:
    """Send the customers the receipts of these paid invoices; each invoice's once, however
    often this runs (its receipt is marked in the same transaction). Returns how many."""
    with ctx.uow() as uow:
        invoices = uow.invoices.take_receipts(invoice_ids)
        tell_each(uow, ctx.tenant, "invoice_paid", [_paid_notice(invoice) for invoice in invoices])
        uow.commit()
    return len(invoices)


def _paid_notice(invoice: Invoice) -> tuple[int, dict]:
    """The invoice and its receipt, to the customer: ``(customer id, context)``."""
    return invoice.customer_id, {"number": invoice.number, "period": invoice.period,
                                    "amount": invoice.total.to_dict()}


def reconcile(ctx: TenantContext, grace_seconds: float | None = None) -> int:
    """Settle invoices whose charge went unanswered (or was never recorded), by asking the
    gateway what it did with the invoice's key: a charge is recorded as if its answer had
    just come (an invoice credited meanwhile is refunded, never quietly paid), a decline is a
    refused charge, and a charge never made is made now, under the same key. Returns how many
    invoices were looked at."""
    grace = ctx.settings["CAAS_BILLING_RECONCILE_GRACE_SECONDS"] if grace_seconds is None \
        else grace_seconds
    with ctx.uow() as uow:
        invoice_ids = uow.invoices.in_status(("open", "unconfirmed", "credited_unconfirmed"),
                                             uow.now() - timedelta(seconds=grace))
        invoices = [uow.invoices.get(invoice_id) for invoice_id in invoice_ids]
    gateway = ctx.gateways.payments
    to_charge = []
    for invoice in invoices:
        try:
            found = gateway.lookup(_charge_key(ctx.tenant, invoice))
        except PaymentError:
            return 0  # still unreachable: the next pass asks again
        with ctx.uow() as uow:
            if found is None:
                if invoice.status == "credited_unconfirmed":
                    uow.invoices.set_outcome(invoice.id, "credited",
                                             expected=("credited_unconfirmed",))
                else:
                    uow.invoices.set_outcome(invoice.id, "open", expected=("unconfirmed",))
                    to_charge.append(invoice.id)
            elif found.succeeded:
                payment_id = found.result(Payment.from_json).id
                if uow.invoices.set_outcome(invoice.id, "paid", payment_id=payment_id):
                    uow.outbox.add(RECEIPTS, {"invoice_ids": [invoice.id]})
                else:
                    paid_after_all(ctx, uow, invoice.id, payment_id)
            elif invoice.status == "credited_unconfirmed":
                uow.invoices.set_outcome(invoice.id, "credited",
                                         expected=("credited_unconfirmed",))
            else:
                payment_failed(ctx, uow, invoice, _refusal_of(found))
            uow.commit()
        if found is not None and found.succeeded:
            settlements.apply_held(ctx, keys=[_charge_key(ctx.tenant, invoice)])
    # Never charged: the charge is made now, under each invoice's own key.
    charge_invoices(ctx, to_charge)
    return len(invoices)


def _refusal_of(found) -> str:
    try:
        found.result(Payment.from_json)
    except PaymentError as exc:
        return str(exc)
    return "refused"


TASKS = (Task(RECEIPTS, send_receipts),)

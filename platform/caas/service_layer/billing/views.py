"""Invoices, credit notes, billing runs and subscriptions as the API and the pages read them."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from caas.domain.invoices import Invoice
from caas.domain.money import Money
from caas.i18n import lazy_gettext
from caas.service_layer import invoice_documents
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import NotFound


def _money(minor: int, currency: str) -> Money:
    return Money.from_minor(minor, currency)


def _invoice_view(invoice: Invoice, lines: list[dict]) -> dict:
    currency = invoice.currency
    return {**{key: getattr(invoice, key) for key in (
        "id", "number", "kind", "customer_id", "period", "service_id", "currency", "status",
        "customer_name", "customer_tax_id", "customer_address", "locale", "issue_date",
        "due_date", "payment_id", "credited_invoice_id")},
        "net": invoice.net, "vat": invoice.vat, "total": invoice.total,
        "lines": [{"kind": line["kind"], "option": line["option"], "period": line["period"],
                   "days": line["days"], "days_in_period": line["days_in_period"],
                   "vat_rate": line["vat_rate"], "net": _money(line["net_minor"], currency),
                   "vat": _money(line["vat_minor"], currency),
                   "total": _money(line["total_minor"], currency), **_usage_view(line, currency)}
                  for line in lines]}


def _usage_view(line: dict, currency: str) -> dict:
    """A usage line's quantities: used, included, billed beyond it, and the unit price."""
    if line["quantity"] is None:
        return {"quantity": None, "included": None, "billed": None, "unit": None,
                "unit_price": None}
    used, included = Decimal(line["quantity"]), Decimal(line["included"])
    return {"quantity": line["quantity"], "included": line["included"],
            "billed": str(max(used - included, Decimal(0)).quantize(used)),
            "unit": line["unit"], "unit_price": _money(line["unit_price_minor"], currency)}


def invoices(ctx: TenantContext, customer_id: int | None, offset: int,
             limit: int) -> tuple[list[dict], int]:
    """Invoices and credit notes, newest first: the customer's own, or all for staff."""
    with ctx.uow() as uow:
        found, total = uow.invoices.page(offset, limit, customer_id)
        lines = uow.invoices.lines([invoice.id for invoice in found])
    return [_invoice_view(invoice, lines[invoice.id]) for invoice in found], total


def _summary(invoice: Invoice, email: str | None) -> dict:
    """An invoice as a list shows it: no lines, its customer's email."""
    return {**{key: getattr(invoice, key) for key in (
        "id", "number", "kind", "customer_id", "customer_name", "period", "status",
        "issue_date", "credited_invoice_id", "error")},
        "customer_email": email, "total": invoice.total}


def search_invoices(ctx: TenantContext, offset: int, limit: int, *, text: str | None = None,
                    status: str | None = None, kind: str | None = None
                    ) -> tuple[list[dict], int]:
    """Every customer's invoices and credit notes for staff, newest first: those whose
    number, customer name or email contains ``text``, in ``status``, of ``kind``."""
    with ctx.reader() as uow:
        found, total = uow.invoices.search(offset, limit, text=(text or "").strip() or None,
                                           status=status, kind=kind)
    return [_summary(invoice, email) for invoice, email in found], total


def credit_notes_of(ctx: TenantContext, invoice_id: int) -> list[dict]:
    """The credit notes issued against an invoice (for staff)."""
    with ctx.reader() as uow:
        note = uow.invoices.credit_note_of(invoice_id)
    return [_summary(note, None)] if note else []


def failed_charges(ctx: TenantContext, run_id: int) -> list[dict]:
    """A billing run's refused and unconfirmed charges, each with its invoice, amount, reason
    and customer (name and email)."""
    with ctx.reader() as uow:
        failures = uow.invoices.failures([run_id])[run_id]
        invoices = uow.invoices.many([failure["id"] for failure in failures])
        customers = uow.invoices.billing_details(
            sorted({invoice.customer_id for invoice in invoices}))
    return [_summary(invoice, customers.get(invoice.customer_id, {}).get("email"))
            for invoice in invoices]


def invoice(ctx: TenantContext, invoice_id: int,
            customer_id: int | None) -> dict:
    with ctx.uow() as uow:
        found = uow.invoices.get(invoice_id)
        if found is None or (customer_id is not None and found.customer_id != customer_id):
            raise NotFound(lazy_gettext("Invoice %(id)s not found.", id=invoice_id))
        return _invoice_view(found, uow.invoices.lines([invoice_id])[invoice_id])


def invoice_document(ctx: TenantContext, invoice_id: int,
                     customer_id: int | None) -> str:
    """The invoice as an HTML page in the customer's language."""
    found = invoice(ctx, invoice_id, customer_id)
    credited = None
    if found["credited_invoice_id"]:
        credited = invoice(ctx, found["credited_invoice_id"], customer_id)["number"]
    return invoice_documents.render_html(ctx, found, credited)


def run_view(ctx: TenantContext, run_id: int) -> dict:
    """A billing run's outcome: invoices created, amounts per currency, failures."""
    with ctx.uow() as uow:
        found = uow.billing_runs.get(run_id)
        if found is None:
            raise NotFound(lazy_gettext("Billing run %(id)s not found.", id=run_id))
        return _with_outcomes(uow, [found])[0]


def runs(ctx: TenantContext, offset: int, limit: int) -> tuple[list[dict], int]:
    with ctx.uow() as uow:
        found, total = uow.billing_runs.page(offset, limit)
        return _with_outcomes(uow, found), total


def _with_outcomes(uow, found: list[dict]) -> list[dict]:
    """Runs with what each invoiced, read for all of them at once (no query per run)."""
    run_ids = [run["id"] for run in found]
    outcomes = uow.invoices.run_outcomes(run_ids)
    failures = uow.invoices.failures(run_ids)
    return [_outcome(run, outcomes[run["id"]], failures[run["id"]]) for run in found]


def _outcome(run: dict, outcome: list[dict], failures: list[dict]) -> dict:
    amounts: dict[str, Money] = {}
    by_status: dict[str, int] = defaultdict(int)
    for row in outcome:
        amounts[row["currency"]] = amounts.get(row["currency"], Money(0, row["currency"])) + \
            _money(row["total_minor"] or 0, row["currency"])
        by_status[row["status"]] += row["count"]
    # Paid, though the charge's first answer was lost: settled with the gateway since.
    reconciled = sum(row["with_error"] for row in outcome if row["status"] == "paid")
    return {**run, "invoices": sum(by_status.values()), "by_status": dict(by_status),
            "amounts": list(amounts.values()), "failures": failures, "reconciled": reconciled}


def subscription_view(ctx: TenantContext, service_id: int) -> dict | None:
    with ctx.uow() as uow:
        subscription = uow.subscriptions.by_service(service_id)
    if subscription is None:
        return None
    return {key: getattr(subscription, key) for key in ("id", "status", "started_at", "cancel_at",
                                               "ended_at", "end_reason")}


def service_credit_note(ctx: TenantContext, service_id: int,
                        customer_id: int | None) -> dict | None:
    """The credit note issued for a service (its withdrawal), once there is one: the
    customer's own, or any for staff."""
    with ctx.uow() as uow:
        note = uow.invoices.by_service(service_id, "credit_note")
        if note is None or (customer_id is not None and note.customer_id != customer_id):
            return None
        return _invoice_view(note, uow.invoices.lines([note.id])[note.id])

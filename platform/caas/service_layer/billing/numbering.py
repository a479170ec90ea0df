"""Gapless numbers of invoices and credit notes, and issuing one of them."""
from __future__ import annotations

from datetime import date

from caas.domain import billing as rules
from caas.service_layer.billing.events import announce_issued
from caas.service_layer.context import TenantContext

SERIES = {"invoice": "INV", "credit_note": "CN"}


def series_name(kind: str, year: int) -> str:
    return f"{SERIES[kind]}-{year}"


def number(ctx: TenantContext, kind: str, year: int, seq: int) -> str:
    return rules.invoice_number(ctx.country.invoice_number_format,
                                series=SERIES[kind], year=year, seq=seq)


def addressed(ctx: TenantContext, customer: dict, issued: date) -> dict:
    """An invoice's customer details as of its issue, its issue date and its due date."""
    return {"customer_name": customer["name"], "customer_tax_id": customer["tax_id"] or "",
            "customer_address": customer["address"] or {}, "locale": customer["locale"],
            "issue_date": issued,
            "due_date": rules.due_date(issued, ctx.country.payment_terms_days)}


def issue(ctx: TenantContext, uow, kind: str, customer_id: int,
          currency: str, lines: list[dict], **fields) -> int:
    """Number and write one invoice or credit note in the caller's transaction."""
    zone = ctx.tenant.timezone
    issued = rules.local_day(uow.now(), zone)
    series = series_name(kind, issued.year)
    uow.invoices.lock_series(series)
    [seq] = uow.invoices.take_numbers(series, 1)
    customer = uow.invoices.billing_details([customer_id])[customer_id]
    invoice = {"number": number(ctx, kind, issued.year, seq), "kind": kind,
               "customer_id": customer_id, "currency": currency,
               "net_minor": sum(line["net_minor"] for line in lines),
               "vat_minor": sum(line["vat_minor"] for line in lines),
               "total_minor": sum(line["total_minor"] for line in lines),
               **addressed(ctx, customer, issued), **fields}
    [invoice_id] = uow.invoices.add_many([invoice], [lines])
    announce_issued(uow, ctx.tenant.slug, [invoice_id], [invoice["number"]])
    return invoice_id

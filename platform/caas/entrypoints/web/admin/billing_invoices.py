"""The admin console's invoices and credit notes: every customer's, searched by number,
customer name or email, status and kind, a page at a time; each one with its lines, totals,
credit notes and document (the API's own)."""
from __future__ import annotations

from flask import g, request

from caas.entrypoints.web import rendering
from caas.entrypoints.web.admin import billing_labels
from caas.entrypoints.web.admin.billing_forms import InvoiceSearchForm
from caas.entrypoints.web.customer import records
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.service_layer import invoice_documents
from caas.service_layer.billing import views

INVOICE = "/admin/billing/invoices/<int(max=2147483647):invoice_id>"


@blp.get("/admin/billing/invoices")
@signed_in(*ADMIN)
def admin_billing_invoices():
    form = InvoiceSearchForm(request.args).offer()
    valid = form.validate()
    paging = Paging.requested()
    # A search that cannot be read finds nothing rather than everything.
    found, total = views.search_invoices(tenant_ctx(), paging.offset, paging.size,
                                         **form.filters()) if valid else ([], 0)
    return rendering.page(
        "admin/billing_invoices.html", 200 if valid else 422, form=form, invoices=found,
        paging=paging.of(total), labels=billing_labels,
        arguments={name: value for name, value in request.args.items() if name != "page"})


@blp.get(INVOICE)
@signed_in(*ADMIN)
def admin_billing_invoice(invoice_id: int):
    """An invoice or credit note (another tenant's id is not found), with its lines, what it
    credits or the credit notes issued against it, and its document."""
    ctx = tenant_ctx()
    found = views.invoice(ctx, invoice_id, None)
    credited = found["credited_invoice_id"]
    return rendering.page(
        "admin/billing_invoice.html", invoice=found, labels=billing_labels,
        lines=zip(found["lines"], invoice_documents.line_descriptions(ctx, found, g.web_locale)),
        credited=views.invoice(ctx, credited, None) if credited else None,
        credit_notes=views.credit_notes_of(ctx, invoice_id))


@blp.get(f"{INVOICE}/document")
@signed_in(*ADMIN)
def admin_billing_invoice_document(invoice_id: int):
    """The document as the API serves it: an HTML page in the customer's language."""
    return records.html_document(views.invoice_document(tenant_ctx(), invoice_id, None))

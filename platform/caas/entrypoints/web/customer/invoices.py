"""The customer's invoices and credit notes, each with its document (the API's own)."""
from __future__ import annotations

from flask import g

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.customer import record_labels, records
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import invoice_documents
from caas.service_layer.billing import views

navigation.link("web.invoices", lazy_gettext("My invoices"), *CUSTOMER, position=40)


@blp.get("/invoices")
@signed_in(*CUSTOMER)
def invoices():
    found, paging = records.read_page(
        lambda offset, limit: views.invoices(tenant_ctx(), g.web_actor.id, offset, limit))
    return rendering.page("customer/invoices.html", invoices=found, paging=paging,
                          credited=_credited_numbers(found), labels=record_labels)


@blp.get("/invoices/<int(max=2147483647):invoice_id>")
@signed_in(*CUSTOMER)
def invoice(invoice_id):
    found = views.invoice(tenant_ctx(), invoice_id, g.web_actor.id)
    described = invoice_documents.line_descriptions(tenant_ctx(), found, g.web_locale)
    return rendering.page("customer/invoice.html", invoice=found,
                          lines=zip(found["lines"], described),
                          credited=_credited_numbers([found]), labels=record_labels)


@blp.get("/invoices/<int(max=2147483647):invoice_id>/document")
@signed_in(*CUSTOMER)
def invoice_document(invoice_id):
    """The invoice or credit note as the API serves it: an HTML page in the customer's
    language."""
    return records.html_document(views.invoice_document(tenant_ctx(), invoice_id,
                                                        g.web_actor.id))


def _credited_numbers(shown: list[dict]) -> dict[int, str]:
    """The number of each invoice a credit note among ``shown`` credits."""
    numbers = {each["id"]: each["number"] for each in shown}
    for each in shown:
        credited = each["credited_invoice_id"]
        if credited and credited not in numbers:
            numbers[credited] = views.invoice(tenant_ctx(), credited, g.web_actor.id)["number"]
    return numbers


"""The customer's invoices and credit notes, each with its document (the API's own)."""
from __future__ import annotations

from babel.dates import format_date
from babel.numbers import format_percent
from flask import g

from caas.domain.billing import Period
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
                          lines=zip(found["lines"], described), month=_month(found["period"]),
                          credited=_credited_numbers([found]), labels=record_labels,
                          percent=_percent)


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


def _percent(rate: str) -> str:
    """A VAT rate (``"0.21"``) as the page's locale writes a percentage: ``21 %``."""
    return format_percent(float(rate), "#,##0.##%", locale=rendering.formatting())


def _month(period: str | None) -> str | None:
    """The month billed (``2028-03``) as the page's locale names it: ``März 2028``."""
    if period is None:
        return None
    return format_date(Period.parse(period).first_day, "MMMM y", locale=rendering.formatting())

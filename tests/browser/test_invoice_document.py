"""A customer's invoice, the platform's own HTML page today, read in the browser."""
import pytest

from tests.support.billing import advance_clock, subscribed
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_an_invoice_document_is_accessible_in_the_customers_language(
        page, make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, _, _ = subscribed(make_tenant, operator, client, mailbox, drain, country="CH")
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    # The document is read as the customer: their bearer token and tenant on every request.
    page.context.set_extra_http_headers(buyer.headers())
    page.goto(f"/api/v1/invoices/{invoice['id']}/document")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == "Facture CH-INV-2028-000001"
    assert_accessible(page)

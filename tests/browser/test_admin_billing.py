"""The admin console's billing in the browser: a month-end run started from the console on
the tenant's test clock, its page following the run until its results show, the dashboard's
revenue changed by it, the invoice it issued found and read, and the run in the audit log;
every page without serious accessibility violations or console errors."""
import pytest
from playwright.sync_api import expect

from caas.i18n import translation
from tests.support.api import ADMIN_PASSWORD
from tests.support.billing import month_over, subscribed
from tests.support.browser import assert_accessible, sign_in_as

pytestmark = pytest.mark.browser


def words(text: str) -> str:
    return translation(text, "es") or text


def sign_in(page, shop):
    sign_in_as(page, shop.slug, f"admin@{shop.slug}.test", ADMIN_PASSWORD, words)


def revenue_of(page, console, month: str) -> dict:
    """The dashboard's revenue figures of ``month`` (``2028-02``), as its table shows them."""
    console.get_by_role("link", name=words("Dashboard"), exact=True).click()
    page.wait_for_url("**/admin")
    revenue = page.get_by_role("table", name=words("Monthly recurring revenue"))
    return {figure: revenue.locator(f'td[data-period="{month}"][data-figure="{figure}"]')
            .inner_text().replace("\xa0", " ") for figure in ("mrr", "invoiced", "paid")}


def test_a_run_started_from_the_console_shows_its_results_and_is_audited(
        page, app, make_tenant, operator, client, mailbox, drain, billing_drain, worker):
    shop, buyer, _, _ = subscribed(make_tenant, operator, client, mailbox, drain)
    month_over(app, shop)
    sign_in(page, shop)
    console = page.get_by_role("navigation", name=words("Administration"))
    before = revenue_of(page, console, "2028-02")
    assert before["invoiced"] == before["paid"] == "0,00 €" and before["mrr"] != "0,00 €"
    console.get_by_role("link", name=words("Billing"), exact=True).click()
    page.wait_for_url("**/admin/billing")
    assert_accessible(page)
    expect(page.get_by_label(words("Month"), exact=True)).to_have_value("2028-02")
    worker.pause()  # the page sees the run going on, then its end without a reload
    page.get_by_role("button", name=words("Start the month-end run")).click()
    page.wait_for_url("**/admin/billing/runs/*?started=1")
    status = page.get_by_role("heading", level=2).first
    expect(status).to_have_text(f"{words('Status')}: {words('Running')}")
    assert_accessible(page)
    worker.resume()
    billing_drain()
    expect(status).to_have_text(f"{words('Status')}: {words('Finished')}", timeout=10_000)
    results = page.locator("section", has=page.get_by_role("heading", name=words("Results")))
    expect(results).to_contain_text("13,72 €")
    assert_accessible(page)
    # What the run billed and collected is on the dashboard; the recurring revenue is not
    # billing's to change.
    assert revenue_of(page, console, "2028-02") == dict(before, invoiced="13,72 €",
                                                         paid="13,72 €")
    console.get_by_role("link", name=words("Billing"), exact=True).click()

    [invoice] = buyer.get("/api/v1/invoices").json
    page.get_by_role("link", name=words("Invoices and credit notes")).click()
    page.wait_for_url("**/admin/billing/invoices")
    page.get_by_label(words("Number, customer name or email")).fill(invoice["number"])
    page.get_by_role("button", name=words("Search"), exact=True).click()
    page.get_by_role("link", name=invoice["number"]).click()
    page.wait_for_url(f"**/admin/billing/invoices/{invoice['id']}")
    expect(page.get_by_role("table")).to_contain_text("13,72 €")
    assert_accessible(page)

    console.get_by_role("link", name=words("Audit log")).click()
    page.wait_for_url("**/admin/audit")
    page.get_by_label(words("Action (its beginning, such as order.)")).fill("billing")
    page.get_by_role("button", name=words("Filter"), exact=True).click()
    page.wait_for_url("**/admin/audit?*action=billing*")
    entry = page.get_by_role("row").nth(1)
    expect(entry).to_contain_text("billing.run_started")
    entry.get_by_text("batches, period, trigger").click()
    expect(entry).to_contain_text('period: — → "2028-02"')
    assert_accessible(page)

"""The Intranet's stock and support tickets in the browser: a stock vehicle given to a waiting
order, and a ticket assigned then resolved, in Spanish and in French, on pages without serious
accessibility violations or console errors."""
import pytest
from playwright.sync_api import expect

from caas.i18n import translation
from tests.e2e.test_web_intranet_stock_tickets import seed
from tests.support.api import ADMIN_PASSWORD
from tests.support.browser import assert_accessible
from tests.support.journey import enable_options, pay, sell, set_up_catalog

pytestmark = pytest.mark.browser


def sign_in(page, shop, words):
    page.goto(f"/t/{shop.slug}/sign-in")
    page.get_by_label(words("Email")).fill(f"employee@{shop.slug}.test")
    page.get_by_label(words("Password")).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=words("Sign in")).click()
    page.wait_for_url(f"**/t/{shop.slug}/orders")


def give_a_stock_vehicle(page, shop, words, vin, waiting):
    page.get_by_role("link", name=words("Stock"), exact=True).click()
    page.wait_for_url("**/stock")
    assert_accessible(page)
    vehicle = page.locator("article", has=page.get_by_role("heading", name=vin))
    vehicle.get_by_label(words("Waiting order")).select_option(str(waiting["id"]))
    vehicle.get_by_role("button", name=words("Assign to this order")).click()
    page.wait_for_url(f"**/stock?assigned={waiting['id']}")
    confirmation = page.get_by_role("status").inner_text()
    assert vin in confirmation and waiting["reference"] in confirmation
    assert words("No vehicle is waiting in stock.") in page.locator("main").inner_text()
    assert_accessible(page)


def assign_then_resolve(page, shop, words, ticket):
    page.get_by_role("link", name=words("Support tickets"), exact=True).click()
    page.wait_for_url("**/tickets")
    assert_accessible(page)
    # Choosing a filter shows its tickets at once (htmx), and the address says which.
    page.get_by_label(words("Status")).select_option("resolved")
    page.wait_for_url("**/tickets?status=resolved*")
    expect(page.get_by_text(words("No ticket matches."))).to_be_visible()
    page.get_by_label(words("Status")).select_option("open")
    page.wait_for_url("**/tickets?status=open*")
    page.get_by_role("link", name="Activation failed", exact=True).click()
    page.wait_for_url(f"**/tickets/{ticket}")
    assert_accessible(page)
    page.get_by_label(words("Assign to")).select_option(label="Employee")
    page.get_by_role("button", name=words("Assign"), exact=True).click()
    page.wait_for_url(f"**/tickets/{ticket}?done=assignee")
    assert words("The ticket has been changed.") in page.get_by_role("status").inner_text()
    page.get_by_role("button", name=words("Resolve"), exact=True).click()
    page.wait_for_url(f"**/tickets/{ticket}?done=resolution")
    summary = page.locator("main dl").first.inner_text()
    assert words("Resolved") in summary and "Employee" in summary
    history = page.locator("section", has=page.get_by_role("heading", name=words("History")))
    assert f"employee@{shop.slug}.test" in history.inner_text()
    assert page.get_by_role("button", name=words("Reopen"), exact=True).is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("country, locale", [("ES", "es"), ("FR", "fr")])
def test_a_stock_vehicle_goes_to_a_waiting_order_and_a_ticket_is_assigned_then_resolved(
        page, make_tenant, platform, country, locale):
    shop = make_tenant(country)
    set_up_catalog(shop)
    enable_options(shop)
    waiting = sell(shop, country)["order"]
    assert pay(shop, waiting["id"]).status_code == 200
    seed(platform, shop, vehicles=1)
    [ticket] = seed(platform, shop, tickets=("Activation failed",))
    words = lambda text: translation(text, locale) or text  # noqa: E731
    sign_in(page, shop, words)
    assert page.locator("html").get_attribute("lang").startswith(locale)
    give_a_stock_vehicle(page, shop, words, "VSEED000000000000", waiting)
    assign_then_resolve(page, shop, words, ticket)

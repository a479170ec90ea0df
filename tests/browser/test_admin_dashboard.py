"""The admin dashboard in the browser, in German and in Spanish: the admin lands on it, its
charts' labels fit inside them (long German words too), and its tables give the numbers of
what happened (a sale, a delivered vehicle with a monthly option), on pages without serious
accessibility violations or console errors."""
import re

import pytest

from caas.i18n import translation
from tests.support.api import ADMIN_PASSWORD
from tests.support.browser import assert_accessible
from tests.support.journey import enable_options, linked_vehicle, pay, sell, set_up_catalog

pytestmark = pytest.mark.browser

#: Whether every text of every chart lies inside its chart's drawing.
TEXTS_INSIDE = """() => [...document.querySelectorAll("svg[role=img]")].flatMap(svg => {
    const box = svg.viewBox.baseVal;
    return [...svg.querySelectorAll("text")].map(text => {
        const drawn = text.getBBox();
        return drawn.x >= box.x - 1 && drawn.x + drawn.width <= box.x + box.width + 1
            && drawn.y >= box.y - 1 && drawn.y + drawn.height <= box.y + box.height + 1
            ? null : text.textContent;
    }).filter(outside => outside !== null);
})"""


@pytest.mark.parametrize("country, locale", [("DE", "de"), ("ES", "es")])
def test_the_dashboard_shows_the_months_numbers_in_the_admins_language(
        page, make_tenant, operator, client, mailbox, drain, country, locale):
    shop = make_tenant(country)
    set_up_catalog(shop)
    enable_options(shop)
    reserved = sell(shop, country)["order"]
    assert pay(shop, reserved["id"]).status_code == 200
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain, country)
    assert buyer.post(f"/api/v1/vehicles/{vin}/services", json={
        "option": "extended_range", "card_token": "tok_ok"}).status_code == 202
    drain()
    words = lambda text: translation(text, locale) or text  # noqa: E731

    page.goto(f"/t/{shop.slug}/sign-in")
    page.get_by_label(words("Email")).fill(f"admin@{shop.slug}.test")
    page.get_by_label(words("Password")).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=words("Sign in")).click()
    page.wait_for_url(f"**/t/{shop.slug}/admin")
    assert page.locator("html").get_attribute("lang").startswith(locale)
    assert_accessible(page)
    assert page.evaluate(TEXTS_INSIDE) == []

    revenue = page.get_by_role("table", name=words("Monthly recurring revenue"))
    month = revenue.locator("td[data-figure=mrr]").last.get_attribute("data-period")
    cells = {figure: revenue.locator(f'td[data-period="{month}"][data-figure="{figure}"]')
             .inner_text().replace("\xa0", " ") for figure in ("mrr", "new", "churned")}
    assert cells == {"mrr": "19,90 €", "new": "19,90 €", "churned": "0,00 €"}

    # The other tables open from their summaries, with the keyboard as with a click.
    orders = page.locator("section", has=page.get_by_role(
        "heading", name=words("Orders by status"), exact=True))
    orders.locator("summary").focus()
    page.keyboard.press("Enter")
    table = orders.get_by_role("table", name=words("Orders by status"))
    row = lambda status: table.get_by_role("row", name=re.compile(words(status)))  # noqa: E731
    assert row("Operational").locator("td").inner_text() == "1"
    assert row("Ordered from the factory").locator("td").inner_text() == "1"
    assert_accessible(page)

    page.get_by_label(words("Range")).select_option("12")
    page.get_by_role("button", name=words("Show")).click()
    page.wait_for_url("**/admin?months=12")
    assert revenue.locator("td[data-figure=mrr]").count() == 12
    assert page.evaluate(TEXTS_INSIDE) == []
    assert_accessible(page)

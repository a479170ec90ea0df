"""Journey 1 of the consoles in the browser: on a Swiss tenant, an admin puts an option on sale
at a price in francs in the catalog console; an employee then sells a vehicle, and its buyer
sees the option, named in French, at that price in CHF. Every console page without serious
accessibility violations."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from playwright.sync_api import expect

from caas.i18n import formatting_locale, option_name, translation
from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.browser import assert_accessible
from tests.support.journey import customer, set_up_catalog, to_in_transit

pytestmark = pytest.mark.browser

SWISS_LOCALES = ["de-CH", "fr-CH", "it-CH", "en-CH"]


def say(text: str, language: str) -> str:
    found = translation(text, language)
    assert found, f"no {language} for {text!r}"
    return found


def sign_in(page, slug, email, password):
    page.goto(f"/t/{slug}/sign-in")
    page.locator("input[type=email]").fill(email)
    page.locator("input[type=password]").fill(password)
    page.locator("main button[type=submit]").click()


def put_on_sale(page, code, price, billing):
    """Fill and send the option's form on the catalog page; wait for its confirmation."""
    page.locator(f"#{code}-enabled").check()
    page.locator(f"#{code}-price").fill(price)
    page.locator(f"#{code}-billing").select_option(billing)
    page.locator("article", has=page.locator(f"#option-{code}")).locator(
        "button[type=submit]").click()
    page.wait_for_url(f"**/admin/catalog?saved={code}*")
    expect(page.locator("main [role=status]")).to_be_visible()


def test_an_admin_sells_an_option_in_francs_and_a_customer_sees_it_in_french(
        page, make_tenant, operator, mailbox, drain, platform):
    shop = make_tenant("CH", SWISS_LOCALES)
    set_up_catalog(shop)

    # The admin, in the tenant's first language (German), opens the console from its menu.
    sign_in(page, shop.slug, f"admin@{shop.slug}.test", ADMIN_PASSWORD)
    page.get_by_role("navigation", name=say("Administration", "de")).get_by_role(
        "link", name=say("Catalog", "de")).click()
    page.wait_for_url("**/admin/catalog")
    assert_accessible(page)
    put_on_sale(page, "heated_seats", "290.00", "one_time")
    expect(page.locator("main [role=status]")).to_contain_text("CHF")
    assert_accessible(page)
    put_on_sale(page, "extended_range", "19.90", "monthly")
    # The other console pages, each from the catalog's own links.
    catalog_pages = page.get_by_role("navigation", name=say("Catalog pages", "de"))
    for label, address in (("Compatibility", "**/admin/catalog/compatibility"),
                           ("Models and manuals", "**/admin/catalog/models"),
                           ("Plans", "**/admin/catalog/plans")):
        catalog_pages.get_by_role("link", name=say(label, "de")).click()
        page.wait_for_url(address)
        assert_accessible(page)
    catalog_pages.get_by_role("link", name=say("Options", "de")).click()
    page.get_by_role("link", name=re.compile(re.escape(say(
        "Move running subscriptions of %(option)s to this price", "de").split("%")[0]))).click()
    page.wait_for_url("**/options/extended_range/price-move")
    assert_accessible(page)
    [seats] = [item for item in shop.admin.get("/api/v1/catalog/options").json
               if item["code"] == "heated_seats"]
    assert seats["enabled"] and seats["billing"] == "one_time"
    assert (seats["price"]["amount"], seats["price"]["currency"]) == ("290.00", "CHF")

    # An employee sells a vehicle to a French-speaking customer, who receives it.
    email = customer("CH")["email"]
    transit = to_in_transit(shop, operator, "CH", email=email)
    assert shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery",
                              json={"outcome": "delivered"}).status_code == 200
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]

    # The customer signs in: the pages speak French, and the option costs francs.
    page.context.clear_cookies()
    sign_in(page, shop.slug, email, password_in(message))
    page.wait_for_url(f"**/t/{shop.slug}/vehicles")
    assert page.locator("html").get_attribute("lang").startswith("fr")
    page.locator("main table a").first.click()
    page.wait_for_url(re.compile(r".*/vehicles/\d+$"))
    page.get_by_role("button", name=say("Link the vehicle to my account", "fr")).click()
    page.get_by_role("link", name=say("Options for this vehicle", "fr")).click()
    page.wait_for_url("**/catalog")
    seats_plugin = platform.for_tenant(shop.tenant).plugins.catalog_options["heated_seats"]
    offered = page.locator("article", has=page.locator("#option-heated_seats"))
    expect(offered.locator("h2")).to_have_text(option_name(seats_plugin, "fr-CH", "de-CH"))
    shown = offered.inner_text().replace("\xa0", " ").replace("\u202f", " ")
    francs = format_currency(Decimal("290.00"), "CHF",
                             locale=formatting_locale("fr-CH", "de-CH")).replace("\xa0", " ")
    assert francs.replace("\u202f", " ") in shown and "CHF" in francs, shown
    expect(offered).to_contain_text(say("One-time", "fr"))
    assert_accessible(page)

"""Journey 4 in the browser: an operator creates a tenant of a country with its first admin in
the console, opens its admin console (with the banner) and leaves it; that admin signs in with
the emailed password and puts an option on sale in the catalog console. And every console page in every language,
without text left in English nor serious accessibility violations."""
from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from caas.i18n import translation
from caas.service_layer.users import create_operator
from tests.support.api import OPERATOR_PASSWORD, login, password_in
from tests.support.browser import ConsoleWatch, assert_accessible
from tests.support.crawl import Crawl, flask_routes, problems
from tests.support.platform import new_slug

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "de", "es", "fr", "it")


@pytest.fixture
def operator_email(platform):
    email = f"op-{uuid.uuid4().hex[:8]}@caas.test"
    create_operator(platform, email, OPERATOR_PASSWORD, name="Olga Operator")
    return email


def sign_in_to_the_console(page, email):
    page.goto("/operator/sign-in")
    assert_accessible(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/operator/tenants")
    assert_accessible(page)


def create_a_swiss_tenant(page, slug, admin_email):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New tenant").click()
    page.wait_for_url("**/operator/tenants/new")
    assert_accessible(page)
    # Each installed country with its languages and currency.
    expect(page.get_by_text("Languages: Deutsch (Schweiz), Français (Suisse), Italiano "
                            "(Svizzera) · currency: CHF")).to_be_visible()
    page.get_by_label("Slug", exact=False).fill("Not a slug")
    page.get_by_label("Name", exact=True).first.fill("Garage Suisse")
    page.get_by_label("Switzerland").check()
    admin = page.get_by_role("group", name="Its first admin (the credentials are emailed)")
    admin.get_by_label("Name").fill("Anne Admin")
    admin.get_by_label("Email").fill(admin_email)
    admin.get_by_label("Language").select_option("fr-CH")
    page.console.expect("status of 422")  # the first try is refused, as the API would
    page.get_by_role("button", name="Create the tenant").click()
    # The use case's refusal, beside the slug; the rest of the form is kept.
    expect(page.locator("#slug-error")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.get_by_label("Switzerland").is_checked()
    assert_accessible(page)
    page.get_by_label("Slug", exact=False).fill(slug)
    page.get_by_role("button", name="Create the tenant").click()
    page.wait_for_url(f"**/operator/tenants/{slug}?created=1")
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("#health-schema")).to_contain_text("Up to date")
    assert_accessible(page)


def find_it_and_see_the_plugins(page, slug):
    page.get_by_role("link", name="Tenants", exact=True).click()
    page.get_by_label("Slug or name contains").fill(slug)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"**/operator/tenants?q={slug}")
    expect(page.get_by_role("link", name=slug)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Plugins", exact=True).click()
    page.wait_for_url("**/operator/plugins")
    expect(page.get_by_role("row", name="ch caas-country-ch")).to_be_visible()
    assert_accessible(page)


def act_inside_and_leave(page, slug):
    page.goto(f"/operator/tenants/{slug}")
    page.get_by_role("button", name="Open its admin console (Garage Suisse)").click()
    page.wait_for_url(f"**/t/{slug}/**")
    # The tenant's pages speak its languages (German first, for Switzerland).
    banner = page.get_by_role("region", name=translation("Operator", "de"))
    expect(banner).to_contain_text("Garage Suisse")
    expect(banner).to_contain_text("Olga Operator")
    assert_accessible(page)
    banner.get_by_role("button").click()
    page.wait_for_url(f"**/operator/tenants/{slug}")


def test_an_operator_creates_a_tenant_whose_first_admin_configures_the_catalog(
        page, chromium, live_server, app, operator_email, drain, mailbox):
    slug, admin_email = new_slug("ch"), f"anne@{uuid.uuid4().hex[:6]}.test"
    sign_in_to_the_console(page, operator_email)
    create_a_swiss_tenant(page, slug, admin_email)
    find_it_and_see_the_plugins(page, slug)
    act_inside_and_leave(page, slug)

    drain()
    [message] = mailbox.messages(admin_email)
    password = password_in(message)
    context = chromium.new_context(base_url=live_server.url)
    try:
        admin = context.new_page()
        admin.console = ConsoleWatch(admin)
        admin.goto(f"/t/{slug}/sign-in")
        admin.locator("main input[type=email]").fill(admin_email)
        admin.locator("main input[type=password]").fill(password)
        admin.locator("main [type=submit]").click()
        admin.wait_for_url(lambda url: "/sign-in" not in url)
        # Signed in, in the admin's own language.
        assert admin.locator("html").get_attribute("lang") == "fr-CH"
        expect(admin.get_by_text(say("Signed in as %(name)s").replace(
            "%(name)s", "Anne Admin"))).to_be_visible()
        assert_accessible(admin)
        configure_the_catalog(admin)
        admin.console.assert_clean()
    finally:
        context.close()
    # The option is on sale, as the API reads it.
    api = login(app.test_client(), admin_email, password, slug)
    [option] = [each for each in api.get("/api/v1/catalog/options").json
                if each["code"] == "heated_seats"]
    assert option["enabled"] and (option["price"]["amount"], option["price"]["currency"]) == (
        "249.00", "CHF")


def say(text: str) -> str:
    """``text`` in French, the first admin's language."""
    found = translation(text, "fr")
    assert found, f"no French for {text!r}"
    return found


def configure_the_catalog(admin):
    """The admin puts an option on sale at a price in francs, from the console's menu."""
    admin.get_by_role("navigation", name=say("Administration")).get_by_role(
        "link", name=say("Catalog")).click()
    admin.wait_for_url("**/admin/catalog")
    assert_accessible(admin)
    admin.locator("#heated_seats-enabled").check()
    admin.locator("#heated_seats-price").fill("249.00")
    admin.locator("#heated_seats-billing").select_option("one_time")
    admin.locator("article", has=admin.locator("#option-heated_seats")).locator(
        "button[type=submit]").click()
    admin.wait_for_url("**/admin/catalog?saved=heated_seats*")
    expect(admin.locator("main [role=status]")).to_contain_text("CHF")
    assert_accessible(admin)


@pytest.mark.same_on_every_backend  # what a page says, and how, is not the database's
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_console_page_in_every_language(app, live_server, chromium, operator_email,
                                              make_tenant, language):
    make_tenant("ES")  # a tenant's row, and its health page, to follow
    context = chromium.new_context(base_url=live_server.url,
                                   extra_http_headers={"Accept-Language": language})
    try:
        page = context.new_page()
        page.console = ConsoleWatch(page)
        crawl = Crawl(page, "/operator/", flask_routes(app),
                      lambda shown: problems(shown, language))
        crawl.run("/operator/sign-in")
        words = lambda text: translation(text, language) or text  # noqa: E731
        page.goto("/operator/sign-in")
        page.get_by_label(words("Email")).fill(operator_email)
        page.get_by_label(words("Password")).fill(OPERATOR_PASSWORD)
        page.get_by_role("button", name=words("Sign in")).click()
        page.wait_for_url("**/operator/tenants")
        visits = crawl.run("/operator/tenants")
    finally:
        context.close()
    assert not crawl.failed, crawl.report()
    reached = {flask_routes(app)(visit.address) for visit in visits}
    assert {"operator.tenants", "operator.new_tenant", "operator.plugins",
            "operator.tenant"} <= reached, reached

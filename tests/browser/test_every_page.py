"""Every page, for every reader, in every language the core speaks: found by following the
links from where each reader lands, each one in the reader's language (no text left in
English), without a console error, and without serious accessibility violations.

The tenant has the data that makes pages show their rows: orders in several states, a
customer's delivered vehicle with a service bought on it, a support ticket.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask, Response

from caas import i18n
from caas.adapters.sql import tables
from caas.adapters.sql.engines import single_write
from caas.entrypoints.web import navigation
from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.browser import ConsoleWatch, LiveServer
from tests.support.crawl import Crawl, english_left, flask_routes, problems, untranslated
from tests.support.journey import linked_vehicle, sell, to_vehicle_ready
from tests.support.languages import core_locales
from tests.support.tickets import open_ticket

pytestmark = pytest.mark.browser

READERS = ("signed out", "customer", "employee", "admin")


def every_language(default: str) -> list[str]:
    """One locale per language of the core's catalogs, the tenant's default first (no
    country offers them all: the test gives its tenant every one)."""
    chosen = {i18n.language_of(default): default}
    for locale in core_locales():
        chosen.setdefault(i18n.language_of(locale), locale)
    return list(chosen.values())


def offer(platform, slug: str, locales: list[str]) -> None:
    with single_write(platform.control_engine) as conn:
        conn.execute(tables.tenants.update().where(tables.tenants.c.slug == slug)
                     .values(locales=locales))
    platform.forget_tenant(slug)


def speak(platform, slug: str, email: str, locale: str) -> None:
    """The person's own locale (signed-in pages are in it), as a profile would set it."""
    with platform.tenant_writer(slug) as conn:
        conn.execute(tables.users.update().where(tables.users.c.email == email)
                     .values(locale=locale))


@pytest.fixture
def dealership(shop, owned, operator, platform, mailbox, drain):
    """The shop with its pages' data, in every language, and its readers' credentials."""
    buyer, vin = owned
    bought = buyer.post(f"/api/v1/vehicles/{vin}/services",
                        json={"option": "heated_seats", "card_token": "tok_ok"})
    assert bought.status_code in (201, 202), bought.json
    sell(shop)
    to_vehicle_ready(shop, operator)
    open_ticket(shop, operator)
    drain()
    email = buyer.get("/api/v1/me").json["email"]
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    offer(platform, shop.slug, every_language(shop.tenant.default_locale))
    shop.readers = {"signed out": None, "customer": (email, password_in(message)),
                    "employee": (f"employee@{shop.slug}.test", ADMIN_PASSWORD),
                    "admin": (f"admin@{shop.slug}.test", ADMIN_PASSWORD)}
    return shop


def _sign_in(page, slug: str, email: str, password: str) -> None:
    page.goto(f"/t/{slug}/sign-in")
    page.locator("main input[type=email]").fill(email)
    page.locator("main input[type=password]").fill(password)
    page.locator("main [type=submit]").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


@pytest.mark.same_on_every_backend  # what a page says, and how, is not the database's
@pytest.mark.parametrize("reader", READERS)
def test_every_page_in_every_language(app, dealership, platform, live_server, chromium, reader):
    """One browser context per language, the reader signed in in it (the person's locale)
    or not (Accept-Language); the crawl starts where the reader lands."""
    slug, route, credentials = dealership.slug, flask_routes(app), dealership.readers[reader]
    failed, reached = [], {}
    for locale in platform.tenant(slug).locales:
        if credentials:
            speak(platform, slug, credentials[0], locale)
        context = chromium.new_context(base_url=live_server.url,
                                       extra_http_headers={"Accept-Language": locale})
        try:
            page = context.new_page()
            page.console = ConsoleWatch(page)
            if credentials:
                _sign_in(page, slug, *credentials)
            crawl = Crawl(page, f"/t/{slug}/", route,
                          lambda shown, locale=locale: problems(shown, locale))
            crawl.run(*(() if credentials else ("/",)), f"/t/{slug}/")
        finally:
            context.close()
        reached[locale] = {route(visit.address) for visit in crawl.visits}
        if crawl.failed:
            failed.append(f"{reader}, {locale}:\n{crawl.report()}")
    assert not failed, "pages with problems (every address visited is listed):\n" + \
        "\n".join(failed)
    # The crawl reached at least the reader's menu, and the same pages in every language.
    menu = {link.endpoint for link in navigation.links_for(reader)}
    for locale, routes in reached.items():
        assert menu <= routes, (locale, menu - routes)
        assert routes == reached[dealership.tenant.default_locale], locale


# --- the checks themselves ------------------------------------------------------------------

FRENCH_PAGE = ('<!doctype html><html lang="fr-FR"><head><title>{title} · Garage</title></head>'
               '<body><main><h1>{heading}</h1>'
               '<p lang="en">{quoted}</p></main></body></html>')


def _french(page, heading: str, title: str = "Mes véhicules") -> None:
    page.set_content(FRENCH_PAGE.format(title=title, heading=heading, quoted="Sign in"))


def test_an_english_text_on_a_french_page_fails(chromium):
    page = chromium.new_page()
    try:
        assert i18n.translation("Sign in", "fr") not in (None, "Sign in")
        _french(page, heading="Sign in")
        assert untranslated(page, "fr") == ["Sign in"]
        assert "left in English: 'Sign in'" in problems(page, "fr-FR")
        _french(page, heading=i18n.translation("Sign in", "fr"), title="Change password")
        assert untranslated(page, "fr") == ["Change password"]  # the title counts too
    finally:
        page.close()


def test_a_french_page_passes_and_text_declared_in_another_language_is_not_counted(chromium):
    page = chromium.new_page()
    try:
        _french(page, heading=i18n.translation("Sign in", "fr"))
        assert untranslated(page, "fr") == []
        assert problems(page, "fr-FR") == []
        assert problems(page, "fr-CH") == []  # the language is what counts
        assert problems(page, "de-DE") == ['the page is in "fr-FR", not in the language of "de-DE"']
    finally:
        page.close()


def test_placeholders_match_any_value_and_english_is_never_left_in_english():
    left = english_left("es")
    assert left("Signed in as Ana García")
    assert not left("Signed in")
    assert not left("Signed in asAna")  # the words around a placeholder keep their spaces
    assert not english_left("en")("Sign in")


def test_the_crawl_follows_one_address_per_route_and_reports_what_it_visited(chromium):
    site = Flask(__name__)
    links = {"/t/x/": ["/t/x/orders/1", "/t/x/orders/2", "/t/x/sign-out", "/t/y/",
                       "/t/x/invoice.pdf", "/t/x/broken", "mailto:a@b.test"],
             "/t/x/orders/1": ["/t/x/", "/t/x/orders/3#timeline"]}

    def html(path):
        anchors = "".join(f'<a href="{to}">{to}</a>' for to in links.get(path, ()))
        return f'<html lang="en"><title>t</title><main>{anchors}</main></html>'

    site.add_url_rule("/t/x/", "home", lambda: html("/t/x/"))
    site.add_url_rule("/t/x/orders/<int:number>", "order",
                      lambda number: html(f"/t/x/orders/{number}"))
    site.add_url_rule("/t/x/sign-out", "sign_out", lambda: html("/t/x/sign-out"))
    site.add_url_rule("/t/x/invoice.pdf", "pdf",
                      lambda: Response(b"%PDF-1.4", mimetype="application/pdf"))
    server = LiveServer(site)
    page = chromium.new_page(base_url=server.url)
    page.console = ConsoleWatch(page)
    try:
        crawl = Crawl(page, "/t/x/", flask_routes(site), lambda shown: [])
        visits = crawl.run("/t/x/")
    finally:
        page.close()
        server.close()
    assert [urlsplit(visit.address).path for visit in visits] == [
        "/t/x/", "/t/x/orders/1", "/t/x/broken"]
    assert visits[2].problems[0] == "answered 404"
    assert crawl.failed and "/t/x/broken (404)" in crawl.report()


def test_every_address_of_a_flask_route_names_the_same_page(app):
    route = flask_routes(app)
    assert route("http://localhost/t/a/orders") == route("http://localhost/t/b/orders")
    assert route("http://localhost/t/a/sign-in?reset=1") == "web.sign_in?reset"
    assert route("http://localhost/t/a/no-such-page") is None

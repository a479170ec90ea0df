"""The customer's journeys in the browser: a German customer signs in with the emailed
password, buys a one-time option, watches it become active, withdraws and sees the credit
note; a purchase the vehicle cannot activate says nothing was charged; a double click on
"buy" charges once. Every page without serious accessibility violations."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from caas.i18n import translation
from tests.support.api import password_in
from tests.support.browser import assert_accessible
from tests.support.journey import customer, enable_options, set_up_catalog, to_in_transit

pytestmark = pytest.mark.browser


def de(text: str) -> str:
    found = translation(text, "de")
    assert found, f"no German for {text!r}"
    return found


def es(text: str) -> str:
    found = translation(text, "es")
    assert found, f"no Spanish for {text!r}"
    return found


@pytest.fixture
def iot(app):
    return app.extensions["caas_sandboxes"].iot


def delivered(shop, operator, mailbox, drain, country):
    """A vehicle sold with the API and delivered: (the buyer's email and emailed password,
    the VIN)."""
    email = customer(country)["email"]
    transit = to_in_transit(shop, operator, country, email=email)
    assert shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery",
                              json={"outcome": "delivered"}).status_code == 200
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    return email, password_in(message), transit["vin"]


def service_ledger(operator, slug, *types):
    entries = operator.get(f"/sandbox/payments/ledger?tenant={slug}").json["entries"]
    return [e for e in entries if e["reference"].startswith("service-") and e["type"] in types]


def sign_in_and_link(page, slug, email, password, say):
    """Sign in, open the vehicle from the menu's landing page, link it to the account."""
    page.goto(f"/t/{slug}/sign-in")
    assert_accessible(page)
    page.locator("input[type=email]").fill(email)
    page.locator("input[type=password]").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**/t/{slug}/vehicles")
    assert_accessible(page)
    page.locator("main table a").first.click()
    page.wait_for_url(re.compile(r".*/vehicles/\d+$"))
    assert_accessible(page)
    page.get_by_role("button", name=say("Link the vehicle to my account")).click()
    expect(page.locator("#vehicle-state h2")).to_contain_text(say("Operational"))
    assert_accessible(page)
    page.get_by_role("link", name=say("Options for this vehicle")).click()
    page.wait_for_url("**/catalog")
    assert_accessible(page)


def test_a_german_customer_buys_watches_it_activate_withdraws_and_sees_the_credit_note(
        page, make_tenant, operator, mailbox, drain, iot):
    shop = make_tenant("DE")
    set_up_catalog(shop)
    enable_options(shop)
    email, password, vin = delivered(shop, operator, mailbox, drain, "DE")
    sign_in_and_link(page, shop.slug, email, password, de)
    assert page.locator("html").get_attribute("lang").startswith("de")
    seats = page.locator("article", has=page.locator("#option-heated_seats"))
    expect(seats).to_contain_text(de("One-time"))
    # The vehicle holds the activation's command until the test lets it apply it.
    assert shop.admin.put("/api/v1/settings/ota", json={
        "max_attempts": 2, "backoff_seconds": 0.05,
        "command_timeout_seconds": 30}).status_code == 200
    iot.set_behaviour(vin, "pending")
    seats.get_by_label(de("Test card token")).fill("tok_ok")
    seats.get_by_role("button").click()
    page.wait_for_url(re.compile(r".*/services/\d+$"))
    expect(page.locator("#service-state h2")).to_have_text(
        f'{de("Status")}: {de("Activating")}')
    assert_accessible(page)
    deadline = time.monotonic() + 15
    while not iot.commands(vin):  # the worker's attempt waits on the vehicle
        assert time.monotonic() < deadline
        time.sleep(0.05)
    iot.set_behaviour(vin, "ok")
    for command in iot.commands(vin):
        iot.complete(command["command_id"], "succeeded")
    drain()
    # The page follows by itself (htmx polls its live part).
    expect(page.locator("#service-state h2")).to_have_text(
        f'{de("Status")}: {de("Active")}', timeout=15_000)
    assert_accessible(page)
    # The gateway settles the capture: the purchase is invoiced.
    [capture] = service_ledger(operator, shop.slug, "capture")
    assert operator.post(f"/sandbox/payments/{capture['payment_id']}/settle",
                         json={"outcome": "settled"}).status_code == 200
    page.get_by_role("link", name=de("Withdraw from this service")).click()
    page.wait_for_url("**/withdraw")
    terms = page.locator("main").inner_text().replace("\xa0", " ")
    assert "14" in terms and "249,00 €" in terms
    assert_accessible(page)
    page.get_by_role("button", name=de("Confirm the withdrawal")).click()
    page.wait_for_url(re.compile(r".*/services/\d+$"))
    state = page.locator("#service-state")
    expect(state.locator("h2")).to_have_text(f'{de("Status")}: {de("Withdrawn")}')
    expect(state).to_contain_text(de("Credit note"))
    assert re.search(r"\S*CN\S+ · -249,00 €", state.inner_text().replace("\xa0", " ")), \
        state.inner_text()
    assert_accessible(page)
    page.get_by_role("navigation").get_by_role("link", name=de("My services")).click()
    expect(page.locator("main table")).to_contain_text(de("Withdrawn"))
    assert_accessible(page)


def test_a_purchase_the_vehicle_cannot_activate_says_nothing_was_charged(
        page, shop, operator, mailbox, drain, iot):
    email, password, vin = delivered(shop, operator, mailbox, drain, "ES")
    assert shop.admin.put("/api/v1/settings/ota", json={
        "max_attempts": 1, "backoff_seconds": 0.05,
        "command_timeout_seconds": 0.3}).status_code == 200
    iot.set_behaviour(vin, "fail")
    sign_in_and_link(page, shop.slug, email, password, es)
    seats = page.locator("article", has=page.locator("#option-heated_seats"))
    seats.get_by_label(es("Test card token")).fill("tok_ok")
    seats.get_by_role("button").click()
    page.wait_for_url(re.compile(r".*/services/\d+$"))
    drain()
    state = page.locator("#service-state")
    expect(state.locator("h2")).to_have_text(f'{es("Status")}: {es("Activation failed")}',
                                             timeout=15_000)
    expect(state.get_by_role("alert")).to_contain_text(es(
        "The vehicle could not activate the option. Nothing was charged: the amount held on "
        "your card is released."))
    assert_accessible(page)
    assert service_ledger(operator, shop.slug, "capture", "charge") == []
    assert len(service_ledger(operator, shop.slug, "void")) == 1


def test_a_double_click_on_buy_charges_once(page, shop, operator, mailbox, drain):
    email, password, _ = delivered(shop, operator, mailbox, drain, "ES")
    sign_in_and_link(page, shop.slug, email, password, es)
    seats = page.locator("article", has=page.locator("#option-heated_seats"))
    seats.get_by_label(es("Test card token")).fill("tok_ok")
    seats.get_by_role("button").dblclick()
    # The second click finds the first purchase under way, or done: either way no second.
    page.wait_for_url(re.compile(r".*/(services/\d+|catalog)$"))
    page.wait_for_load_state()
    drain()
    page.get_by_role("navigation").get_by_role("link", name=es("My services")).click()
    page.wait_for_url("**/services")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    assert_accessible(page)
    assert len(service_ledger(operator, shop.slug, "authorization")) == 1
    assert len(service_ledger(operator, shop.slug, "capture")) == 1

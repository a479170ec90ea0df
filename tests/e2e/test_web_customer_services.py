"""The customer's vehicles, their catalog, buying an option and the services bought, through
the pages as a browser without JavaScript reads and sends them: live parts that stop once
final, one charge however often the buy form is sent, nothing charged when it fails, the
withdrawal's rule and refund before it, and nobody else's vehicle or service."""
from __future__ import annotations

import re
import time

import pytest

from caas import CatalogOption, hookimpl
from caas.i18n import translation
from tests.support.api import password_in
from tests.support.billing import usage_pricing
from tests.support.crawl import english_left
from tests.support.fakes import plugins
from tests.support.languages import country_speaking, translated_languages
from tests.support.journey import (customer, enable_options, linked_vehicle, pay, sell,
                                   set_up_catalog, to_in_transit)
from tests.support.web import csrf_token, send_form, sign_in, texts

HOSTILE = "<script>alert(1)</script>"


def es(text: str) -> str:
    found = translation(text, "es")
    assert found, f"no Spanish for {text!r}"
    return found


def page_text(response) -> str:
    return " ".join(texts(response.get_data(as_text=True))).replace("\xa0", " ")


@pytest.fixture
def iot(app):
    return app.extensions["caas_sandboxes"].iot


def _password(mailbox, email: str) -> str:
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    return password_in(message)


def signed_in_buyer(client, shop, mailbox, api_buyer) -> str:
    """Sign the API buyer in on the pages; the web address of their vehicle."""
    email = api_buyer.get("/api/v1/me").json["email"]
    assert sign_in(client, shop.slug, email, _password(mailbox, email)).status_code == 303
    listing = client.get(f"/t/{shop.slug}/vehicles").get_data(as_text=True)
    return re.search(rf'href="(/t/{shop.slug}/vehicles/\d+)"', listing)[1]


@pytest.fixture
def buyer(shop, owned, client, mailbox):
    """(the vehicle page's address, the VIN) of a signed-in customer's linked vehicle."""
    api_buyer, vin = owned
    return signed_in_buyer(client, shop, mailbox, api_buyer), vin


def _sent(iot, vin: str, seconds: float = 10.0) -> list[dict]:
    """The commands the vehicle has received, once the activation job has sent one."""
    deadline = time.monotonic() + seconds
    while not iot.commands(vin) and time.monotonic() < deadline:
        time.sleep(0.05)
    return iot.commands(vin)


def ledger(operator, slug, *types):
    """The payment sandbox's movements for services (not the vehicle's own payments)."""
    entries = operator.get(f"/sandbox/payments/ledger?tenant={slug}").json["entries"]
    return [e for e in entries if e["reference"].startswith("service-")
            and (not types or e["type"] in types)]


def buy(client, vehicle: str, option: str = "heated_seats", token: str = "tok_ok"):
    return send_form(client, f"{vehicle}/catalog", option=option, card_token=token,
                     once=_once_key(client, f"{vehicle}/catalog"))


def _once_key(client, page: str) -> str:
    return re.search(r'name="once"[^>]*value="([0-9a-f]{32})"',
                     client.get(page).get_data(as_text=True))[1]


def service_address(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert re.search(r"/services/\d+$", location), location
    return location


# --- vehicles --------------------------------------------------------------------------------

def test_my_vehicles_lists_each_vehicle_and_its_page_shows_the_whole_timeline(shop, buyer,
                                                                              client):
    vehicle, vin = buyer
    listing = client.get(f"/t/{shop.slug}/vehicles")
    assert listing.status_code == 200
    listed = page_text(listing)
    assert vin in listed and "urbano" in listed and es("Operational") in listed
    page = client.get(vehicle)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html, shown = page.get_data(as_text=True), page_text(page)
    assert vin in shown and es("Timeline") in shown
    for step in ("Reservation unpaid", "Reserved", "Being registered", "In transit",
                 "Delivered", "Operational"):
        assert es(step) in shown, step
    # Final: nothing to come, nothing polled.
    assert "step-upcoming" not in html and "hx-get" not in html
    assert f'href="{vehicle}/catalog"' in html and f"/services?vin={vin}" in html


def test_the_vehicle_page_follows_the_order_while_it_moves(shop, operator, client, mailbox,
                                                           drain):
    email = customer()["email"]
    order = sell(shop, email=email)["order"]
    drain()
    assert sign_in(client, shop.slug, email, _password(mailbox, email)).status_code == 303
    vehicle = f"/t/{shop.slug}/vehicles/{order['id']}"
    page = client.get(vehicle)
    html, shown = page.get_data(as_text=True), page_text(page)
    assert es("Reservation unpaid") in shown
    # Steps to come are greyed, and the live part is polled while the order is not final.
    assert html.count('class="step-upcoming"') == 10
    assert f'hx-get="{vehicle}/state?drawn=' in html
    assert pay(shop, order["id"]).status_code == 200
    fragment = client.get(f"{vehicle}/state?drawn=created")  # the page drew it unpaid
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert es("Ordered from the factory") in page_text(fragment)
    # Without JavaScript a reload shows the same.
    assert es("Ordered from the factory") in page_text(client.get(vehicle))
    # No catalog before the vehicle is there.
    assert client.get(f"{vehicle}/catalog").status_code == 404


def test_a_delivered_vehicle_is_linked_from_its_page(shop, operator, client, mailbox, drain):
    email = customer()["email"]
    transit = to_in_transit(shop, operator, email=email)
    shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery", json={"outcome": "delivered"})
    drain()
    assert sign_in(client, shop.slug, email, _password(mailbox, email)).status_code == 303
    vehicle = f"/t/{shop.slug}/vehicles/{transit['id']}"
    assert es("Link the vehicle to my account") in page_text(client.get(vehicle))
    linked = send_form(client, vehicle, f"{vehicle}/link")
    assert linked.status_code == 303 and linked.headers["Location"].endswith(vehicle)
    shown = page_text(client.get(vehicle))
    assert es("Operational") in shown and es("Options for this vehicle") in shown


# --- access ------------------------------------------------------------------------------------

def test_another_customers_vehicle_and_service_are_not_found(shop, buyer, operator, client,
                                                             mailbox, drain):
    vehicle, _ = buyer
    service = service_address(buy(client, vehicle))
    send_form(client, vehicle, f"/t/{shop.slug}/sign-out")
    other, _ = linked_vehicle(shop, operator, client, mailbox, drain)
    signed_in_buyer(client, shop, mailbox, other)
    for address in (vehicle, f"{vehicle}/state", f"{vehicle}/catalog", service,
                    f"{service}/status", f"{service}/withdraw"):
        response = client.get(address)
        assert response.status_code == 404, address
        assert "text/html" in response.content_type
    refused = send_form(client, f"/t/{shop.slug}/services", f"{service}/withdraw")
    assert refused.status_code == 404
    refused = send_form(client, f"/t/{shop.slug}/services", f"{service}/cancel")
    assert refused.status_code == 404
    bought_elsewhere = send_form(client, f"/t/{shop.slug}/services", f"{vehicle}/catalog",
                                 option="heated_seats", card_token="tok_ok")
    assert bought_elsewhere.status_code == 404
    assert len(ledger(operator, shop.slug, "authorization")) == 1


@pytest.mark.parametrize("address", ["/vehicles/999999", "/vehicles/999999/catalog",
                                     "/services/999999", "/services/999999/withdraw",
                                     "/services/x", "/vehicles/-1", "/services/999999/status"])
def test_bad_ids_are_not_found(shop, buyer, client, address):
    assert client.get(f"/t/{shop.slug}{address}").status_code == 404


@pytest.mark.parametrize("address", ["/vehicles", "/services", "/vehicles/1",
                                     "/vehicles/1/catalog", "/services/1",
                                     "/services/1/withdraw"])
def test_staff_may_not_open_customer_pages(tenant, client, address):
    sign_in(client, tenant.slug, f"employee@{tenant.slug}.test", "admin-pass-0001")
    assert client.get(f"/t/{tenant.slug}{address}").status_code == 403


def test_signed_out_readers_are_sent_to_sign_in(shop, client):
    response = client.get(f"/t/{shop.slug}/services")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")


# --- the catalog and buying -------------------------------------------------------------------

def test_the_catalog_gives_price_billing_and_why_an_option_is_blocked(shop, buyer, client, app,
                                                                       drain):
    vehicle, vin = buyer
    app.extensions["caas_sandboxes"].vss.set_vehicle(vin, "overdue")
    usage_pricing("1.50", "10")(shop)
    page = client.get(f"{vehicle}/catalog")
    assert page.status_code == 200
    shown = page_text(page)
    assert "249,00 €" in shown and es("One-time") in shown and es("Monthly") in shown
    assert es("Limited time: %(days)s days") % {"days": 30} in shown  # performance boost
    # Premium connectivity: a free trial, and its data beyond what is included.
    assert es("Free trial of %(days)s days") % {"days": 14} in shown
    assert es("Usage price: %(price)s per %(unit)s beyond %(included)s included") % {
        "price": "1,50 €", "unit": "GB", "included": "10"} in shown
    assert es("Available") in shown
    assert translation("Your vehicle's maintenance is overdue. Please complete the scheduled "
                       "service first.", "es") in shown
    html = page.get_data(as_text=True)
    assert html.count('name="card_token"') == 4  # driving assistance is blocked
    assert 'id="card-token-heated_seats"' in html and 'for="card-token-heated_seats"' in html
    service_address(buy(client, vehicle))
    drain()
    shown = page_text(client.get(f"{vehicle}/catalog"))
    assert translation("This option is already active on your vehicle.", "es") in shown


def test_a_purchase_is_followed_live_until_active_and_charged_once_however_often_sent(
        shop, buyer, client, operator, drain, iot):
    vehicle, vin = buyer
    iot.set_behaviour(vin, "pending")  # the vehicle answers when the test says so
    key = _once_key(client, f"{vehicle}/catalog")
    form = client.get(f"{vehicle}/catalog").get_data(as_text=True)
    fields = {"csrf_token": csrf_token(form), "option": "heated_seats",
              "card_token": "tok_ok", "once": key}
    first = client.post(f"{vehicle}/catalog", data=fields)
    service = service_address(first)
    # The double click, and the reload of the answer: sent where the first one went.
    again = client.post(f"{vehicle}/catalog", data=fields)
    assert again.status_code == 303 and again.headers["Location"] == service
    page = client.get(service)
    html = page.get_data(as_text=True)
    assert es("Activating") in page_text(page)
    assert f'hx-get="{service}/status?drawn=activating"' in html
    # While nothing changes, a poll swaps nothing (a screen reader hears only news).
    assert client.get(f"{service}/status?drawn=activating").status_code == 204
    for command in _sent(iot, vin):  # the vehicle answers the command it was sent,
        if command["status"] == "pending":
            iot.complete(command["command_id"], "succeeded")
    iot.set_behaviour(vin, "ok")  # and any it is sent from now on
    drain()
    live = client.get(f"{service}/status")
    assert es("Active") in page_text(live) and "hx-get" not in live.get_data(as_text=True)
    assert len(ledger(operator, shop.slug, "authorization")) == 1
    assert len(ledger(operator, shop.slug, "capture")) == 1
    listing = page_text(client.get(f"/t/{shop.slug}/services"))
    assert es("Active") in listing and "249,00 €" in listing and es("One-time") in listing


def test_a_declined_card_says_nothing_was_charged(shop, buyer, client, operator, iot):
    vehicle, vin = buyer
    refused = buy(client, vehicle, token="tok_decline")
    assert refused.status_code == 402
    shown = page_text(refused)
    assert es("Nothing was charged.") in shown
    assert translation("The card was declined (%(code)s); nothing was charged.", "es") \
        .split("(")[0] in shown
    assert ledger(operator, shop.slug, "capture", "charge") == []
    assert iot.commands(vin) == []


def test_a_card_token_that_is_not_one_is_said_beside_the_field(shop, buyer, client, operator):
    vehicle, _ = buyer
    refused = buy(client, vehicle, token="4111 1111 1111 1111")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'aria-describedby="card-token-heated_seats-error"' in html
    assert ledger(operator, shop.slug) == []


def test_an_option_not_offered_is_refused(shop, buyer, client, operator):
    vehicle, _ = buyer
    refused = buy(client, vehicle, option=HOSTILE)
    assert refused.status_code == 404 and HOSTILE not in refused.get_data(as_text=True)
    assert ledger(operator, shop.slug) == []


def test_a_failed_activation_says_plainly_nothing_was_charged(shop, buyer, client, operator,
                                                             iot, drain):
    vehicle, vin = buyer
    assert shop.admin.put("/api/v1/settings/ota", json={
        "max_attempts": 1, "backoff_seconds": 0.05,
        "command_timeout_seconds": 0.3}).status_code == 200
    iot.set_behaviour(vin, "fail")
    service = service_address(buy(client, vehicle))
    drain()
    page = client.get(service)
    shown = page_text(page)
    assert es("Activation failed") in shown
    assert es("The vehicle could not activate the option. Nothing was charged: the amount "
              "held on your card is released.") in shown
    assert "hx-get" not in page.get_data(as_text=True)
    assert ledger(operator, shop.slug, "capture", "charge") == []


# --- my services ----------------------------------------------------------------------------

def _settle_the_capture(operator, shop):
    [capture] = ledger(operator, shop.slug, "capture")
    assert operator.post(f"/sandbox/payments/{capture['payment_id']}/settle",
                         json={"outcome": "settled"}).status_code == 200


def test_a_withdrawal_shows_the_rule_and_refund_then_withdraws_once_with_a_credit_note(
        shop, buyer, client, operator, drain, iot):
    vehicle, vin = buyer
    service = service_address(buy(client, vehicle))
    drain()
    _settle_the_capture(operator, shop)
    terms = client.get(f"{service}/withdraw")
    assert terms.status_code == 200
    shown = page_text(terms)
    assert "14" in shown and "249,00 €" in shown
    key = re.search(r'name="once"[^>]*value="([0-9a-f]{32})"', terms.get_data(as_text=True))[1]
    fields = {"csrf_token": csrf_token(terms.get_data(as_text=True)), "once": key}
    done = client.post(f"{service}/withdraw", data=fields)
    assert done.status_code == 303 and done.headers["Location"].endswith(service)
    assert client.post(f"{service}/withdraw", data=fields).headers["Location"] == \
        done.headers["Location"]
    drain()
    shown = page_text(client.get(service))
    assert es("Withdrawn") in shown and es("Credit note") in shown
    assert re.search(r"CN/\S+ · -249,00 €", shown), shown
    assert len(ledger(operator, shop.slug, "refund")) == 1
    assert iot.vehicle(vin)["configuration"]["comfort.heated_seats.enabled"] is False
    # Withdrawn: it cannot be again, and the page says why.
    again = client.get(f"{service}/withdraw")
    assert again.status_code == 409
    assert translation("Only an active service can be withdrawn from.", "es") in page_text(again)


def test_switzerland_refuses_the_withdrawal_with_the_reason(make_tenant, operator, client,
                                                            mailbox, drain):
    shop = make_tenant("CH")
    set_up_catalog(shop)
    enable_options(shop)
    api_buyer, _ = linked_vehicle(shop, operator, client, mailbox, drain, "CH")
    vehicle = signed_in_buyer(client, shop, mailbox, api_buyer)
    service = service_address(buy(client, vehicle))
    drain()
    refused = client.get(f"{service}/withdraw")
    assert refused.status_code == 409
    assert "Suisse" in page_text(refused)  # in the customer's French
    assert 'name="once"' not in refused.get_data(as_text=True)
    sent = send_form(client, f"{service}", f"{service}/withdraw", once="0" * 32)
    assert sent.status_code == 409 and "Suisse" in page_text(sent)


def test_a_subscription_is_cancelled_at_the_end_of_the_month(shop, buyer, client, drain):
    vehicle, vin = buyer
    service = service_address(buy(client, vehicle, "extended_range"))
    drain()
    page = client.get(service)
    assert es("Cancel the subscription at the end of the month") in page_text(page)
    done = send_form(client, service, f"{service}/cancel")
    assert done.status_code == 303
    shown = page_text(client.get(service))
    assert es("Subscription ends") in shown
    assert es("Cancel the subscription at the end of the month") not in shown
    again = send_form(client, service, f"{service}/cancel")
    assert again.status_code == 409
    assert translation("This subscription is already cancelled.", "es") in page_text(again)
    # A one-time purchase is no subscription.
    listing = page_text(client.get(f"/t/{shop.slug}/services?vin={vin}"))
    assert es("Monthly") in listing and "19,90 €" in listing


# --- hostile names -----------------------------------------------------------------------------

class _HostileOption:
    OPTION = CatalogOption(code="hostile_option", names={"en": HOSTILE},
                           descriptions={"en": HOSTILE}, billing_modes=("one_time",),
                           activation_payload=lambda vin: {"comfort.hostile": True},
                           deactivation_payload=lambda vin: {"comfort.hostile": False})

    @staticmethod
    @hookimpl
    def register_catalog_options():
        return [_HostileOption.OPTION]


@pytest.fixture
def hostile_option(platform):
    platform.plugins.register(_HostileOption, "test_hostile_option")
    yield _HostileOption.OPTION.code
    platform.plugins.unregister("test_hostile_option")


def test_hostile_option_and_customer_names_are_escaped(shop, operator, client, mailbox, drain,
                                                       hostile_option):
    assert shop.admin.put(f"/api/v1/catalog/options/{hostile_option}", json={
        "enabled": True, "price": "5.00", "billing": "one_time"}).status_code == 200
    api_buyer, _ = linked_vehicle(shop, operator, client, mailbox, drain, name=HOSTILE)
    vehicle = signed_in_buyer(client, shop, mailbox, api_buyer)
    service = service_address(buy(client, vehicle, hostile_option))
    for address in (f"{vehicle}/catalog", service, f"/t/{shop.slug}/services", vehicle):
        html = client.get(address).get_data(as_text=True)
        assert HOSTILE not in html, address
    assert "&lt;script&gt;" in client.get(f"{vehicle}/catalog").get_data(as_text=True)


# --- every page in every language ----------------------------------------------------------------

@pytest.mark.parametrize("language", translated_languages())
def test_every_page_of_vehicles_and_services_is_in_the_readers_language(
        make_tenant, operator, client, mailbox, drain, language):
    country = country_speaking(language)
    if country is None:
        pytest.skip(f"no installed country's tenants read {language}")
    shop = make_tenant(country)
    set_up_catalog(shop)
    enable_options(shop)
    api_buyer, _ = linked_vehicle(shop, operator, client, mailbox, drain, country,
                                  locale=plugins().countries[country].default_locale)
    vehicle = signed_in_buyer(client, shop, mailbox, api_buyer)
    service = service_address(buy(client, vehicle))
    drain()
    english = english_left(language)
    pages = {"vehicles": client.get(f"/t/{shop.slug}/vehicles"), "vehicle": client.get(vehicle),
             "catalog": client.get(f"{vehicle}/catalog"),
             "refused token": buy(client, vehicle, "performance_boost", "not a token"),
             "declined": buy(client, vehicle, "performance_boost", "tok_decline"),
             "services": client.get(f"/t/{shop.slug}/services"), "service": client.get(service),
             "withdrawal": client.get(f"{service}/withdraw")}
    for name, response in pages.items():
        assert response.mimetype == "text/html", name
        shown = texts(response.get_data(as_text=True))
        assert [text for text in shown if english(text)] == [], (language, name)

"""The Intranet's order page without JavaScript: the order with its payments and timeline,
only the steps its status admits, each sent as a form through the API's use cases, and
every refusal shown on the page with its status."""
from __future__ import annotations

import re

import pytest

from caas.i18n import LazyText
from caas.sandboxes import faults
from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.crawl import english_left
from tests.support.journey import (OPTION, advance, order, pay, sell, set_up_catalog,
                                   to_in_transit, to_vehicle_ready)
from tests.support.languages import country_speaking, translated_languages
from tests.support.ledger import Ledger
from tests.support.web import csrf_token, sign_in, texts

HOSTILE = "<script>alert(1)</script>"
#: The gateway charges, then its answer is lost, and so is the lookup of the charge's key.
LOST = faults.Mode("charge_then_timeout", operations=["charge", "lookup"])
#: Each step's address below the order's page, and what its form sends.
STEPS = {"reservation-payment": {"card_token": "tok_ok"}, "final-payment": {"card_token": "tok_ok"},
         "registration": {}, "delivery": {"outcome": "delivered"}, "pickup": {}}


def es(text: str, **values) -> str:
    return LazyText(text, **values).render("es-ES")


def sign_in_as_employee(client, shop) -> None:
    assert sign_in(client, shop.slug, f"employee@{shop.slug}.test",
                   ADMIN_PASSWORD).status_code == 303


def page_of(shop, order_id) -> str:
    return f"/t/{shop.slug}/orders/{order_id}"


def once_key(html: str) -> str:
    found = re.search(r'<input[^>]*name="once"[^>]*value="([0-9a-f]{32})"', html)
    assert found, "the page has no payment form"
    return found[1]


@pytest.fixture
def staff(client, shop):
    """The test client, signed in as the shop's employee."""
    sign_in_as_employee(client, shop)
    return client


def step(client, shop, order_id, name, **fields):
    """Send a step's form from the order's page, as the page draws it."""
    html = client.get(page_of(shop, order_id)).get_data(as_text=True)
    data = dict(STEPS[name], csrf_token=csrf_token(html), **fields)
    if name.endswith("payment") and "once" not in data and 'name="once"' in html:
        data["once"] = once_key(html)
    return client.post(f"{page_of(shop, order_id)}/{name}", data=data)


def read(client, shop, order_id, after=None) -> str:
    """The order's page; ``after`` a step's answer, the page it leads to."""
    response = client.get(after.headers["Location"] if after else page_of(shop, order_id))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def forms_on(html: str) -> set[str]:
    """The steps whose form the page offers."""
    return set(re.findall(r'action="/t/[^/]+/orders/\d+/([\w-]+)"', html))


# --- the order and who may see it ------------------------------------------------------------

def test_staff_see_the_sale_its_prices_and_timeline_with_the_customer_escaped(staff, shop):
    sold = sell(shop, name=HOSTILE)["order"]
    html = read(staff, shop, sold["id"])
    assert sold["reference"] in html and "urbano" in html and OPTION in html
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # 30,000 + 500, in Spanish; the reservation and what is left.
    assert "30.500,00\xa0€" in html and "1.000,00\xa0€" in html and "29.500,00\xa0€" in html
    assert es("Reservation unpaid") in texts(html)
    assert f"employee@{shop.slug}.test" in texts(html)  # who created it, in the timeline
    assert forms_on(html) == {"reservation-payment"}
    assert 'hx-trigger' not in html  # nothing to wait for: the employee acts


def test_customers_are_refused_and_unknown_or_other_tenants_orders_are_absent(
        client, shop, make_tenant, mailbox, drain):
    sold = sell(shop)
    other = make_tenant("ES")
    sign_in_as_employee(client, other)
    assert client.get(page_of(other, sold["order"]["id"])).status_code == 404
    assert client.get(page_of(other, 2**31 - 1)).status_code == 404
    assert client.get(page_of(other, 2**31)).status_code == 404
    assert client.get(f"{page_of(other, sold['order']['id'])}/status").status_code == 404
    token = csrf_token(client.get(f"/t/{other.slug}/orders").get_data(as_text=True))
    for name, fields in STEPS.items():
        sent = client.post(f"{page_of(other, sold['order']['id'])}/{name}",
                           data=dict(fields, csrf_token=token, once="0" * 32))
        assert sent.status_code == 404, name
    # Signed in on the other tenant, the shop's pages send to the shop's sign-in.
    assert client.get(page_of(shop, sold["order"]["id"])).status_code == 302
    email = sold["customer"]["email"]
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    assert sign_in(client, shop.slug, email, password_in(message)).status_code == 303
    assert client.get(page_of(shop, sold["order"]["id"])).status_code == 403
    refused = client.post(f"{page_of(shop, sold['order']['id'])}/reservation-payment", data={
        "csrf_token": csrf_token(client.get(f"/t/{shop.slug}/vehicles").get_data(as_text=True)),
        "card_token": "tok_ok"})
    assert refused.status_code == 403
    assert order(shop, sold["order"]["id"])["status"] == "created"


def test_the_tenants_admins_see_and_act_on_orders_too(client, shop):
    sold = sell(shop)["order"]
    assert sign_in(client, shop.slug, f"admin@{shop.slug}.test", ADMIN_PASSWORD).status_code == 303
    assert forms_on(read(client, shop, sold["id"])) == {"reservation-payment"}
    assert step(client, shop, sold["id"], "reservation-payment").status_code == 303


# --- payments --------------------------------------------------------------------------------

def test_the_reservation_is_charged_once_however_often_its_form_is_sent(staff, shop, operator):
    sold = sell(shop)["order"]
    html = read(staff, shop, sold["id"])
    form = {"csrf_token": csrf_token(html), "once": once_key(html), "card_token": "tok_ok"}
    address = f"{page_of(shop, sold['id'])}/reservation-payment"
    answers = [staff.post(address, data=form) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {303}
    assert {answer.headers["Location"] for answer in answers} == \
        {f"{page_of(shop, sold['id'])}?done=paid"}
    assert Ledger(operator, shop.slug, sold["reference"]).takings == 1
    assert order(shop, sold["id"])["status"] == "factory_ordered"
    html = read(staff, shop, sold["id"], answers[-1])
    assert es("The payment was taken.") in texts(html) and es("Paid") in texts(html)
    assert es("Ordered from the factory") in texts(html)
    assert forms_on(html) == set() and 'hx-trigger="every 2s"' in html


def test_a_declined_card_is_said_on_the_page_and_nothing_changes(staff, shop, operator):
    sold = sell(shop)["order"]
    declined = step(staff, shop, sold["id"], "reservation-payment", card_token="tok_decline")
    assert declined.status_code == 402
    html = declined.get_data(as_text=True)
    assert 'role="alert"' in html and "nothing was charged" not in html  # said in Spanish
    assert es("The card was declined (%(code)s); nothing was charged. Try another card.",
              code="card_declined") in html
    assert order(shop, sold["id"])["status"] == "created"
    assert Ledger(operator, shop.slug, sold["reference"]).takings == 0
    assert forms_on(html) == {"reservation-payment"}  # another card may be tried
    assert step(staff, shop, sold["id"], "reservation-payment").status_code == 303


def test_a_token_that_is_not_one_is_said_on_its_field(staff, shop):
    sold = sell(shop)["order"]
    refused = step(staff, shop, sold["id"], "reservation-payment", card_token="4111111111111111")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and es("Not a card token (tok_...).") in html
    assert order(shop, sold["id"])["status"] == "created"


def test_an_unknown_outcome_is_shown_pending_not_failed_and_polled(staff, shop, operator):
    sold = sell(shop)["order"]
    faults.set_mode("payments", LOST)
    answer = step(staff, shop, sold["id"], "reservation-payment")
    assert answer.status_code == 303 and "done=" not in answer.headers["Location"]
    html = read(staff, shop, sold["id"])
    pending = es("The payment is pending: the gateway's answer is being confirmed. It has "
                 "not failed, and nothing more will be charged.")
    assert pending in texts(html) and es("Pending confirmation") in texts(html)
    assert es("Not charged") not in texts(html) and es("Declined") not in texts(html)
    assert 'hx-trigger="every 2s"' in html
    # Sent again, the same charge is asked about, never a second one made.
    assert step(staff, shop, sold["id"], "reservation-payment").status_code == 303
    assert Ledger(operator, shop.slug, sold["reference"]).takings == 1


def test_a_declined_final_payment_cancels_the_order_and_says_so(staff, shop, operator):
    ready = to_vehicle_ready(shop, operator)
    declined = step(staff, shop, ready["id"], "final-payment", card_token="tok_decline")
    assert declined.status_code == 402
    html = declined.get_data(as_text=True)
    assert es("Cancelled") in texts(html) and forms_on(html) == set()


# --- after the payments: registration, delivery, pickup --------------------------------------

def test_the_final_payment_registers_the_vehicle_then_its_delivery_is_recorded(staff, shop,
                                                                             operator):
    ready = to_vehicle_ready(shop, operator)
    html = read(staff, shop, ready["id"])
    assert forms_on(html) == {"final-payment"} and ready["vin"] in html
    assert step(staff, shop, ready["id"], "final-payment").status_code == 303
    html = read(staff, shop, ready["id"])
    assert es("In transit") in texts(html) and forms_on(html) == {"delivery"}
    assert order(shop, ready["id"])["plate"] in html
    delivered = step(staff, shop, ready["id"], "delivery")
    assert delivered.status_code == 303 and delivered.headers["Location"].endswith("done=delivered")
    html = read(staff, shop, ready["id"], delivered)
    assert es("Delivered") in texts(html) and forms_on(html) == set()
    # Who did each step: the employee's own, through the pages; the factory's, the platform.
    by = [row[-1] for row in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                                        re.sub(r"\s*\n\s*", "", html))]
    assert by.count(f"employee@{shop.slug}.test") >= 2 and es("The platform") in by
    assert es("The delivery was recorded.") in texts(html)
    assert Ledger(operator, shop.slug, ready["reference"]).takings == 2


def test_an_absent_customer_collects_the_vehicle_at_the_dealership(staff, shop, operator):
    transit = to_in_transit(shop, operator)
    absent = step(staff, shop, transit["id"], "delivery", outcome="customer_absent")
    assert absent.status_code == 303
    html = read(staff, shop, transit["id"])
    assert es("Waiting at the dealership") in texts(html) and forms_on(html) == {"pickup"}
    collected = step(staff, shop, transit["id"], "pickup")
    assert collected.status_code == 303
    html = read(staff, shop, transit["id"], collected)
    assert es("The customer collected the vehicle.") in texts(html)
    assert order(shop, transit["id"])["status"] == "delivered"


def test_a_delayed_registration_is_polled_and_retried(staff, shop, operator, app, drain,
                                                      monkeypatch):
    monkeypatch.setitem(app.config, "CAAS_REGISTRATION_ESCALATE_SECONDS", 0)
    ready = to_vehicle_ready(shop, operator)
    faults.set_mode("registration", faults.Mode("down"))
    assert step(staff, shop, ready["id"], "final-payment").status_code == 303
    html = read(staff, shop, ready["id"])
    assert es("Being registered") in texts(html) and forms_on(html) == {"registration"}
    assert 'hx-trigger="every 2s"' in html
    faults.set_mode("registration", faults.Mode())
    retried = step(staff, shop, ready["id"], "registration")
    assert retried.status_code == 303 and retried.headers["Location"].endswith("done=retried")
    drain()
    assert order(shop, ready["id"])["status"] == "in_transit"


def test_a_bad_delivery_outcome_is_refused(staff, shop, operator):
    transit = to_in_transit(shop, operator)
    refused = step(staff, shop, transit["id"], "delivery", outcome="lost")
    assert refused.status_code == 422
    assert order(shop, transit["id"])["status"] == "in_transit"


@pytest.mark.parametrize("name", ["final-payment", "registration", "delivery", "pickup"])
def test_a_step_the_status_does_not_admit_is_refused_on_the_page(staff, shop, name):
    """A form from an older page (another tab, a status that moved meanwhile): 409, shown."""
    sold = sell(shop)["order"]
    html = read(staff, shop, sold["id"])
    data = dict(STEPS[name], csrf_token=csrf_token(html), once=once_key(html))
    refused = staff.post(f"{page_of(shop, sold['id'])}/{name}", data=data)
    assert refused.status_code == 409
    shown = refused.get_data(as_text=True)
    assert 'role="alert"' in shown and "Traceback" not in shown
    assert order(shop, sold["id"])["status"] == "created"


def test_a_step_sent_twice_after_it_went_through_is_refused_not_repeated(staff, shop, operator):
    transit = to_in_transit(shop, operator)
    html = read(staff, shop, transit["id"])
    form = {"csrf_token": csrf_token(html), "outcome": "customer_absent"}
    address = f"{page_of(shop, transit['id'])}/delivery"
    assert staff.post(address, data=form).status_code == 303
    assert staff.post(address, data=form).status_code == 409
    assert order(shop, transit["id"])["status"] == "at_dealership"


def test_a_steps_address_opened_leads_to_the_order(staff, shop):
    sold = sell(shop)["order"]
    for name in STEPS:
        answer = staff.get(f"{page_of(shop, sold['id'])}/{name}")
        assert answer.status_code == 303 and answer.headers["Location"] == page_of(shop, sold["id"])


# --- the live status -------------------------------------------------------------------------

def test_the_status_is_polled_while_the_factory_works_and_a_change_reloads_the_page(
        staff, shop, operator):
    sold = sell(shop)["order"]
    assert pay(shop, sold["id"]).status_code == 200
    html = read(staff, shop, sold["id"])
    polled = re.search(r'hx-get="([^"]+)"', html)[1].replace("&amp;", "&")
    same = staff.get(polled)
    assert same.status_code == 200 and "HX-Refresh" not in same.headers
    assert 'hx-trigger="every 2s"' in same.get_data(as_text=True)
    advance(operator, order(shop, sold["id"])["factory_order_id"], "READY")
    changed = staff.get(polled)
    assert changed.headers["HX-Refresh"] == "true"
    assert es("Final payment due") in texts(changed.get_data(as_text=True))
    html = read(staff, shop, sold["id"])
    assert "hx-get" not in html and forms_on(html) == {"final-payment"}


# --- every state of the page in every language -------------------------------------------------

def _every_state(client, shop, operator, app, drain, monkeypatch, country):
    """(name, response) of the order page in each of its states, as the employee sees it."""
    from tests.support.journey import customer
    monkeypatch.setitem(app.config, "CAAS_REGISTRATION_ESCALATE_SECONDS", 0)
    sold = sell(shop, country)["order"]
    yield "created", client.get(page_of(shop, sold["id"]))
    yield "not a token", step(client, shop, sold["id"], "reservation-payment", card_token="x")
    yield "declined", step(client, shop, sold["id"], "reservation-payment",
                           card_token="tok_decline")
    yield "refused step", step(client, shop, sold["id"], "pickup")
    yield "paid", client.get(step(client, shop, sold["id"], "reservation-payment").location)
    yield "polled", client.get(f"{page_of(shop, sold['id'])}/status")
    advance(operator, order(shop, sold["id"])["factory_order_id"], "READY")
    yield "ready", client.get(page_of(shop, sold["id"]))
    faults.set_mode("registration", faults.Mode("down"))
    yield "registering", client.get(step(client, shop, sold["id"], "final-payment").location)
    faults.set_mode("registration", faults.Mode())
    yield "retried", client.get(step(client, shop, sold["id"], "registration").location)
    drain()
    yield "in transit", client.get(page_of(shop, sold["id"]))
    yield "bad outcome", step(client, shop, sold["id"], "delivery", outcome="lost")
    yield "absent", client.get(step(client, shop, sold["id"], "delivery",
                                    outcome="customer_absent").location)
    yield "collected", client.get(step(client, shop, sold["id"], "pickup").location)
    lost = sell(shop, country, email=customer(country)["email"])["order"]
    faults.set_mode("payments", LOST)
    yield "pending", client.get(step(client, shop, lost["id"], "reservation-payment").location)


@pytest.mark.parametrize("language", translated_languages())
def test_every_state_of_the_page_is_in_the_language_of_its_reader(
        client, make_tenant, operator, app, drain, monkeypatch, language):
    country = country_speaking(language)
    if country is None:
        pytest.skip(f"no installed country's tenants read {language}")
    shop = make_tenant(country)
    set_up_catalog(shop)
    sign_in_as_employee(client, shop)
    english = english_left(language)
    seen = []
    for name, response in _every_state(client, shop, operator, app, drain, monkeypatch, country):
        assert response.status_code < 500 and response.mimetype == "text/html", name
        shown = texts(response.get_data(as_text=True))
        assert [text for text in shown if english(text)] == [], (language, name)
        seen.append((name, response.status_code))
    assert [status for _, status in seen] == [200, 422, 402, 409, 200, 200, 200, 200, 200, 200,
                                              422, 200, 200, 200]

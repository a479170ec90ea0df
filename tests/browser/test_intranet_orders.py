"""The Intranet's order page in the browser, in Spanish: a sale taken from its reservation to
its delivery while the factory works (journey 1), and a double click on "pay" that charges
once (journey 4), on pages without serious accessibility violations or console errors."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from caas.i18n import LazyText
from caas.sandboxes import faults
from tests.support.api import ADMIN_PASSWORD
from tests.support.browser import assert_accessible
from tests.support.intranet import register_sale
from tests.support.journey import MODEL, OPTION, PLAN, advance, customer, order, sell
from tests.support.ledger import Ledger

pytestmark = pytest.mark.browser
#: The order page's polling runs every 2 s; the factory's news shows within a few.
LIVE_TIMEOUT_MS = 15_000


def es(text: str, **values) -> str:
    return LazyText(text, **values).render("es-ES")


def sign_in_as_employee(page, shop) -> None:
    page.goto(f"/t/{shop.slug}/sign-in")
    page.get_by_label(es("Email")).fill(f"employee@{shop.slug}.test")
    page.get_by_label(es("Password")).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=es("Sign in")).click()
    page.wait_for_url(f"**/t/{shop.slug}/orders")


def status_is(page, status: str) -> None:
    expect(page.locator("#order-status strong")).to_have_text(es(status),
                                                             timeout=LIVE_TIMEOUT_MS)


def charge(page, amount: str, token: str = "tok_ok"):
    page.get_by_label(es("Card token")).fill(token)
    return page.get_by_role("button", name=es("Charge %(amount)s", amount=amount))


def test_journey_1_an_employee_takes_a_sale_from_its_reservation_to_its_delivery(
        page, shop, operator):
    sign_in_as_employee(page, shop)
    reference = register_sale(page, customer(), MODEL, PLAN, [OPTION], slug=shop.slug)
    page.get_by_role("link", name=es("Open order %(reference)s", reference=reference)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        es("Order %(reference)s", reference=reference))
    sold = {"id": int(page.url.rstrip("/").rsplit("/", 1)[1]), "reference": reference}
    status_is(page, "Reservation unpaid")
    assert_accessible(page)

    charge(page, "1.000,00\xa0€").click()
    page.wait_for_url("**?done=paid")
    expect(page.get_by_role("status").first).to_have_text(es("The payment was taken."))
    status_is(page, "Ordered from the factory")
    assert_accessible(page)

    # The factory builds the vehicle; the page, polling, shows it ready for the final payment.
    advance(operator, order(shop, sold["id"])["factory_order_id"], "READY")
    status_is(page, "Final payment due")
    final = charge(page, "29.500,00\xa0€")
    assert_accessible(page)
    final.click()
    page.wait_for_url("**?done=paid")
    # The registration sandbox registers at once: the vehicle is on its way, with its plate.
    status_is(page, "In transit")
    expect(page.locator("main")).to_contain_text(order(shop, sold["id"])["plate"])
    assert_accessible(page)

    page.get_by_role("button", name=es("Delivered to the customer")).click()
    page.wait_for_url("**?done=delivered")
    status_is(page, "Delivered")
    expect(page.get_by_role("heading", name=es("Next step"))).to_have_count(0)
    assert_accessible(page)
    assert order(shop, sold["id"])["status"] == "delivered"
    assert Ledger(operator, shop.slug, sold["reference"]).takings == 2


def test_journey_4_a_double_click_on_pay_charges_once(page, shop, operator):
    sold = sell(shop)["order"]
    sign_in_as_employee(page, shop)
    page.goto(f"/t/{shop.slug}/orders/{sold['id']}")
    assert_accessible(page)
    # A slow gateway keeps the first charge running while the second click is sent.
    faults.set_mode("payments", faults.Mode("slow", latency_ms=1500, operations=["charge"]))
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST"
            and request.url.endswith("/reservation-payment") else None)
    pay = charge(page, "1.000,00\xa0€")
    pay.scroll_into_view_if_needed()
    box = pay.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # The mouse, not a locator: a locator waits for the first click's page to load.
    with page.expect_request("**/reservation-payment"):
        page.mouse.click(x, y)
    page.mouse.click(x, y)
    status_is(page, "Ordered from the factory")
    expect(page.get_by_role("button", name=es("Charge %(amount)s", amount="1.000,00\xa0€"))) \
        .to_have_count(0)
    assert_accessible(page)
    assert len(sent) == 2  # the browser sent the form twice
    ledger = Ledger(operator, shop.slug, sold["reference"])
    assert ledger.takings == 1 and ledger.net == 1000


def test_a_declined_card_is_said_inline_and_a_lost_answer_shown_pending(page, shop, operator):
    page.console.expect("status of 402")  # the page answers 402, as the API does
    sold = sell(shop)["order"]
    sign_in_as_employee(page, shop)
    page.goto(f"/t/{shop.slug}/orders/{sold['id']}")
    charge(page, "1.000,00\xa0€", "tok_decline").click()
    expect(page.get_by_role("alert")).to_contain_text(es(
        "The card was declined (%(code)s); nothing was charged. Try another card.",
        code="card_declined"))
    status_is(page, "Reservation unpaid")
    assert_accessible(page)

    faults.set_mode("payments", faults.Mode("charge_then_timeout",
                                            operations=["charge", "lookup"]))
    charge(page, "1.000,00\xa0€").click()
    expect(page.locator("#order-status [role=status]")).to_have_text(es(
        "The payment is pending: the gateway's answer is being confirmed. It has not failed, "
        "and nothing more will be charged."))
    expect(page.get_by_role("cell", name=es("Pending confirmation"))).to_be_visible()
    assert_accessible(page)
    # The gateway answers again; sent again, the form asks it about the same charge.
    faults.set_mode("payments", faults.Mode())
    charge(page, "1.000,00\xa0€").click()
    page.wait_for_url("**?done=paid")
    status_is(page, "Ordered from the factory")
    expect(page.get_by_role("cell", name=es("Paid"))).to_be_visible()
    assert Ledger(operator, shop.slug, sold["reference"]).takings == 1

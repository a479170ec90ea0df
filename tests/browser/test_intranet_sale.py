"""The Intranet in the browser: a sale registered with the keyboard alone (journey 5), its
errors said beside the fields, and a hostile customer name shown as text (journey 6), on
pages without serious accessibility violations or console errors."""
import pytest

from caas.i18n import translation
from tests.support.api import ADMIN_PASSWORD
from tests.support.browser import assert_accessible
from tests.support.intranet import (CUSTOMER_FIELDS, customer_value, focus_by_tab,
                                    register_sale)
from tests.support.journey import MODEL, OPTION, PLAN, customer

pytestmark = pytest.mark.browser
HOSTILE = "<script>alert(1)</script>"


def _es(text: str) -> str:
    return translation(text, "es")


def _sign_in_by_keyboard(page, slug: str) -> None:
    page.goto(f"/t/{slug}/sign-in")
    focus_by_tab(page, page.locator("input[type=email]"))
    page.keyboard.type(f"employee@{slug}.test")
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/t/{slug}/orders")


def _type_customer(page, person: dict) -> None:
    """Each field reached with Tab and typed into (Chromium selects a field's text when Tab
    reaches it, so typing replaces what was there)."""
    for field, key in CUSTOMER_FIELDS:
        focus_by_tab(page, page.locator(f"#{field}"))
        page.keyboard.type(customer_value(person, key))


def _tick(page, selector: str) -> None:
    """Reach a radio button or checkbox with Tab and tick it with Space."""
    target = page.locator(selector)
    focus_by_tab(page, target)
    page.keyboard.press("Space")
    assert target.is_checked()


def test_a_sale_is_registered_with_the_keyboard_alone(page, shop):
    page.console.expect("status of 422")  # the first try is refused, as the API would
    _sign_in_by_keyboard(page, shop.slug)
    assert_accessible(page)
    focus_by_tab(page, page.get_by_role("link", name=_es("Register a sale")))
    page.keyboard.press("Enter")
    page.wait_for_url("**/sales/new")
    assert_accessible(page)

    person = customer(name="Marta Ruiz", tax_id="12345678A")  # the letter does not match
    _type_customer(page, person)
    _tick(page, f'input[name="model"][value="{MODEL}"]')
    _tick(page, f'input[name="options"][value="{MODEL}:{OPTION}"]')
    _tick(page, f'input[name="plan"][value="{PLAN}"]')
    focus_by_tab(page, page.get_by_role("button", name=_es("Register the sale")))
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    error = page.locator("#tax_id-error")
    assert "12345678A" in error.inner_text()
    assert page.locator("#tax_id").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").is_visible()
    assert page.locator(f'input[name="model"][value="{MODEL}"]').is_checked()
    assert_accessible(page)

    focus_by_tab(page, page.locator("#tax_id"))
    page.keyboard.type("12345678Z")
    focus_by_tab(page, page.get_by_role("button", name=_es("Register the sale")))
    page.keyboard.press("Enter")
    page.wait_for_url("**/orders?sold=*")
    confirmation = page.get_by_role("status")
    reference = confirmation.locator("a").get_attribute("data-reference")
    assert reference and reference in confirmation.inner_text()
    assert page.get_by_role("link", name=reference).first.is_visible()
    assert_accessible(page)
    [order] = shop.employee.get("/api/v1/orders").json
    assert order["reference"] == reference and order["options"] == [OPTION]


def test_a_hostile_customer_name_is_shown_as_text(page, shop):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/t/{shop.slug}/sign-in")
    page.locator("input[type=email]").fill(f"employee@{shop.slug}.test")
    page.locator("input[type=password]").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=_es("Sign in")).click()
    page.wait_for_url(f"**/t/{shop.slug}/orders")
    # The pickers by the names the form shows (journey 5 picks them by code).
    reference = register_sale(page, customer(name=HOSTILE), "Urbano EV", "Standard",
                              ["Red paint"], slug=shop.slug)
    row = page.get_by_role("row").filter(has_text=reference)
    assert row.get_by_role("cell", name=HOSTILE, exact=True).is_visible()
    assert page.locator("main script").count() == 0
    assert_accessible(page)
    assert dialogs == []
    [order] = shop.employee.get("/api/v1/orders").json
    assert order["reference"] == reference and order["options"] == [OPTION]


def test_the_queue_and_the_sale_form_fit_a_phones_width(page, shop):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/t/{shop.slug}/sign-in")
    page.locator("input[type=email]").fill(f"employee@{shop.slug}.test")
    page.locator("input[type=password]").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=_es("Sign in")).click()
    page.wait_for_url(f"**/t/{shop.slug}/orders")
    for address in ("orders", "orders?group=all", "sales/new"):
        page.goto(f"/t/{shop.slug}/{address}")
        # Wide tables scroll inside their box; the page itself never sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, address
        assert_accessible(page)

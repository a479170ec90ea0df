"""The customer's records in the browser, in German and in French: each page reached from the
menu without serious accessibility violations or console errors, a credit note's document
opened from the invoices, the notification settings changed with the keyboard alone, and
every page at a phone's width."""
import pytest
from playwright.sync_api import expect

from caas.i18n import translation
from tests.support.browser import assert_accessible
from tests.support.customer_records import invoiced_customer

pytestmark = pytest.mark.browser

#: The menu's labels of the record pages, each also its page's heading.
PAGES = ("My invoices", "My documents", "Maintenance", "My notifications",
         "Notification settings")


def _sign_in(page, customer):
    page.goto(f"/t/{customer.shop.slug}/sign-in")
    page.locator("input[type=email]").fill(customer.email)
    page.locator("input[type=password]").fill(customer.password)
    page.locator("input[type=password]").press("Enter")
    page.wait_for_url(f"**/t/{customer.shop.slug}/vehicles")


def _focus(page, locator):
    """Tab from where the focus is until ``locator`` has it, as a keyboard user does."""
    for _ in range(60):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    pytest.fail("the keyboard never reached the field")


@pytest.mark.parametrize("country, language", [("DE", "de"), ("FR", "fr")])
def test_each_record_page_in_the_customers_language_and_a_credit_notes_document(
        page, make_tenant, operator, client, mailbox, drain, country, language):
    customer = invoiced_customer(make_tenant, operator, client, mailbox, drain, country)
    say = lambda text: translation(text, language)  # noqa: E731
    _sign_in(page, customer)
    menu = page.get_by_role("navigation", name=say("Main"))
    for label in PAGES:
        menu.get_by_role("link", name=say(label), exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text() == say(label)
        assert page.locator("html").get_attribute("lang").startswith(language)
        assert_accessible(page)
    menu.get_by_role("link", name=say("My invoices"), exact=True).click()
    [note] = [each for each in customer.api.get("/api/v1/invoices").json
              if each["kind"] == "credit_note"]
    page.get_by_role("link", name=note["number"], exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == \
        f"{say('Credit note')} {note['number']}"
    assert_accessible(page)
    page.get_by_role("link", name=say("Open the document")).click()
    assert page.get_by_role("heading", level=1).inner_text() == \
        f"{say('Credit note')} {note['number']}"
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)


def test_the_notification_settings_are_changed_with_the_keyboard_alone(
        page, make_tenant, operator, client, mailbox, drain):
    customer = invoiced_customer(make_tenant, operator, client, mailbox, drain, "FR")
    say = lambda text: translation(text, "fr")  # noqa: E731
    _sign_in(page, customer)
    page.goto(f"/t/{customer.shop.slug}/notifications/preferences")
    _focus(page, page.get_by_label(say("SMS"), exact=True))
    page.keyboard.press("Space")  # SMS off
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("22:00")
    page.keyboard.press("Tab")
    page.keyboard.type("22:00")  # the same as the start: refused
    page.console.expect("status of 422")
    page.keyboard.press("Enter")
    expect(page.get_by_label(say("From"), exact=True)).to_have_attribute("aria-invalid", "true")
    assert say("Start and end are the same.") in page.locator("main").inner_text()
    assert_accessible(page)
    _focus(page, page.get_by_label(say("Until"), exact=True))
    page.keyboard.press("Control+A")
    page.keyboard.type("07:00")
    page.keyboard.press("Enter")
    page.wait_for_url("**/notifications/preferences?saved=1")
    assert say("Your notification settings have been saved.") in \
        page.get_by_role("status").inner_text()
    assert_accessible(page)
    assert customer.api.get("/api/v1/me/notification-preferences").json == {
        "email": True, "push": True, "sms": False, "vehicle_display": True,
        "quiet_hours": {"start": "22:00", "end": "07:00"}}


def test_on_a_phones_width_the_records_fit_and_their_tables_scroll(
        page, make_tenant, operator, client, mailbox, drain):
    customer = invoiced_customer(make_tenant, operator, client, mailbox, drain)
    _sign_in(page, customer)
    page.set_viewport_size({"width": 360, "height": 740})
    for address in ("invoices", "documents", "maintenance", "notifications",
                    "notifications/preferences"):
        page.goto(f"/t/{customer.shop.slug}/{address}")
        assert page.locator("main").evaluate("main => main.scrollWidth <= main.clientWidth"), \
            address

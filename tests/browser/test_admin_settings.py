"""Journey 2 of the consoles: an admin edits the notification routing matrix in the browser
(a locked cell cannot be changed), and the next notification of that event follows it. Every
settings page is accessible, in the admin's language."""
import pytest
from playwright.sync_api import expect

from caas.i18n import translation
from tests.e2e.test_plugin_settings import trial_plugin  # noqa: F401 (a fixture)
from tests.support.api import ADMIN_PASSWORD
from tests.support.browser import assert_accessible, sign_in_as
from tests.support.journey import pay, sell

pytestmark = pytest.mark.browser


def words(text: str) -> str:
    return translation(text, "es") or text


def cell(page, event: str, channel: str):
    return page.get_by_role("checkbox", name=f"{words(event)} {words(channel)}")


def open_settings(page, shop):
    sign_in_as(page, shop.slug, f"admin@{shop.slug}.test", ADMIN_PASSWORD, words)
    page.get_by_role("navigation", name=words("Administration")).get_by_role(
        "link", name=words("Settings"), exact=True).click()
    page.wait_for_url("**/admin/settings")
    assert_accessible(page)


def visit_the_other_settings(page):
    """The OTA policy and a plugin's settings: reachable from the settings, accessible."""
    settings = page.get_by_role("main")
    for part in (words("Over-the-air activation"), words("Plugin %(name)s") % {
            "name": "test-trial"}):
        settings.get_by_role("link", name=part, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(part)
        assert_accessible(page)


def route_payment_confirmations_by_email_and_sms(page):
    page.get_by_role("navigation", name=words("Settings")).get_by_role(
        "link", name=words("Notification routing"), exact=True).click()
    page.wait_for_url("**/admin/settings/notifications")
    assert_accessible(page)
    # Credentials go by email only: every cell of their row is locked, and says so.
    for channel in ("Email message", "Push notification", "SMS", "Vehicle display"):
        locked = page.get_by_role("checkbox", name=f"{words('Credentials generated')} "
                                                   f"{words(channel)} {words('Locked')}")
        expect(locked).to_be_disabled()
    locked_email = page.get_by_role("checkbox", name=f"{words('Credentials generated')} "
                                                     f"{words('Email message')} {words('Locked')}")
    locked_email.click(force=True)  # a click on a disabled box changes nothing
    expect(locked_email).to_be_checked()

    cell(page, "Payment confirmation", "Push notification").uncheck()
    cell(page, "Payment confirmation", "SMS").check()
    page.get_by_role("button", name=words("Save the routing")).click()
    page.wait_for_url("**/admin/settings/notifications?saved=routes")
    expect(page.get_by_role("status")).to_contain_text(
        words("The notification routing has been saved; it applies to the next notifications."))
    expect(cell(page, "Payment confirmation", "SMS")).to_be_checked()
    expect(cell(page, "Payment confirmation", "Push notification")).not_to_be_checked()
    expect(locked_email).to_be_checked()
    assert_accessible(page)


def test_an_admin_routes_an_event_and_the_next_notification_follows(page, shop, drain,
                                                                    trial_plugin):  # noqa: F811
    open_settings(page, shop)
    visit_the_other_settings(page)
    route_payment_confirmations_by_email_and_sms(page)

    order = sell(shop)["order"]
    assert pay(shop, order["id"]).status_code == 200
    drain()
    sent = shop.employee.get(f"/api/v1/notifications?customer_id={order['customer_id']}"
                             "&page_size=100").json
    confirmations = {(n["channel"], n["status"]) for n in sent
                     if n["event"] == "payment_confirmation"}
    assert confirmations == {("email", "sent"), ("sms", "sent")}
    # The locked event went by email only, as ever.
    assert {n["channel"] for n in sent if n["event"] == "credentials_generated"} == {"email"}

"""The web pages in the browser: signing in with the keyboard alone, and a forgotten password
reset from its emailed link, in the tenant's language, on pages without serious
accessibility violations or console errors."""
import re

import pytest

from caas.i18n import translation
from tests.support.api import ADMIN_PASSWORD
from tests.support.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_an_admin_signs_in_with_the_keyboard_alone_and_reaches_the_dashboard(page, tenant):
    page.goto(f"/t/{tenant.slug}/sign-in")
    assert page.locator("html").get_attribute("lang").startswith("es")
    assert_accessible(page)
    email = page.locator("input[type=email]")
    # From the top of the page: the skip link, then the form's fields in order.
    page.keyboard.press("Tab")
    while not email.evaluate("element => element === document.activeElement"):
        page.keyboard.press("Tab")
    page.keyboard.type(f"admin@{tenant.slug}.test")
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/t/{tenant.slug}/admin")
    assert_accessible(page)


def test_a_wrong_password_is_said_inline_in_the_pages_language(page, tenant):
    page.console.expect("status of 401")  # the page answers 401, as the API does
    page.goto(f"/t/{tenant.slug}/sign-in")
    page.locator("input[type=email]").fill(f"admin@{tenant.slug}.test")
    page.locator("input[type=password]").fill("not-the-password-1")
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()
    assert translation("Wrong email or password.", "es") in page.locator("main").inner_text()
    assert_accessible(page)


def test_a_forgotten_password_is_reset_from_the_emailed_link(page, tenant, mailbox, drain):
    email, es = f"admin@{tenant.slug}.test", lambda text: translation(text, "es")
    page.goto(f"/t/{tenant.slug}/sign-in")
    page.get_by_role("link", name=es("Forgot your password?")).click()
    page.get_by_label(es("Email")).fill(email)
    page.get_by_role("button", name=es("Email me a link")).click()
    page.wait_for_url("**/password-reset?sent=1")
    assert_accessible(page)
    drain()
    [link] = [re.search(rf"(/t/{tenant.slug}/password-reset/[\w-]+)", m["body"])[1]
              for m in mailbox.messages(email) if "/password-reset/" in m["body"]]
    page.goto(link)
    assert_accessible(page)
    page.get_by_label(es("New password")).fill("a-new-password-1")
    page.get_by_role("button", name=es("Save the new password")).click()
    page.wait_for_url("**/sign-in?reset=1")
    changed = es("Your password has been changed. Sign in with it.")
    assert changed in page.locator("main").inner_text()
    page.get_by_label(es("Email")).fill(email)
    page.get_by_label(es("Password")).fill("a-new-password-1")
    page.get_by_role("button", name=es("Sign in")).click()
    page.wait_for_url(f"**/t/{tenant.slug}/admin")

"""Journey 3 of the consoles: an admin deactivates an employee in the admin console, and that
employee's open session (another browser, signed in before) and API token are refused at once;
reactivated, they sign in again. The staff and languages pages, in Spanish, without serious
accessibility violations or console errors."""
import re

import pytest
from playwright.sync_api import expect

from caas.i18n import translation
from tests.support.api import ADMIN_PASSWORD
from tests.support.browser import ConsoleWatch, assert_accessible

pytestmark = pytest.mark.browser


def es(text: str, **values) -> str:
    return (translation(text, "es") or text) % values if values else translation(text, "es")


def sign_in(page, slug: str, role: str) -> None:
    page.goto(f"/t/{slug}/sign-in")
    page.get_by_label(es("Email")).fill(f"{role}@{slug}.test")
    page.get_by_label(es("Password")).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=es("Sign in")).click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))


@pytest.fixture
def employee_browser(chromium, live_server):
    """The employee's own browser: another context, with its own cookies."""
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    watch = page.console = ConsoleWatch(page)
    yield page
    context.close()
    watch.assert_clean()


def api_token(playwright, live_server, slug: str):
    """The employee's API token, from POST /api/v1/auth/token, and a client that sends it."""
    api = playwright.request.new_context(base_url=live_server.url,
                                         extra_http_headers={"X-Tenant": slug})
    answer = api.post("/api/v1/auth/token", data={"email": f"employee@{slug}.test",
                                                  "password": ADMIN_PASSWORD})
    assert answer.ok, answer.text()
    return api, {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_deactivated_employee_is_refused_at_once_on_the_web_and_the_api(
        page, employee_browser, tenant, playwright, live_server):
    page.console.expect("status of 422")  # the deactivation sent unconfirmed
    slug = tenant.slug
    sign_in(employee_browser, slug, "employee")
    employee_browser.goto(f"/t/{slug}/orders")
    api, bearer = api_token(playwright, live_server, slug)
    assert api.get("/api/v1/orders", headers=bearer).status == 200

    sign_in(page, slug, "admin")
    console = page.get_by_role("navigation", name=es("Administration"))
    console.get_by_role("link", name=es("Staff"), exact=True).click()
    page.wait_for_url("**/admin/staff")
    assert_accessible(page)
    staff = page.get_by_role("table", name=es("The tenant's admins and employees"))
    staff.get_by_role("link", name="Employee", exact=True).click()
    page.wait_for_url("**/admin/staff/*")
    assert_accessible(page)

    deactivate = page.get_by_role("button", name=es("Deactivate the account"))
    deactivate.click()  # without confirming: nothing happens, and the page says why
    expect(page.get_by_text(es("Tick the box to confirm the deactivation."))).to_be_visible()
    assert_accessible(page)
    page.get_by_label(es("Yes, deactivate %(name)s now", name="Employee")).check()
    page.get_by_role("button", name=es("Deactivate the account")).click()
    page.wait_for_url("**?done=deactivated")
    expect(page.get_by_role("status")).to_contain_text("Employee")
    assert_accessible(page)

    employee_browser.reload()  # their next page: sent to sign in
    employee_browser.wait_for_url(f"**/t/{slug}/sign-in")
    assert api.get("/api/v1/orders", headers=bearer).status == 401

    page.get_by_role("button", name=es("Reactivate %(name)s", name="Employee")).click()
    page.wait_for_url("**?done=reactivated")
    assert_accessible(page)
    sign_in(employee_browser, slug, "employee")
    assert api.get("/api/v1/orders", headers=bearer).status == 200
    api.dispose()


def test_the_invitation_and_languages_pages_are_accessible(page, tenant):
    page.console.expect("status of 422")  # forms sent incomplete, on purpose
    sign_in(page, tenant.slug, "admin")
    page.goto(f"/t/{tenant.slug}/admin/staff")
    page.get_by_role("button", name=es("Invite an admin or employee")).click()
    page.wait_for_url("**/admin/staff/new")
    assert_accessible(page)
    page.get_by_role("button", name=es("Invite and email the credentials")).click()
    # Nothing filled in: said beside each field.
    expect(page.get_by_text(es("Missing data for required field.")).first).to_be_visible()
    assert_accessible(page)
    page.get_by_label(es("Full name")).fill("Nueva")
    page.get_by_label(es("Email")).fill(f"nueva@{tenant.slug}.test")
    page.get_by_label(es("Administrator")).check()
    page.get_by_role("button", name=es("Invite and email the credentials")).click()
    page.wait_for_url("**?done=invited")
    assert_accessible(page)

    console = page.get_by_role("navigation", name=es("Administration"))
    console.get_by_role("link", name=es("Languages"), exact=True).click()
    page.wait_for_url("**/admin/languages")
    assert_accessible(page)
    page.get_by_role("group", name=es("Default language")).get_by_label(
        "English (Spain)").check()
    page.get_by_role("button", name=es("Save the languages")).click()
    expect(page.get_by_role("alert")).to_be_visible()  # English is not offered yet
    assert_accessible(page)
    page.get_by_role("group", name=es("Languages offered")).get_by_label(
        "English (Spain)").check()
    page.get_by_role("button", name=es("Save the languages")).click()
    page.wait_for_url("**/admin/languages?saved=1")
    assert_accessible(page)

"""The admin console's staff and languages pages through the Flask test client, as a browser
without JavaScript: staff invited (their credentials emailed in their language), a role
changed, an account deactivated (its open session refused at once) and reactivated, one's own
account refused inline; the tenant's languages changed, validated and audited. Only admins
(and operators acting inside the tenant) see these pages."""
from __future__ import annotations

import re

import pytest

from caas.i18n import LazyText
from caas.service_layer.users import provision_user
from caas.tenancy import tenant_context
from tests.support.api import ADMIN_PASSWORD, login, password_in
from tests.support.web import csrf_token, send_form, sign_in, texts

SWISS = ["de-CH", "fr-CH", "it-CH"]


def words(locale: str):
    return lambda msgid, **values: LazyText(msgid, **values).render(locale)


es = words("es-ES")


def signed_in(client, tenant, role="admin") -> str:
    assert sign_in(client, tenant.slug, f"{role}@{tenant.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    return f"/t/{tenant.slug}/admin"


def staff_id(tenant, name: str) -> int:
    return next(person["id"] for person in tenant.admin.get("/api/v1/staff").json
                if person["email"].startswith(f"{name}@"))


def audit(tenant, action: str) -> list[dict]:
    return tenant.admin.get("/api/v1/audit", query_string={"action": action}).json


def main_texts(response) -> str:
    return " ".join(texts(response.get_data(as_text=True).split("<main", 1)[1]))


def person_form(client, base, user_id, action, **fields):
    """Send one of a person's forms from their page."""
    page = f"{base}/staff/{user_id}"
    return send_form(client, page, f"{page}/{action}", **fields)


# --- the list and inviting ------------------------------------------------------------------

def test_the_staff_list_shows_each_role_and_state(client, tenant):
    base = signed_in(client, tenant)
    page = client.get(f"{base}/staff")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"admin@{tenant.slug}.test" in html and f"employee@{tenant.slug}.test" in html
    for label in ("Administrator", "Dealership employee", "Active"):
        assert es(label) in html
    assert "<caption>" in html and 'scope="col"' in html
    assert f'href="{base}/staff/new"' in html


def test_a_long_staff_list_comes_a_page_at_a_time(client, tenant, platform):
    with tenant_context(tenant.tenant):
        for number in range(20):
            provision_user(platform.for_tenant(tenant.tenant), role="employee",
                           email=f"e{number:02d}@{tenant.slug}.test", name=f"E{number:02d}",
                           password=ADMIN_PASSWORD)
    base = signed_in(client, tenant)
    first = client.get(f"{base}/staff").get_data(as_text=True)
    second = client.get(f"{base}/staff?page=2").get_data(as_text=True)
    assert f"admin@{tenant.slug}.test" in first and f"e17@{tenant.slug}.test" in first
    assert f"e18@{tenant.slug}.test" in second and f"e19@{tenant.slug}.test" in second
    assert f"admin@{tenant.slug}.test" not in second
    assert f'href="{base}/staff?page=2"' in first and es("Page %(number)s of %(last)s",
                                                        number="1", last="2") in first


def test_an_employee_is_invited_and_emailed_in_their_language_once(
        make_tenant, client, mailbox, drain):
    swiss = make_tenant("CH", locales=SWISS)
    base = signed_in(client, swiss)
    form = client.get(f"{base}/staff/new").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="locale".*?</select>', form, re.S)[0]
    assert all(f'value="{locale}"' in offered for locale in SWISS)
    once = re.search(r'name="once"[^>]*value="([0-9a-f]{32})"', form)[1]
    address = f"lucia@{swiss.slug}.test"
    fields = {"csrf_token": csrf_token(form), "once": once, "name": "Lucia",
              "email": address, "role": "employee", "locale": "it-CH"}
    sent = client.post(f"{base}/staff/new", data=fields)
    assert sent.status_code == 303
    again = client.post(f"{base}/staff/new", data=fields)  # a double click
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]
    shown = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert words("de-CH")("%(name)s has been invited: their sign-in details are emailed to "
                          "them in %(language)s.", name="Lucia",
                          language="Italienisch (Schweiz)") in shown
    drain()
    [credentials] = mailbox.messages(address)
    assert credentials["language"] == "it-CH"
    lucia = login(client, address, password_in(credentials), swiss.slug)
    assert lucia.get("/api/v1/me").json["role"] == "employee"
    [created] = [e for e in audit(swiss, "user.created") if e["after"]["email"] == address]
    assert created["actor_email"] == f"admin@{swiss.slug}.test"


@pytest.mark.parametrize("fields, status, field, message", [
    ({"email": "not-an-email"}, 422, "email", "Not a valid email address."),
    ({"name": ""}, 422, "name", "Missing data for required field."),
    ({"locale": "fr-FR"}, 422, "locale", None),          # the tenant does not offer it
    ({"role": "customer"}, 422, "role", None),           # not a staff role
    ({"email": "employee@{slug}.test"}, 409, "email", None),  # already has an account
])
def test_a_refused_invitation_says_why_beside_the_field_and_invites_nobody(
        client, tenant, fields, status, field, message):
    base = signed_in(client, tenant)
    sent = {"name": "Nuevo", "email": f"nuevo@{tenant.slug}.test", "role": "employee",
            "locale": "es-ES", **fields}
    sent["email"] = sent["email"].format(slug=tenant.slug)
    answer = send_form(client, f"{base}/staff/new", **sent)
    html = answer.get_data(as_text=True)
    assert answer.status_code == status
    assert f'aria-describedby="{field}-error"' in html or f'id="{field}-error"' in html
    if message:
        assert es(message) in html
    if status == 409:  # the use case's refusal, at the top and beside the email
        assert html.count(es("An account with email '%(email)s' already exists.",
                             email=sent["email"]).replace("'", "&#39;")) == 2
    emails = [p["email"] for p in tenant.admin.get("/api/v1/staff").json]
    assert f"nuevo@{tenant.slug}.test" not in emails and len(emails) == 2


# --- changing an account -------------------------------------------------------------------

def test_a_role_is_changed_and_audited(client, tenant):
    base = signed_in(client, tenant)
    employee = staff_id(tenant, "employee")
    done = person_form(client, base, employee, "role", role="admin")
    assert done.status_code == 303
    assert done.headers["Location"] == f"{base}/staff/{employee}?done=role"
    assert es("The role has been changed.") in client.get(done.headers["Location"]).get_data(
        as_text=True)
    assert tenant.employee.get("/api/v1/staff").status_code == 200  # an admin now, at once
    [entry] = audit(tenant, "user.role_changed")
    assert entry["after"] == {"role": "admin", "active": True}


def test_a_deactivated_employees_open_session_is_refused_and_reactivation_lets_them_back(
        app, client, tenant):
    theirs = app.test_client()
    assert sign_in(theirs, tenant.slug, f"employee@{tenant.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    assert theirs.get(f"/t/{tenant.slug}/orders").status_code == 200
    base = signed_in(client, tenant)
    employee = staff_id(tenant, "employee")

    unconfirmed = person_form(client, base, employee, "deactivation")
    assert unconfirmed.status_code == 422
    assert es("Tick the box to confirm the deactivation.") in unconfirmed.get_data(as_text=True)
    assert theirs.get(f"/t/{tenant.slug}/orders").status_code == 200

    done = person_form(client, base, employee, "deactivation", confirm="y")
    assert done.status_code == 303
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert es("%(name)s has been deactivated: their open pages and API tokens are refused "
              "from now on.", name="Employee") in shown
    assert es("Reactivate %(name)s", name="Employee") in shown
    refused = theirs.get(f"/t/{tenant.slug}/orders")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/sign-in")
    assert tenant.employee.get("/api/v1/orders").status_code == 401
    assert client.get(f"{base}/staff").status_code == 200  # the admin's own session goes on
    listed = main_texts(client.get(f"{base}/staff"))
    assert es("Deactivated") in listed

    back = person_form(client, base, employee, "reactivation")
    assert back.status_code == 303
    assert sign_in(theirs, tenant.slug, f"employee@{tenant.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    assert theirs.get(f"/t/{tenant.slug}/orders").status_code == 200
    actions = [e["action"] for e in tenant.admin.get(
        "/api/v1/audit", query_string={"entity": "user"}).json]
    assert "user.deactivated" in actions and "user.reactivated" in actions


def test_ones_own_account_is_refused_inline(client, tenant):
    base = signed_in(client, tenant)
    own = staff_id(tenant, "admin")
    page = client.get(f"{base}/staff/{own}").get_data(as_text=True)
    assert es("This is your own account: another admin may change its role or deactivate "
              "it.") in page
    assert "/deactivation" not in page  # no form offers what would be refused
    # A form sent anyway (from a page drawn before, or by hand) is refused on the page.
    refused = send_form(client, f"{base}/staff", f"{base}/staff/{own}/deactivation",
                        confirm="y")
    assert refused.status_code == 409
    assert es("You cannot change your own role or deactivate yourself; another admin "
              "can.") in refused.get_data(as_text=True)
    assert tenant.admin.get("/api/v1/me").status_code == 200


def test_another_admin_is_demoted_and_an_unknown_role_is_refused_inline(client, tenant):
    base = signed_in(client, tenant)
    second = tenant.admin.post("/api/v1/staff", json={
        "email": f"second@{tenant.slug}.test", "name": "Segunda", "role": "admin"}).json
    assert person_form(client, base, second["id"], "role", role="employee").status_code == 303
    refused = person_form(client, base, second["id"], "role", role="banana")
    assert refused.status_code == 422 and 'id="role-error"' in refused.get_data(as_text=True)
    assert tenant.admin.get("/api/v1/staff").json[-1]["role"] == "employee"


def test_a_customers_id_or_nobodys_is_not_found(client, tenant, platform):
    with tenant_context(tenant.tenant):
        buyer = provision_user(platform.for_tenant(tenant.tenant), email="c@buyer.test",
                               role="customer", name="C", password=ADMIN_PASSWORD)
    base = signed_in(client, tenant)
    for user_id in (buyer.id, 999_999):
        assert client.get(f"{base}/staff/{user_id}").status_code == 404
        assert send_form(client, f"{base}/staff", f"{base}/staff/{user_id}/deactivation",
                         confirm="y").status_code == 404


# --- languages ------------------------------------------------------------------------------

def test_the_tenants_languages_are_changed_validated_and_audited(make_tenant, client,
                                                                 platform):
    swiss = make_tenant("CH", locales=["de-CH", "fr-CH"])
    base = signed_in(client, swiss)
    de = words("de-CH")
    page = client.get(f"{base}/languages").get_data(as_text=True)
    for locale in ("de-CH", "fr-CH", "it-CH", "en-CH"):
        assert f'value="{locale}"' in page
    refused = send_form(client, f"{base}/languages", locales=["de-CH", "fr-CH"],
                        default="it-CH")
    assert refused.status_code == 422
    assert de("Choose one of the offered languages.") in refused.get_data(as_text=True)
    foreign = send_form(client, f"{base}/languages", locales=["de-CH", "es-ES"],
                        default="de-CH")
    assert foreign.status_code == 422
    assert platform.tenant(swiss.slug).locales == ["de-CH", "fr-CH"]
    assert audit(swiss, "tenant.locales_changed") == []

    done = send_form(client, f"{base}/languages", locales=["de-CH", "it-CH", "en-CH"],
                     default="it-CH")
    assert done.status_code == 303 and done.headers["Location"] == f"{base}/languages?saved=1"
    assert platform.tenant(swiss.slug).locales == ["it-CH", "de-CH", "en-CH"]
    [entry] = audit(swiss, "tenant.locales_changed")
    assert entry["before"] == {"locales": ["de-CH", "fr-CH"]}
    assert entry["after"] == {"locales": ["it-CH", "de-CH", "en-CH"]}
    assert entry["actor_email"] == f"admin@{swiss.slug}.test"
    # The invitation offers the new languages; sign-in pages greet in the new default.
    invite = client.get(f"{base}/staff/new").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="locale".*?</select>', invite, re.S)[0]
    assert 'value="en-CH"' in offered and 'value="fr-CH"' not in offered


def test_a_person_whose_language_is_dropped_keeps_working_in_an_offered_one(
        make_tenant, client, app, platform):
    swiss = make_tenant("CH", locales=["de-CH", "fr-CH"])
    with tenant_context(swiss.tenant):
        provision_user(platform.for_tenant(swiss.tenant), email=f"fr@{swiss.slug}.test",
                       role="admin", name="Fr", locale="fr-CH", password=ADMIN_PASSWORD)
    base = signed_in(client, swiss)
    assert send_form(client, f"{base}/languages", locales=["de-CH"],
                     default="de-CH").status_code == 303
    # The account keeps its locale (offered again, it is theirs again); its pages fall back.
    french = app.test_client()
    assert sign_in(french, swiss.slug, f"fr@{swiss.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    html = french.get(f"{base}/staff").get_data(as_text=True)
    assert '<html lang="de-CH">' in html
    listed = re.search(rf'fr@{swiss.slug}\.test.*?</tr>', html, re.S)[0]
    assert "Französisch (Schweiz)" in listed


# --- who may see them -----------------------------------------------------------------------

ADMIN_PAGES = ["/admin/staff", "/admin/staff/new", "/admin/languages"]


@pytest.mark.parametrize("role", ["employee", "customer"])
def test_admin_pages_are_403_for_employees_and_customers(client, tenant, platform, role):
    if role == "customer":
        with tenant_context(tenant.tenant):
            provision_user(platform.for_tenant(tenant.tenant), email=f"customer@{tenant.slug}.test",
                           role="customer", name="C", password=ADMIN_PASSWORD)
    assert sign_in(client, tenant.slug, f"{role}@{tenant.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    admin = staff_id(tenant, "admin")
    for path in ADMIN_PAGES + [f"/admin/staff/{admin}"]:
        assert client.get(f"/t/{tenant.slug}{path}").status_code == 403, path
    # The sign-out form of the page they land on carries their session's CSRF token.
    token = csrf_token(client.get(f"/t/{tenant.slug}/", follow_redirects=True).get_data(
        as_text=True))
    for path, fields in [(f"/admin/staff/{admin}/deactivation", {"confirm": "y"}),
                         (f"/admin/staff/{admin}/role", {"role": "employee"}),
                         ("/admin/staff/new", {"name": "X", "email": "x@x.test",
                                               "role": "admin", "locale": "es-ES"}),
                         ("/admin/languages", {"locales": "es-ES", "default": "es-ES"})]:
        answer = client.post(f"/t/{tenant.slug}{path}", data={"csrf_token": token, **fields})
        assert answer.status_code == 403, path
    assert tenant.admin.get("/api/v1/me").status_code == 200
    assert len(tenant.admin.get("/api/v1/staff").json) == 2


def test_signed_out_visitors_are_sent_to_sign_in(client, tenant):
    for path in ADMIN_PAGES:
        answer = client.get(f"/t/{tenant.slug}{path}")
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/sign-in")

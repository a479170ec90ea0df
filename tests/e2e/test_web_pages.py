"""The web pages' skeleton through the Flask test client, as a browser without JavaScript:
tenants by path and by host, sign-in (throttled like the API), sessions that stay on their
tenant, CSRF, the pages' language, security headers, and the front-end files."""
from __future__ import annotations

import re

import pytest

from caas.config import ConfigError
from caas.i18n import LazyText
from caas.service_layer.tenants import create_tenant
from caas.service_layer.users import provision_user
from caas.tenancy import tenant_context
from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.journey import sell
from tests.support.platform import build_app, new_slug
from tests.support.web import addresses, csrf_token, send_form, sign_in

HOSTILE = "<script>alert(1)</script>"


def _cookie(response) -> str:
    [cookie] = response.headers.getlist("Set-Cookie")
    return cookie


def _employee(tenant) -> str:
    return f"employee@{tenant.slug}.test"


def _customer_password(mailbox, drain, email: str) -> str:
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    return password_in(message)


# --- where the pages are ----------------------------------------------------------------------

def test_the_root_lists_each_tenants_sign_in_page_on_the_sandbox(client, tenant):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f"http://localhost/t/{tenant.slug}/sign-in" in addresses(html)
    assert "/api/v1/docs" in addresses(html)


def test_the_root_lists_no_tenant_outside_the_sandbox(tmp_path):
    systems = {key: "https://systems.example.test" for key in (
        "CAAS_PAYMENTS_URL", "CAAS_FACTORY_URL", "CAAS_IOT_URL", "CAAS_VSS_URL",
        "CAAS_PUSH_URL", "CAAS_SMS_URL")}
    app = build_app(tmp_path, CAAS_SANDBOX=False, CAAS_REGISTRATION_URLS="ES=https://dgt.test",
                    **systems)
    create_tenant(app.extensions["caas"], new_slug("es"), "Hidden Motors", "ES")
    html = app.test_client().get("/").get_data(as_text=True)
    assert "Hidden Motors" not in html and "/t/" not in html


def test_an_unknown_tenant_is_a_404_page(client):
    response = client.get("/t/no-such-tenant/sign-in", headers={"Accept-Language": "fr"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Page introuvable" in response.get_data(as_text=True)


def test_with_a_host_pattern_the_host_names_the_tenant(tmp_path):
    app = build_app(tmp_path, CAAS_WEB_HOST_PATTERN="{tenant}.cars.test")
    slug = new_slug("es")
    shop = create_tenant(app.extensions["caas"], slug, "Host Motors", "ES")
    with tenant_context(shop):
        provision_user(app.extensions["caas"].for_tenant(shop), email=f"employee@{slug}.test",
                       role="employee", name="Eva", password=ADMIN_PASSWORD)
    client = app.test_client()
    base = f"http://{slug}.cars.test"
    assert client.get("/", base_url=base).headers["Location"] == "/sign-in"
    page = client.get("/sign-in", base_url=base)
    assert page.status_code == 200 and "Host Motors" in page.get_data(as_text=True)
    signed_in = client.post("/sign-in", base_url=base, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": f"employee@{slug}.test", "password": ADMIN_PASSWORD})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/orders"
    assert client.get("/orders", base_url=base).status_code == 200
    assert client.get("/sign-in", base_url="http://nobody.cars.test").status_code == 404
    assert client.get("/sign-in", base_url="http://elsewhere.test").status_code == 404


@pytest.mark.parametrize("pattern", ["cars.test", "{tenant}.{tenant}.test", "{tenant}.test/x"])
def test_a_host_pattern_without_one_tenant_placeholder_is_refused(tmp_path, pattern):
    with pytest.raises(ConfigError, match="CAAS_WEB_HOST_PATTERN"):
        build_app(tmp_path, CAAS_WEB_HOST_PATTERN=pattern)


# --- signing in and out -----------------------------------------------------------------------

def test_staff_land_on_orders_and_sign_out(client, tenant):
    response = sign_in(client, tenant.slug, _employee(tenant), ADMIN_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/t/{tenant.slug}/orders"
    orders = client.get(f"/t/{tenant.slug}/orders")
    assert orders.status_code == 200 and "Pedidos" in orders.get_data(as_text=True)
    assert client.get(f"/t/{tenant.slug}/vehicles").status_code == 403
    signed_out = send_form(client, f"/t/{tenant.slug}/orders", f"/t/{tenant.slug}/sign-out")
    assert signed_out.status_code == 303
    assert client.get(f"/t/{tenant.slug}/orders").headers["Location"] == \
        f"/t/{tenant.slug}/sign-in"


def test_customers_land_on_their_vehicles_and_never_see_staff_pages(client, shop, mailbox,
                                                                    drain):
    mine = sell(shop)
    someone_else = sell(shop, name="Otra Persona")
    email = mine["customer"]["email"]
    response = sign_in(client, shop.slug, email, _customer_password(mailbox, drain, email))
    assert response.headers["Location"] == f"/t/{shop.slug}/vehicles"
    html = client.get(f"/t/{shop.slug}/vehicles").get_data(as_text=True)
    assert mine["order"]["reference"] in html
    assert someone_else["order"]["reference"] not in html
    assert client.get(f"/t/{shop.slug}/orders").status_code == 403


def test_wrong_credentials_are_shown_on_the_form_in_the_pages_language(client, tenant):
    response = sign_in(client, tenant.slug, _employee(tenant), "wrong-password-1")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Wrong email or password." not in html
    assert LazyText("Wrong email or password.").render("es-ES") in html
    assert 'role="alert"' in html
    empty = sign_in(client, tenant.slug, "", "")
    assert empty.status_code == 422
    assert "Introduzca su correo electrónico." in empty.get_data(as_text=True)


def test_the_forms_sign_in_is_throttled_like_the_apis(client, tenant):
    for _ in range(3):
        assert sign_in(client, tenant.slug, _employee(tenant), "guess-0001").status_code == 401
    refused = sign_in(client, tenant.slug, _employee(tenant), ADMIN_PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert LazyText("Too many failed sign-ins; try again later.").render("es-ES") in \
        refused.get_data(as_text=True)
    assert "/orders" not in refused.headers.get("Location", "")


# --- sessions -----------------------------------------------------------------------------------

def test_only_pages_have_a_session_cookie_and_it_is_httponly_and_lax(client, tenant):
    assert "Set-Cookie" not in tenant.employee.get("/api/v1/orders").headers
    assert "Set-Cookie" not in client.get("/api/v1/health").headers
    cookie = _cookie(client.get(f"/t/{tenant.slug}/sign-in"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development: plain http on the developer's machine


def test_outside_development_the_session_cookie_is_secure(tmp_path):
    app = build_app(tmp_path, CAAS_ENV="staging")
    slug = new_slug("es")
    create_tenant(app.extensions["caas"], slug, "Staging Motors", "ES")
    assert "Secure" in _cookie(app.test_client().get(f"/t/{slug}/sign-in"))


def test_the_session_is_replaced_at_sign_in(client, tenant):
    page = client.get(f"/t/{tenant.slug}/sign-in")
    before, token_before = _cookie(page), csrf_token(page.get_data(as_text=True))
    signed_in = client.post(f"/t/{tenant.slug}/sign-in", data={
        "csrf_token": token_before, "email": _employee(tenant), "password": ADMIN_PASSWORD})
    assert _cookie(signed_in).split(";")[0] != before.split(";")[0]
    # What the session held before (its CSRF secret) is gone: the old form's token is refused.
    stale = client.post(f"/t/{tenant.slug}/sign-out", data={"csrf_token": token_before})
    assert stale.status_code == 400
    assert client.get(f"/t/{tenant.slug}/orders").status_code == 200


def test_a_session_of_one_tenant_shows_nothing_of_another(client, make_tenant):
    first, second = make_tenant("ES"), make_tenant("ES")
    sign_in(client, first.slug, _employee(first), ADMIN_PASSWORD)
    assert client.get(f"/t/{first.slug}/orders").status_code == 200
    other = client.get(f"/t/{second.slug}/orders")
    assert other.status_code == 302
    assert other.headers["Location"] == f"/t/{second.slug}/sign-in"


def test_a_changed_password_signs_in_and_a_wrong_old_one_is_shown(client, tenant):
    sign_in(client, tenant.slug, _employee(tenant), ADMIN_PASSWORD)
    page = f"/t/{tenant.slug}/password"
    wrong = send_form(client, page, old_password="not-my-password", new_password="N3w-pass-2026")
    assert wrong.status_code == 401
    assert LazyText("The old password is wrong.").render("es-ES") in wrong.get_data(as_text=True)
    same = send_form(client, page, old_password=ADMIN_PASSWORD, new_password=ADMIN_PASSWORD)
    assert same.status_code == 422 and 'aria-invalid="true"' in same.get_data(as_text=True)
    changed = send_form(client, page, old_password=ADMIN_PASSWORD, new_password="N3w-pass-2026")
    assert changed.status_code == 303
    send_form(client, page, f"/t/{tenant.slug}/sign-out")
    assert sign_in(client, tenant.slug, _employee(tenant), "N3w-pass-2026").status_code == 303


# --- CSRF ---------------------------------------------------------------------------------------

def test_a_form_without_its_csrf_token_changes_nothing(client, tenant):
    client.get(f"/t/{tenant.slug}/sign-in")
    refused = client.post(f"/t/{tenant.slug}/sign-in", data={
        "email": _employee(tenant), "password": ADMIN_PASSWORD})
    assert refused.status_code == 400 and "Location" not in refused.headers
    assert client.get(f"/t/{tenant.slug}/orders").status_code == 302  # still signed out
    forged = client.post(f"/t/{tenant.slug}/sign-in", data={
        "csrf_token": "forged", "email": _employee(tenant), "password": ADMIN_PASSWORD})
    assert forged.status_code == 400


def test_the_api_needs_no_csrf_token(tenant):
    assert tenant.anonymous.post("/api/v1/auth/token", json={
        "email": _employee(tenant), "password": ADMIN_PASSWORD}).status_code == 200


# --- language -----------------------------------------------------------------------------------

def test_before_sign_in_accept_language_among_the_tenants_then_the_switcher(client, make_tenant):
    swiss = make_tenant("CH")
    page = f"/t/{swiss.slug}/sign-in"
    html = client.get(page, headers={"Accept-Language": "fr-CH,fr;q=0.9"}).get_data(as_text=True)
    assert 'lang="fr-CH"' in html and "Se connecter" in html
    switched = client.post(f"/t/{swiss.slug}/language", data={
        "csrf_token": csrf_token(html), "language": "it-CH", "next": page})
    assert switched.status_code == 303 and switched.headers["Location"] == page
    html = client.get(page, headers={"Accept-Language": "fr-CH"}).get_data(as_text=True)
    assert 'lang="it-CH"' in html and "Accedi" in html
    # Only the tenant's languages, and only back to this site.
    foreign = client.post(f"/t/{swiss.slug}/language", data={
        "csrf_token": csrf_token(html), "language": "es-ES", "next": "//evil.test/"})
    assert foreign.headers["Location"] == page
    assert 'lang="it-CH"' in client.get(page).get_data(as_text=True)


def test_signed_in_pages_are_in_the_persons_locale(client, make_tenant):
    swiss = make_tenant("CH")
    sign_in(client, swiss.slug, _employee(swiss), ADMIN_PASSWORD)
    html = client.get(f"/t/{swiss.slug}/orders",
                      headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert f'lang="{swiss.tenant.default_locale}"' in html


# --- what every page carries -------------------------------------------------------------------

def test_pages_carry_a_strict_content_security_policy_and_signed_in_ones_are_not_cached(
        client, tenant):
    signed_out = client.get(f"/t/{tenant.slug}/sign-in")
    policy = signed_out.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "no-store" not in signed_out.headers.get("Cache-Control", "")
    sign_in(client, tenant.slug, _employee(tenant), ADMIN_PASSWORD)
    for page in ("orders", "password"):
        response = client.get(f"/t/{tenant.slug}/{page}")
        assert response.headers["Cache-Control"] == "no-store"
        assert "Content-Security-Policy" in response.headers
    assert "<script>" not in signed_out.get_data(as_text=True)  # no inline script at all


def test_a_hostile_name_is_shown_escaped(client, shop):
    sell(shop, name=HOSTILE)
    sign_in(client, shop.slug, _employee(shop), ADMIN_PASSWORD)
    html = client.get(f"/t/{shop.slug}/orders").get_data(as_text=True)
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_front_end_files_come_from_this_server(client, tenant):
    html = client.get(f"/t/{tenant.slug}/sign-in").get_data(as_text=True)
    loaded = addresses(html)
    assert all(address.startswith(("/", "#")) and not address.startswith("//")
               for address in loaded)
    for name in ("htmx.min.js", "pico.min.css"):
        address = f"/assets/vendor/{name}"
        assert address in loaded
        response = client.get(address)
        assert response.status_code == 200 and len(response.data) > 1000
    assert client.get("/assets/web/site.css").status_code == 200
    assert client.get("/assets/vendor/..%2Fpackage.json").status_code == 404
    assert client.get("/assets/vendor/htmx.js").status_code == 404


def test_pages_are_accessible_landmarks_with_labelled_fields(client, tenant):
    html = client.get(f"/t/{tenant.slug}/sign-in").get_data(as_text=True)
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    assert '<html lang="es-ES">' in html and 'name="viewport"' in html
    for field in ("email", "password", "language"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html


def test_caas_run_prints_each_demo_tenants_web_address(cli, monkeypatch):
    import werkzeug.serving

    from caas.entrypoints.worker.embedded import EmbeddedWorker
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *args, **kwargs: None)
    monkeypatch.setattr(EmbeddedWorker, "start", lambda self: None)
    printed = cli("run", "--port", "5999").output
    assert "http://127.0.0.1:5999/t/es-demo/sign-in" in printed
    assert "http://127.0.0.1:5999/t/de-demo/sign-in" in printed
    # Both channels' demo accounts: the staff's and the customer `caas seed --demo-sales` makes.
    assert "employee@es-demo.caas.example / employee-demo-1" in printed
    assert "customer@es-demo.caas.example / customer-demo-1" in printed


def test_a_forgotten_password_is_reset_through_the_emailed_link(client, tenant, mailbox, drain):
    base, email = f"/t/{tenant.slug}", f"admin@{tenant.slug}.test"
    sign_in_page = client.get(f"{base}/sign-in").get_data(as_text=True)
    assert f'href="{base}/password-reset"' in sign_in_page
    for address in (email, f"nobody@{tenant.slug}.test"):  # the same answer for both
        asked = send_form(client, f"{base}/password-reset", email=address)
        assert asked.status_code == 303 and asked.location.endswith("/password-reset?sent=1")
    drain()
    [link] = [re.search(rf"https?://[^/\s]+({base}/password-reset/[\w-]+)", m["body"])[1]
              for m in mailbox.messages(email) if "/password-reset/" in m["body"]]
    form = client.get(link)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    weak = send_form(client, link, new_password="short")
    assert weak.status_code == 422 and 'aria-invalid="true"' in weak.get_data(as_text=True)
    done = send_form(client, link, new_password="a-new-password-1")
    assert done.status_code == 303 and done.location.endswith("/sign-in?reset=1")
    again = send_form(client, link, new_password="another-password-1")
    assert again.status_code == 422  # the link is spent
    assert sign_in(client, tenant.slug, email, ADMIN_PASSWORD).status_code == 401
    assert sign_in(client, tenant.slug, email, "a-new-password-1").status_code == 303

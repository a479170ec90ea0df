"""The operator console through the Flask test client, as a browser without JavaScript: only
operators get in; tenants searched and paged (in the REST API too), created with their first
admin (refusals inline), their health, the plugins; and an operator acting inside a tenant,
audited there as theirs."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from caas.domain.tenants import Tenant
from caas.i18n import LazyText
from caas.service_layer.users import create_operator
from caas.tenancy import tenant_context
from tests.e2e.test_web_intranet_stock_tickets import seed
from caas import PLUGIN_API_VERSION
from caas.adapters.sql import migrations
from caas.service_layer import clock
from tests.support.api import ADMIN_PASSWORD, OPERATOR_PASSWORD, login, password_in
from tests.support.platform import new_slug
from tests.support.web import csrf_token, send_form, sign_in, texts

CONSOLE = "/operator"


def de(msgid: str, **values) -> str:
    return LazyText(msgid, **values).render("de")


@pytest.fixture
def operator_email(platform):
    email = f"op-{uuid.uuid4().hex[:8]}@caas.test"
    create_operator(platform, email, OPERATOR_PASSWORD, name="Olga Operator")
    return email


@pytest.fixture
def console(client, operator_email):
    """A test client signed in to the operator console."""
    signed = send_form(client, f"{CONSOLE}/sign-in", email=operator_email,
                       password=OPERATOR_PASSWORD)
    assert signed.status_code == 303 and signed.headers["Location"] == f"{CONSOLE}/tenants"
    return client


def post(client, page: str, action: str, **fields):
    """Send a form of ``page`` to ``action`` (the page's first CSRF token serves any)."""
    return client.post(action, data={"csrf_token": csrf_token(client.get(page).get_data(
        as_text=True)), **fields})


def audit_of(shop, action: str) -> list[dict]:
    return shop.admin.get(f"/api/v1/audit?action={action}&page_size=100").json


# --- who gets in ----------------------------------------------------------------------------

PAGES = ("/tenants", "/tenants/new", "/plugins")


def test_the_signed_out_are_sent_to_sign_in(client):
    for page in PAGES:
        response = client.get(f"{CONSOLE}{page}")
        assert response.status_code == 302 and response.headers["Location"] == f"{CONSOLE}/sign-in"


def test_a_tenants_admin_session_is_refused(client, tenant):
    assert sign_in(client, tenant.slug, f"admin@{tenant.slug}.test", ADMIN_PASSWORD).status_code == 303
    for page in (*PAGES, f"/tenants/{tenant.slug}"):
        response = client.get(f"{CONSOLE}{page}")
        assert response.status_code == 403, page
        assert f"Tenant {tenant.slug}" not in response.get_data(as_text=True)
    # Nor may it act: the refusal comes before anything is done.
    html = client.get(f"/t/{tenant.slug}/orders").get_data(as_text=True)
    entered = client.post(f"{CONSOLE}/tenants/{tenant.slug}/enter",
                          data={"csrf_token": csrf_token(html)})
    assert entered.status_code == 403 and audit_of(tenant, "operator.") == []


def test_an_admins_credentials_do_not_sign_in_to_the_console(client, tenant):
    refused = send_form(client, f"{CONSOLE}/sign-in", email=f"admin@{tenant.slug}.test",
                        password=ADMIN_PASSWORD)
    assert refused.status_code == 401
    assert LazyText("Wrong email or password.").render("en") in refused.get_data(as_text=True)


def test_the_console_sign_in_is_throttled_like_the_tenants(client, operator_email):
    for _ in range(3):
        assert send_form(client, f"{CONSOLE}/sign-in", email=operator_email,
                         password="guess-0001").status_code == 401
    refused = send_form(client, f"{CONSOLE}/sign-in", email=operator_email,
                        password=OPERATOR_PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert LazyText("Too many failed sign-ins; try again later.").render("en") in \
        refused.get_data(as_text=True)


def test_an_expired_console_session_is_sent_to_sign_in(console):
    with console.session_transaction(f"{CONSOLE}/tenants") as session:
        session["token"] = "expired-or-forged"
    response = console.get(f"{CONSOLE}/tenants")
    assert response.status_code == 302 and response.headers["Location"] == f"{CONSOLE}/sign-in"


def test_every_post_needs_its_csrf_token(console, tenant):
    response = console.post(f"{CONSOLE}/tenants/{tenant.slug}/enter")
    assert response.status_code == 400 and audit_of(tenant, "operator.") == []


def test_the_console_speaks_the_chosen_language_else_the_browsers(console):
    page = console.get(f"{CONSOLE}/tenants", headers={"Accept-Language": "fr"})
    assert 'lang="fr"' in page.get_data(as_text=True)
    chosen = post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/language", language="de",
                  next=f"{CONSOLE}/plugins")
    assert chosen.status_code == 303 and chosen.headers["Location"] == f"{CONSOLE}/plugins"
    html = console.get(f"{CONSOLE}/plugins", headers={"Accept-Language": "fr"}).get_data(
        as_text=True)
    assert 'lang="de"' in html and de("Installed plugins") in html
    away = post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/language", language="it",
                next="//evil.example/")
    assert away.headers["Location"] == f"{CONSOLE}/tenants"


def test_signing_out_ends_the_console(console):
    assert post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/sign-out").status_code == 303
    assert console.get(f"{CONSOLE}/tenants").status_code == 302


# --- tenants --------------------------------------------------------------------------------

@pytest.fixture
def registered(platform):
    """21 tenants in the registry only (still being set up: no database), named alike;
    gone after the test, so that nothing else meets them."""
    word = f"zz{uuid.uuid4().hex[:8]}"
    slugs = [new_slug("reg") for _ in range(21)]
    with platform.control_uow() as uow:
        for number, slug in enumerate(slugs):
            uow.tenants.add(Tenant(slug=slug, name=f"Garage {word.upper()} {number}",
                                   country="ES", currency="EUR", locales=["es-ES"],
                                   timezone="Europe/Madrid", status="provisioning"))
        uow.commit()
    yield word, sorted(slugs)
    with platform.control_uow() as uow:
        for slug in slugs:
            uow.tenants.delete(slug)
        uow.commit()


def test_tenants_are_searched_and_paged(console, registered, tenant):
    word, slugs = registered
    first = console.get(f"{CONSOLE}/tenants?q={word}").get_data(as_text=True)
    assert LazyText("Tenants found: %(count)s", count="21").render("en") in first
    assert [slug for slug in slugs if f"/tenants/{slug}\"" in first] == slugs[:20]
    assert f'href="{CONSOLE}/tenants?page=2&amp;q={word}" rel="next"' in first
    assert LazyText("Being set up").render("en") in first
    # A tenant still being set up cannot be entered yet.
    assert first.count(f"{CONSOLE}/tenants/t") == 20 and "/enter" not in first
    second = console.get(f"{CONSOLE}/tenants?q={word}&page=2").get_data(as_text=True)
    assert f"/tenants/{slugs[20]}\"" in second and 'rel="prev"' in second
    # By slug, in any case; and the rows of others are not shown.
    by_slug = console.get(f"{CONSOLE}/tenants?q={tenant.slug.upper()}").get_data(as_text=True)
    assert tenant.slug in by_slug and slugs[0] not in by_slug
    assert f"/tenants/{tenant.slug}/enter" in by_slug
    nothing = console.get(f"{CONSOLE}/tenants?q=no-such-tenant-{uuid.uuid4().hex}")
    assert LazyText("No tenant matches.").render("en") in nothing.get_data(as_text=True)
    too_long = console.get(f"{CONSOLE}/tenants?q={'x' * 201}")
    assert too_long.status_code == 422 and 'id="q-error"' in too_long.get_data(as_text=True)


def test_the_rest_api_pages_and_searches_tenants(client, operator, make_tenant):
    made = [make_tenant("ES") for _ in range(3)]
    prefix = made[0].slug[:-1]
    response = operator.get(f"/api/v1/platform/tenants?q={prefix}&page_size=2")
    assert response.status_code == 200 and len(response.json) == 2
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] >= 3 and pagination["page"] == 1
    only = operator.get(f"/api/v1/platform/tenants?q={made[1].slug.upper()}")
    assert [t["slug"] for t in only.json] == [made[1].slug]
    assert json.loads(only.headers["X-Pagination"])["total"] == 1
    assert operator.get("/api/v1/platform/tenants?q=" + "x" * 201).status_code == 422


def test_a_tenant_is_created_with_its_first_admin(console, drain, mailbox):
    slug = new_slug("ch")
    form = console.get(f"{CONSOLE}/tenants/new").get_data(as_text=True)
    # Each installed country, with its languages and currency.
    assert "CHF" in form and "Français (Suisse)" in form and 'value="ES"' in form
    created = post(console, f"{CONSOLE}/tenants/new", f"{CONSOLE}/tenants/new", slug=slug,
                   name="Suisse Auto", country="CH", admin_name="Anna Admin",
                   admin_email=f"anna@{slug}.test", admin_locale="fr-CH")
    assert created.status_code == 303
    assert created.headers["Location"] == f"{CONSOLE}/tenants/{slug}?created=1"
    page = console.get(created.headers["Location"]).get_data(as_text=True)
    assert 'role="status"' in page and "Suisse Auto" in page
    drain()
    [message] = mailbox.messages(f"anna@{slug}.test")
    admin = login(console, f"anna@{slug}.test", password_in(message), slug)
    assert admin.get("/api/v1/me").json["role"] == "admin"


@pytest.mark.parametrize("fields, field, refused_by_use_case, message", [
    ({"slug": "Bad Slug!"}, "slug", True, None),
    ({"admin_locale": "de-DE"}, "admin_locale", True, "Must be one of %(choices)s."),
    ({"admin_email": "not-an-email"}, "admin_email", False, "Not a valid email address."),
    ({"country": ""}, "country", False, "Missing data for required field."),
])
def test_a_refused_tenant_is_said_inline_and_nothing_is_made(console, platform, fields, field,
                                                              refused_by_use_case, message):
    slug = new_slug("es")
    sent = {"slug": slug, "name": "Nada", "country": "ES", "admin_name": "A",
            "admin_email": f"a@{slug}.test", "admin_locale": "", **fields}
    response = post(console, f"{CONSOLE}/tenants/new", f"{CONSOLE}/tenants/new", **sent)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html
    # The use case's refusal is summed up at the top of the form too.
    assert ('role="alert"' in html) is refused_by_use_case
    if message:
        assert LazyText(message, choices="es-ES").render("en") in html
    assert slug not in [t.slug for t in platform.tenants()]


def test_a_taken_slug_is_said_beside_the_slug_in_the_readers_language(console, tenant):
    post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/language", language="de")
    response = post(console, f"{CONSOLE}/tenants/new", f"{CONSOLE}/tenants/new",
                    slug=tenant.slug, name="Dup", country="ES", admin_name="A",
                    admin_email="a@dup.test")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    taken = de("A tenant with slug '%(slug)s' already exists.", slug=tenant.slug)
    error = re.search(r'id="slug-error"[^>]*>(.*?)</small>', html, re.S)[1]
    assert taken.replace("'", "&#39;") in error


# --- health and plugins ---------------------------------------------------------------------

def test_a_tenants_health_shows_schema_jobs_tickets_and_clock(console, platform, tenant):
    seed(platform, tenant, tickets=["No answer", "Still no answer"])
    with tenant_context(tenant.tenant), platform.for_tenant(tenant.tenant).uow() as uow:
        failing = uow.outbox.add("deliver_notification", {"notification_id": 0})
        abandoned = uow.outbox.add("deliver_notification", {"notification_id": 0})
        uow.outbox.added.clear()  # not sent: they stay in the backlog
        uow.outbox.release(failing, "SMTP down", 60)
        uow.outbox.give_up(abandoned, {}, "SMTP down for good")
        uow.commit()
    clock.advance(platform.for_tenant(tenant.tenant), days=10)
    html = console.get(f"{CONSOLE}/tenants/{tenant.slug}").get_data(as_text=True)

    def cell(name):
        return " ".join(texts(re.search(rf'<td id="health-{name}">(.*?)</td>', html, re.S)[1]))
    with platform.for_tenant(tenant.tenant).reader() as uow:
        backlog = uow.outbox.backlog()
    assert backlog["retrying"] == 1 and backlog["abandoned"] == 1
    assert cell("pending") == str(backlog["pending"])
    assert (cell("retrying"), cell("abandoned"), cell("tickets")) == ("1", "1", "2")
    assert migrations.head_revision("tenant") in cell("schema")
    assert "10.0" in cell("clock")


def test_an_unknown_tenant_has_no_page(console):
    assert console.get(f"{CONSOLE}/tenants/no-such-tenant").status_code == 404


def test_the_plugins_page_lists_distributions_versions_and_errors(console, platform):
    html = console.get(f"{CONSOLE}/plugins").get_data(as_text=True)
    for plugin in platform.plugins.loaded.values():
        assert plugin.name in html and (plugin.distribution or "—") in html
    assert PLUGIN_API_VERSION in html


# --- acting inside a tenant -----------------------------------------------------------------

def test_an_operator_acts_inside_a_tenant_audited_as_theirs(console, platform, tenant,
                                                            operator_email):
    [ticket] = seed(platform, tenant, tickets=["Operator test"])
    entered = post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/tenants/{tenant.slug}/enter")
    assert entered.status_code == 303 and entered.headers["Location"] == f"/t/{tenant.slug}/"
    landing = console.get(f"/t/{tenant.slug}/")
    assert landing.status_code == 302
    html = console.get(landing.headers["Location"]).get_data(as_text=True)
    assert 'class="operator-banner"' in html and "Olga Operator" in html
    # A change made on a tenant's page is the operator's in its audit log.
    page = f"/t/{tenant.slug}/tickets/{ticket}"
    resolved = post(console, page, f"{page}/resolution", status="resolved")
    assert resolved.status_code == 303
    [change] = audit_of(tenant, "ticket.status_changed")
    assert (change["actor_role"], change["actor_email"]) == ("operator", operator_email)
    left = post(console, page, f"{CONSOLE}/leave")
    assert left.status_code == 303 and left.headers["Location"] == f"{CONSOLE}/tenants/{tenant.slug}"
    assert console.get(f"/t/{tenant.slug}/tickets").status_code == 302
    visits = [(entry["action"], entry["actor_email"]) for entry in
              reversed(audit_of(tenant, "operator."))]
    assert visits == [("operator.entered", operator_email), ("operator.left", operator_email)]
    # The console itself is still theirs.
    assert console.get(f"{CONSOLE}/tenants").status_code == 200


def test_an_admin_console_change_by_an_operator_is_audited_as_theirs(console, tenant,
                                                                    operator_email):
    post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/tenants/{tenant.slug}/enter")
    page = f"/t/{tenant.slug}/admin/settings/ota"
    # The tenant is Spanish: its pages read numbers the Spanish way.
    done = send_form(console, page, max_attempts="6", command_timeout_seconds="3",
                     backoff_seconds="0,5")
    assert done.status_code == 303
    [entry] = audit_of(tenant, "settings.ota")
    assert (entry["actor_role"], entry["actor_email"]) == ("operator", operator_email)
    assert entry["after"]["max_attempts"] == 6


def test_a_price_set_on_the_catalog_page_by_an_operator_is_audited_as_theirs(
        console, tenant, operator_email):
    post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/tenants/{tenant.slug}/enter")
    catalog = f"/t/{tenant.slug}/admin/catalog"
    done = post(console, catalog, f"{catalog}/options/heated_seats", enabled="y",
                price="249.00", billing="one_time")
    assert done.status_code == 303
    [entry] = audit_of(tenant, "catalog.option_set")
    assert (entry["actor_role"], entry["actor_email"]) == ("operator", operator_email)
    assert entry["entity_id"] == "heated_seats"


def test_acting_inside_one_tenant_opens_no_other(console, make_tenant):
    one, other = make_tenant("ES"), make_tenant("ES")
    post(console, f"{CONSOLE}/tenants", f"{CONSOLE}/tenants/{one.slug}/enter")
    assert console.get(f"/t/{one.slug}/tickets").status_code == 200
    assert console.get(f"/t/{other.slug}/tickets").status_code == 302


def test_the_home_page_leads_to_the_console(client):
    assert f'href="{CONSOLE}/sign-in"' in client.get("/").get_data(as_text=True)

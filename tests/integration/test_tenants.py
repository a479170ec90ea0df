"""Tenant registry: creation through the API and the CLI, isolation between tenants."""
import pytest

from caas.adapters.sql import migrations
from tests.support.api import ADMIN_PASSWORD, login, password_in
from tests.support.platform import new_slug


def test_operator_creates_a_tenant_with_its_own_database_at_head(operator, platform):
    slug = new_slug("api")
    response = operator.post("/api/v1/platform/tenants",
                             json={"slug": slug, "name": "Suisse", "country": "CH",
                                   "locales": ["fr-CH", "it-CH"]})
    assert response.status_code == 201, response.json
    assert response.json["currency"] == "CHF"
    assert response.json["locales"] == ["fr-CH", "it-CH"]
    assert response.json["timezone"] == "Europe/Zurich"
    engine = platform.tenant_engines.get(slug)
    assert migrations.current_revision(engine) == migrations.head_revision("tenant")
    listed = operator.get(f"/api/v1/platform/tenants?q={slug}").json
    assert [t["slug"] for t in listed] == [slug]


@pytest.mark.parametrize("body, field", [
    ({"slug": "valid-slug-xx", "name": "N", "country": "ZZ"}, "country"),
    ({"slug": "Bad Slug!", "name": "N", "country": "ES"}, "slug"),
    ({"slug": "-bad", "name": "N", "country": "ES"}, "slug"),
    ({"slug": "ok-slug-yy", "name": "N", "country": "ES", "locales": ["fr-FR"]}, "locales"),
    ({"slug": "ok-slug-zz", "name": "N", "country": "ES", "currency": "CHF"}, "currency"),
    ({"name": "N", "country": "ES"}, "slug"),
])
def test_invalid_tenant_is_422_and_creates_nothing(operator, platform, body, field):
    before = len(platform.tenants())
    response = operator.post("/api/v1/platform/tenants", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert len(platform.tenants()) == before


def test_a_tenant_is_created_with_its_first_admin_who_gets_credentials_by_email(
        operator, client, mailbox, drain):
    slug, email = new_slug("adm"), f"boss-{new_slug()}@example.test"
    response = operator.post("/api/v1/platform/tenants", json={
        "slug": slug, "name": "Suisse", "country": "CH", "locales": ["fr-CH", "de-CH"],
        "admin": {"email": email.upper(), "name": "Anne Chef", "locale": "de-CH"}})
    assert response.status_code == 201, response.json
    admin = response.json["admin"]
    assert (admin["email"], admin["role"], admin["locale"]) == (email, "admin", "de-CH")
    assert "password" not in admin
    drain()
    [message] = [m for m in mailbox.messages(email) if slug in m["body"]]
    boss = login(client, email, password_in(message), slug)
    assert boss.get("/api/v1/me").json["role"] == "admin"
    assert [person["email"] for person in boss.get("/api/v1/staff").json] == [email]


@pytest.mark.parametrize("admin, field", [
    ({"email": "boss@example.test", "locale": "it-IT"}, "locale"),
    ({"email": "not an email"}, "email"),
    ({"name": "No Email"}, "email"),
    ({"email": "boss@example.test", "password": "chosen-by-the-caller-1"}, "password"),
])
def test_a_refused_first_admin_creates_no_tenant(operator, platform, admin, field):
    slug = new_slug("noadm")
    response = operator.post("/api/v1/platform/tenants", json={
        "slug": slug, "name": "N", "country": "ES", "admin": admin})
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]["admin"]
    assert slug not in [tenant.slug for tenant in platform.tenants()]


def test_duplicate_slug_is_409(operator):
    slug = new_slug("dup")
    body = {"slug": slug, "name": "One", "country": "ES"}
    assert operator.post("/api/v1/platform/tenants", json=body).status_code == 201
    response = operator.post("/api/v1/platform/tenants", json=dict(body, name="Two"))
    assert response.status_code == 409
    assert response.json["code"] == 409 and slug in response.json["message"]


def test_only_operators_manage_tenants(tenant, client):
    for api in (tenant.admin, tenant.employee):
        assert api.get("/api/v1/platform/tenants").status_code == 403
        assert api.post("/api/v1/platform/tenants",
                        json={"slug": new_slug(), "name": "x", "country": "ES"}).status_code == 403
    assert client.get("/api/v1/platform/tenants").status_code == 401


def test_same_ids_in_two_tenants_never_cross(make_tenant, client):
    spain, france = make_tenant("ES"), make_tenant("FR")
    # Both tenants number their users from 1: the admin is user 1 in each.
    assert spain.admin.get("/api/v1/me").json["id"] == france.admin.get("/api/v1/me").json["id"]
    assert spain.admin.get("/api/v1/me").json["email"] == f"admin@{spain.slug}.test"
    assert france.admin.get("/api/v1/me").json["email"] == f"admin@{france.slug}.test"
    # A Spanish token presented to the French tenant is refused, not mapped to French user 1.
    crossed = spain.admin.get("/api/v1/me", headers={"X-Tenant": france.slug})
    assert crossed.status_code == 401
    crossed = spain.admin.get("/api/v1/staff", headers={"X-Tenant": france.slug})
    assert crossed.status_code == 401
    # The same credentials do not log in to the other tenant.
    response = client.post("/api/v1/auth/token", headers={"X-Tenant": france.slug},
                           json={"email": f"admin@{spain.slug}.test", "password": ADMIN_PASSWORD})
    assert response.status_code == 401
    spain_staff = {s["email"] for s in spain.admin.get("/api/v1/staff").json}
    assert all(email.endswith(f"@{spain.slug}.test") for email in spain_staff)


def test_unknown_tenant_is_404(client):
    response = client.post("/api/v1/auth/token", headers={"X-Tenant": "no-such-tenant"},
                           json={"email": "a@b.c", "password": "x"})
    assert response.status_code == 404
    assert response.json["message"] == "Unknown tenant 'no-such-tenant'."


def test_a_failed_tenant_database_leaves_no_tenant_behind(app, operator, platform, monkeypatch):
    def broken_upgrade(engine, which, revision="head"):
        raise RuntimeError("disk full")
    slug = new_slug("broken")
    monkeypatch.setattr(migrations, "upgrade", broken_upgrade)
    with pytest.raises(RuntimeError):
        from caas.service_layer.tenants import create_tenant
        create_tenant(platform, slug, "Broken", "ES")
    monkeypatch.undo()
    assert slug not in [t.slug for t in platform.tenants()]
    # The slug is free again.
    assert operator.post("/api/v1/platform/tenants",
                         json={"slug": slug, "name": "Fixed", "country": "ES"}).status_code == 201


def test_tenant_creation_is_audited_in_the_tenant(operator, client):
    slug = new_slug("aud")
    operator.post("/api/v1/platform/tenants", json={"slug": slug, "name": "A", "country": "DE"})
    audit = operator.get("/api/v1/audit", headers={"X-Tenant": slug}).json
    assert [e["action"] for e in audit][-1] == "tenant.created"

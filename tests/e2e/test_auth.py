"""Authentication, tokens, passwords and the role matrix (throttling: test_sign_in_throttling)."""
import time

import jwt
import pytest

from tests.support.api import ADMIN_PASSWORD, Api, login


def test_token_carries_role_and_expiry(tenant, client):
    response = tenant.anonymous.post("/api/v1/auth/token",
                                     json={"email": f"admin@{tenant.slug}.test",
                                           "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and body["role"] == "admin"
    assert 0 < body["expires_in"] <= 3600
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["tenant"] == tenant.slug and claims["role"] == "admin"


def test_unknown_email_is_indistinguishable_from_wrong_password(tenant):
    unknown = tenant.anonymous.post("/api/v1/auth/token",
                                    json={"email": "nobody@x.test", "password": "whatever-1"})
    wrong = tenant.anonymous.post("/api/v1/auth/token",
                                  json={"email": f"admin@{tenant.slug}.test",
                                        "password": "whatever-1"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json["message"] == wrong.json["message"]


def test_expired_and_forged_tokens_are_401(tenant, app, client):
    secret = app.config["CAAS_SECRET_KEY"]
    now = int(time.time())
    claims = {"sub": "1", "role": "admin", "tenant": tenant.slug, "iss": "caas",
              "iat": now - 3600, "exp": now - 1800}
    expired = jwt.encode(claims, secret, algorithm="HS256")
    forged = jwt.encode(dict(claims, exp=now + 600), "another-secret-of-enough-length!!",
                        algorithm="HS256")
    for token in (expired, forged, "not-a-token"):
        response = Api(client, token, tenant.slug).get("/api/v1/me")
        assert response.status_code == 401
        assert response.json["code"] == 401


def test_me_and_password_change(tenant, client):
    me = tenant.employee.get("/api/v1/me").json
    assert me["email"] == f"employee@{tenant.slug}.test" and me["tenant"] == tenant.slug
    wrong_old = tenant.employee.post("/api/v1/me/password",
                                     json={"old_password": "nope-nope-1", "new_password": "n3w-password!"})
    assert wrong_old.status_code == 401
    weak = tenant.employee.post("/api/v1/me/password",
                                json={"old_password": ADMIN_PASSWORD, "new_password": "aaaaaaaaaaaa"})
    assert weak.status_code == 422
    ok = tenant.employee.post("/api/v1/me/password",
                              json={"old_password": ADMIN_PASSWORD, "new_password": "n3w-password!"})
    assert ok.status_code == 204
    login(client, f"employee@{tenant.slug}.test", "n3w-password!", tenant.slug)
    old = tenant.anonymous.post("/api/v1/auth/token",
                                json={"email": f"employee@{tenant.slug}.test",
                                      "password": ADMIN_PASSWORD})
    assert old.status_code == 401
    actions = [e["action"] for e in tenant.admin.get("/api/v1/audit").json]
    assert "user.password_changed" in actions


def test_operator_logs_in_without_tenant_and_acts_in_one_audited(operator, tenant):
    assert operator.get("/api/v1/me").json["role"] == "operator"
    staff = operator.get("/api/v1/staff", headers={"X-Tenant": tenant.slug})
    assert staff.status_code == 200
    audit = tenant.admin.get("/api/v1/audit", query_string={"action": "operator.request"}).json
    assert audit and audit[0]["actor_role"] == "operator"
    assert audit[0]["after"]["path"] == "/api/v1/staff"


def test_no_self_registration_endpoint(client):
    for path in ("/api/v1/register", "/api/v1/signup", "/api/v1/users", "/api/v1/auth/register"):
        assert client.post(path, json={"email": "a@b.c", "password": "x"}).status_code in (404, 405)


# Who may call what: (method, path, body) → roles allowed. Operators act as admins.
MATRIX = [
    ("get", "/api/v1/staff", None, {"admin", "operator"}),
    ("post", "/api/v1/staff", {"email": "m{n}@x.test", "name": "M", "role": "employee"},
     {"admin", "operator"}),
    ("get", "/api/v1/audit", None, {"admin", "operator"}),
    ("get", "/api/v1/platform/tenants", None, {"operator"}),
    ("get", "/api/v1/platform/plugins", None, {"operator"}),
    ("get", "/api/v1/me", None, {"admin", "employee", "operator"}),
]


@pytest.mark.parametrize("method, path, body, allowed", MATRIX,
                         ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_role_matrix(tenant, operator, method, path, body, allowed):
    callers = {"admin": tenant.admin, "employee": tenant.employee,
               "operator": Api(operator.client, operator.token, tenant.slug),
               "anonymous": tenant.anonymous}
    for n, (role, api) in enumerate(callers.items()):
        kwargs = {"json": {k: v.format(n=n) for k, v in body.items()}} if body else {}
        status = getattr(api, method)(path, **kwargs).status_code
        if role in allowed:
            assert status < 400, (role, status)
        elif role == "anonymous":
            assert status == 401
        else:
            assert status == 403, (role, status)



@pytest.mark.parametrize("field", ["email", "password"])
def test_a_nul_byte_in_the_credentials_is_refused_not_a_server_error(tenant, client, field):
    body = {"email": f"admin@{tenant.slug}.test", "password": ADMIN_PASSWORD}
    body[field] = body[field][:3] + "\x00" + body[field][3:]
    for headers in ({"X-Tenant": tenant.slug}, {}):  # a tenant's user, an operator
        response = client.post("/api/v1/auth/token", json=body, headers=headers)
        assert response.status_code in (401, 422), response.json


def test_a_nul_byte_anywhere_in_a_body_or_a_query_is_a_422_naming_where(tenant):
    response = tenant.admin.post("/api/v1/staff", json={
        "email": "clerk@shop.test", "name": "Cl\x00erk", "role": "employee"})
    assert response.status_code == 422
    # In the Spanish admin's language.
    assert response.json["errors"]["json"] == {"name": ["El texto no puede contener el carácter NUL."]}
    listed = tenant.admin.get("/api/v1/audit", query_string={"action": "order.\x00"})
    assert listed.status_code == 422, listed.json

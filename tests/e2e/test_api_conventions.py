"""Cross-cutting REST conventions, checked through the public HTTP interface only.

The contract (``/work/shared/API.md``): one error shape everywhere
(``{"code", "status", "message", "errors"}``), nothing 500 for bad input, bad
requests change nothing, paginated lists, request ids, health and metrics
endpoints, an offline Swagger UI and a valid OpenAPI document.
"""
from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from openapi_spec_validator import validate
from prometheus_client.parser import text_string_to_metric_families

from tests.support.api import assert_error_shape, fields_of, total
from tests.support.platform import build_app

API = "/api/v1"
FOUNDATION_PATHS = (
    f"{API}/platform/tenants", f"{API}/platform/plugins", f"{API}/auth/token", f"{API}/me",
    f"{API}/me/password", f"{API}/staff", f"{API}/audit",
)


# --- helpers ----------------------------------------------------------------------------------

def snapshot(tenant) -> tuple:
    """What a bad request must not change: the staff list and the audit log size."""
    staff = tenant.admin.get(f"{API}/staff?page_size=100")
    audit = tenant.admin.get(f"{API}/audit?page_size=1")
    return total(staff), sorted(p["email"] for p in staff.get_json()), total(audit)


def metric_samples(client, name: str) -> list:
    response = client.get("/metrics")
    assert response.status_code == 200
    return [sample for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples if sample.name == name]


# --- the error shape --------------------------------------------------------------------------

def test_unknown_route_is_404_in_the_error_shape(tenant):
    before = snapshot(tenant)
    assert_error_shape(tenant.admin.get(f"{API}/no-such-thing"), 404)
    assert_error_shape(tenant.anonymous.get("/definitely/not/here"), 404)
    assert snapshot(tenant) == before


def test_wrong_method_is_405_in_the_error_shape(tenant):
    before = snapshot(tenant)
    response = tenant.admin.delete(f"{API}/audit")
    assert_error_shape(response, 405)
    assert "GET" in response.headers.get("Allow", "")
    assert snapshot(tenant) == before


def test_missing_token_is_401_in_the_error_shape(tenant):
    before = snapshot(tenant)
    assert_error_shape(tenant.anonymous.get(f"{API}/staff"), 401)
    response = tenant.anonymous.post(f"{API}/staff", json={
        "email": "sneaky@example.com", "name": "Sneaky", "role": "admin"})
    assert_error_shape(response, 401)
    assert_error_shape(tenant.anonymous.get(f"{API}/staff",
                                            headers={"Authorization": "Bearer not-a-token"}), 401)
    assert snapshot(tenant) == before


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("token", [
    "a.b.c", "....", "x" * 5000, "Bearer",
    _b64({"alg": "none", "typ": "JWT"}) + "." + _b64({"sub": "1", "role": "operator"}) + ".",
])
def test_bad_tokens_are_401_in_the_error_shape(tenant, token):
    before = snapshot(tenant)
    assert_error_shape(tenant.anonymous.get(f"{API}/me",
                                            headers={"Authorization": f"Bearer {token}"}), 401)
    assert_error_shape(tenant.anonymous.post(f"{API}/staff", headers={
        "Authorization": f"Bearer {token}"}, json={
        "email": "forged@example.com", "name": "Forged", "role": "admin"}), 401)
    assert snapshot(tenant) == before


def test_wrong_role_is_403_in_the_error_shape(tenant):
    before = snapshot(tenant)
    assert_error_shape(tenant.employee.get(f"{API}/staff"), 403)
    response = tenant.employee.post(f"{API}/staff", json={
        "email": "promoted@example.com", "name": "Promoted", "role": "admin"})
    assert_error_shape(response, 403)
    assert snapshot(tenant) == before


def test_validation_errors_are_422_with_field_errors(tenant):
    before = snapshot(tenant)
    response = tenant.admin.post(f"{API}/staff", json={
        "email": "not-an-email", "name": "Boss", "role": "boss"})
    body = assert_error_shape(response, 422)
    assert body.get("errors"), body
    assert {"email", "role"} <= fields_of(body["errors"]), body
    assert snapshot(tenant) == before


def test_wrong_types_are_422_with_field_errors(tenant):
    before = snapshot(tenant)
    body = assert_error_shape(tenant.admin.post(f"{API}/staff", json={"email": 5}), 422)
    assert "email" in fields_of(body["errors"]), body
    body = assert_error_shape(tenant.admin.post(f"{API}/staff", json={
        "email": "x@example.com", "name": ["list"], "role": {"dict": 1}}), 422)
    assert {"name", "role"} <= fields_of(body["errors"]), body
    # A JSON body that is not an object at all.
    assert_error_shape(tenant.admin.post(f"{API}/staff", json=[1, 2, 3]), 422)
    assert snapshot(tenant) == before


def test_malformed_json_is_400_in_the_error_shape(tenant):
    before = snapshot(tenant)
    response = tenant.admin.post(f"{API}/staff", data='{"email": "a@b.c", "name": ',
                                 content_type="application/json")
    assert_error_shape(response, 400)
    response = tenant.admin.post(f"{API}/staff", data=b"\xff\xfe\x00garbage",
                                 content_type="application/json")
    assert response.status_code in (400, 422)
    assert_error_shape(response, response.status_code)
    assert snapshot(tenant) == before


def test_oversized_body_is_413_in_the_error_shape(tenant):
    before = snapshot(tenant)
    big = {"email": "big@example.com", "name": "x" * (300 * 1024), "role": "employee"}
    response = tenant.admin.post(f"{API}/staff", json=big)
    assert_error_shape(response, 413)
    assert snapshot(tenant) == before


def test_unknown_tenant_is_404_in_the_error_shape(tenant, client):
    before = snapshot(tenant)
    response = client.get(f"{API}/staff", headers={
        "X-Tenant": "nope-nope", "Authorization": f"Bearer {tenant.admin.token}"})
    body = assert_error_shape(response, 404)
    assert "nope-nope" in body["message"]
    response = client.post(f"{API}/staff", headers={
        "X-Tenant": "nope-nope", "Authorization": f"Bearer {tenant.admin.token}"},
        json={"email": "ghost@example.com", "name": "Ghost", "role": "employee"})
    assert_error_shape(response, 404)
    assert_error_shape(client.post(f"{API}/auth/token", headers={"X-Tenant": "nope-nope"},
                                   json={"email": "a@b.cd", "password": "whatever"}), 404)
    assert snapshot(tenant) == before


def test_a_token_used_with_another_tenant_is_refused(make_tenant):
    first, second = make_tenant("ES"), make_tenant("ES")
    before = snapshot(second)
    response = second.anonymous.get(f"{API}/staff",
                                    headers={"Authorization": f"Bearer {first.admin.token}"})
    assert_error_shape(response, 401)
    assert snapshot(second) == before


def test_an_unexpected_error_is_500_without_a_stack_trace(app, tmp_path):
    other = build_app(tmp_path)  # a throwaway app, so the shared one gets no test route
    try:
        def explode():
            raise RuntimeError("secret internals: do not leak me")
        other.add_url_rule(f"{API}/_boom", "boom", explode)
        response = other.test_client().get(f"{API}/_boom", headers={"X-Request-ID": "boom-1"})
        body = assert_error_shape(response, 500)
        assert "secret internals" not in response.get_data(as_text=True)
        assert "RuntimeError" not in response.get_data(as_text=True)
        assert "boom-1" == response.headers["X-Request-ID"]
        assert body["message"]
    finally:
        other.extensions["caas"].close()
        # Building an app binds this process's job broker to it: give it back to
        # the shared app at once, so that its pending jobs never run in the other.
        from caas.entrypoints.worker import broker
        broker.setup(app)


# --- request ids ------------------------------------------------------------------------------

def test_a_valid_request_id_is_echoed(client, tenant):
    response = client.get("/healthz", headers={"X-Request-ID": "client-req_42.a"})
    assert response.headers["X-Request-ID"] == "client-req_42.a"
    response = tenant.admin.get(f"{API}/staff", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    # Errors carry it too.
    response = tenant.anonymous.get(f"{API}/staff", headers={"X-Request-ID": "err-7"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "err-7"


def test_a_request_id_is_generated_otherwise(client):
    first = client.get("/healthz").headers.get("X-Request-ID")
    second = client.get("/healthz").headers.get("X-Request-ID")
    assert first and second and first != second
    for bad in ("has spaces in it", "x" * 65, "<script>", "semi;colon"):
        generated = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert generated and generated != bad
        assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", generated)


# --- pagination -------------------------------------------------------------------------------

def test_lists_are_paginated(tenant):
    response = tenant.admin.get(f"{API}/staff?page=1&page_size=1")
    assert response.status_code == 200
    assert len(response.get_json()) == 1
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 2  # the fixture's admin and employee
    assert pagination["page"] == 1
    second = tenant.admin.get(f"{API}/staff?page=2&page_size=1")
    assert len(second.get_json()) == 1
    assert second.get_json()[0]["email"] != response.get_json()[0]["email"]
    # Past the last page: an empty page, not an error.
    for page in (3, 10**6, 2**31 - 1):
        beyond = tenant.admin.get(f"{API}/staff?page={page}&page_size=100")
        assert beyond.status_code == 200, beyond.get_json()
        assert beyond.get_json() == []
        assert json.loads(beyond.headers["X-Pagination"])["total"] == 2


@pytest.mark.parametrize("query", ["page_size=100000", "page_size=101", "page_size=0", "page=0",
                                   "page=-1", "page_size=abc", "page=99999999999999999999",
                                   f"page={2**63}&page_size=100"])
def test_bad_pagination_is_422(tenant, query):
    body = assert_error_shape(tenant.admin.get(f"{API}/staff?{query}"), 422)
    assert body.get("errors"), body
    assert_error_shape(tenant.admin.get(f"{API}/audit?{query}"), 422)


# --- operations endpoints ---------------------------------------------------------------------

def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz(client, tenant):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    checks = response.get_json()["checks"]
    assert checks == {"control_plane": "ok", "tenant_database": "ok", "broker": "ok"}


def test_metrics_count_requests_by_endpoint_and_tenant(client, tenant):
    assert tenant.admin.get(f"{API}/staff").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "caas_http_requests_total" in response.get_data(as_text=True)
    samples = metric_samples(client, "caas_http_requests_total")
    mine = [s for s in samples
            if s.labels.get("tenant") == tenant.slug and s.labels.get("endpoint") == f"{API}/staff"]
    assert mine and all(s.value >= 1 for s in mine), samples
    assert any(s.labels.get("method") == "GET" and s.labels.get("status") == "200" for s in mine)


def test_metrics_count_jobs(client, tenant, drain):
    def jobs():
        return sum(s.value for s in metric_samples(client, "caas_jobs_total"))
    before = jobs()
    response = tenant.admin.post(f"{API}/staff", json={
        "email": "new.hire@example.com", "name": "New Hire", "role": "employee"})
    assert response.status_code == 201, response.get_json()
    drain()
    assert "caas_jobs_total" in client.get("/metrics").get_data(as_text=True)
    assert jobs() > before


# --- Swagger UI -------------------------------------------------------------------------------

class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.urls.append(attrs["src"])


def test_swagger_ui_is_served_with_local_assets_only(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    parser = _Assets()
    parser.feed(html)
    assert parser.urls, html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), html
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert parts.path.startswith(f"{API}/docs/assets/"), url
        asset = client.get(parts.path)
        assert asset.status_code == 200, url
        assert asset.get_data(), url
    assert any(u.endswith(".js") for u in parser.urls)
    assert any(u.endswith(".css") for u in parser.urls)
    # The UI loads the spec from this server too.
    assert f"{API}/openapi.json" in html


def test_the_root_links_to_the_api_docs(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert f'href="{API}/docs"' in response.get_data(as_text=True)
    assert client.get(f"{API}/docs").status_code == 200


def test_swagger_assets_do_not_escape_their_directory(client):
    for path in (f"{API}/docs/assets/../../../../etc/passwd",
                 f"{API}/docs/assets/%2e%2e/%2e%2e/setup.py",
                 f"{API}/docs/assets/no-such-file.js"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "root:" not in response.get_data(as_text=True)


# --- OpenAPI ----------------------------------------------------------------------------------

def test_openapi_document_is_valid_and_complete(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    for path in FOUNDATION_PATHS:
        assert path in spec["paths"], path
    assert "bearerAuth" in spec["components"]["securitySchemes"]

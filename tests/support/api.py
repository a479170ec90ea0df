"""Speaking to the REST API as a person does, and what its answers must look like."""
from __future__ import annotations

import json
from http import HTTPStatus


class Api:
    """A small REST client over the Flask test client, speaking as one person."""

    def __init__(self, client, token=None, tenant=None):
        self.client, self.token, self.tenant = client, token, tenant

    def headers(self, extra=None):
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.tenant:
            headers["X-Tenant"] = self.tenant
        headers.update(extra or {})
        return headers

    def __getattr__(self, method):
        if method not in ("get", "post", "put", "delete", "patch"):
            raise AttributeError(method)

        def call(path, headers=None, **kwargs):
            return getattr(self.client, method)(path, headers=self.headers(headers), **kwargs)
        return call


def login(client, email, password, tenant=None) -> Api:
    response = Api(client, tenant=tenant).post("/api/v1/auth/token",
                                               json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return Api(client, response.json["access_token"], tenant)


OPERATOR_PASSWORD = "operator-pass-1"
ADMIN_PASSWORD = "admin-pass-0001"


def password_in(message) -> str:
    """The generated password in a credentials email: its sign-in line ends with it."""
    line = next(line for line in message["body"].splitlines() if "@" in line and ":" in line)
    return line.rsplit(" ", 1)[-1]


def assert_error_shape(response, status: int) -> dict:
    """``response`` is an error in the contract's shape, with no stack trace leaked."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == "application/json", response.headers
    assert "Traceback" not in text
    assert 'File "' not in text
    body = response.get_json()
    assert isinstance(body, dict), text
    assert isinstance(body.get("code"), int) and not isinstance(body["code"], bool), body
    assert body["code"] == status, body
    assert body.get("status") == HTTPStatus(status).phrase, body
    assert isinstance(body.get("message"), str) and body["message"].strip(), body
    assert isinstance(body.get("errors", {}), dict), body
    assert set(body) <= {"code", "status", "message", "errors"}, body
    return body


def total(response) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.headers["X-Pagination"])["total"]


def fields_of(errors: dict) -> set:
    """Field names with errors, whichever location (``json``, ``query``…) nests them."""
    names = set()
    for key, value in errors.items():
        names.add(key)
        if isinstance(value, dict):
            names |= fields_of(value)
    return names

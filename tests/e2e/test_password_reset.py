"""Password reset through the API: the emailed link, the new password, and nothing given away."""
import logging
import re

import pytest

from tests.support.api import ADMIN_PASSWORD, login

RESET, CONFIRM = "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm"
NEW = "a-brand-new-password-2"


def emailed_token(mailbox, drain, slug: str, email: str) -> str:
    """The token of the newest reset link mailed to ``email``."""
    drain()
    links = [re.search(rf"/t/{slug}/password-reset/([\w-]+)", message["body"])
             for message in mailbox.messages(to=email)]
    found = [link.group(1) for link in links if link]
    assert found, f"no password reset email for {email}"
    return found[0]


@pytest.fixture
def clerk(tenant):
    return f"employee@{tenant.slug}.test"


def test_a_reset_link_sets_a_new_password(tenant, client, clerk, mailbox, drain, caplog):
    caplog.set_level(logging.DEBUG)
    asked = tenant.anonymous.post(RESET, json={"email": clerk.upper()})
    assert asked.status_code == 202 and not asked.data
    token = emailed_token(mailbox, drain, tenant.slug, clerk)
    [message] = [m for m in mailbox.messages(to=clerk) if token in m["body"]]
    assert message["language"].startswith("es")  # the account's language

    confirmed = tenant.anonymous.post(CONFIRM, json={"token": token, "password": NEW})
    assert confirmed.status_code == 204
    login(client, clerk, NEW, tenant.slug)
    old = tenant.anonymous.post("/api/v1/auth/token",
                                json={"email": clerk, "password": ADMIN_PASSWORD})
    assert old.status_code == 401

    drain()
    assert any("/password-reset/" not in m["body"] for m in mailbox.messages(to=clerk)
               if m is not message)  # the owner is told of the change
    audit = tenant.admin.get("/api/v1/audit", query_string={"action": "user.password_reset"})
    assert audit.status_code == 200 and audit.json
    assert token not in audit.get_data(as_text=True)
    assert token not in caplog.text


def test_a_spent_link_is_refused_in_the_error_shape(tenant, clerk, mailbox, drain):
    tenant.anonymous.post(RESET, json={"email": clerk})
    token = emailed_token(mailbox, drain, tenant.slug, clerk)
    assert tenant.anonymous.post(CONFIRM, json={"token": token, "password": NEW}).status_code == 204
    again = tenant.anonymous.post(CONFIRM, json={"token": token, "password": "another-pass-3"})
    assert again.status_code == 422
    assert again.json["code"] == 422 and "token" in again.json["errors"]["json"]


def test_a_weak_password_keeps_the_link(tenant, client, clerk, mailbox, drain):
    tenant.anonymous.post(RESET, json={"email": clerk})
    token = emailed_token(mailbox, drain, tenant.slug, clerk)
    weak = tenant.anonymous.post(CONFIRM, json={"token": token, "password": "aaaaaaaaaaaa"})
    assert weak.status_code == 422 and "password" in weak.json["errors"]["json"]
    assert tenant.anonymous.post(CONFIRM, json={"token": token, "password": NEW}).status_code == 204
    login(client, clerk, NEW, tenant.slug)


def test_an_expired_link_is_refused(tenant, operator, clerk, mailbox, drain):
    tenant.anonymous.post(RESET, json={"email": clerk})
    token = emailed_token(mailbox, drain, tenant.slug, clerk)
    assert operator.post(f"/sandbox/clock/{tenant.slug}/advance",
                         json={"days": 1}).status_code == 200
    expired = tenant.anonymous.post(CONFIRM, json={"token": token, "password": NEW})
    assert expired.status_code == 422 and "token" in expired.json["errors"]["json"]


def test_an_unknown_address_is_answered_alike_and_sent_nothing(tenant, mailbox, drain):
    unknown = tenant.anonymous.post(RESET, json={"email": "nobody@nowhere.test"})
    assert unknown.status_code == 202 and not unknown.data
    drain()
    assert mailbox.messages(to="nobody@nowhere.test") == []


def test_a_link_works_only_in_its_own_tenant(make_tenant, mailbox, drain):
    home, other = make_tenant("ES"), make_tenant("ES")
    email = f"employee@{home.slug}.test"
    home.anonymous.post(RESET, json={"email": email})
    token = emailed_token(mailbox, drain, home.slug, email)
    elsewhere = other.anonymous.post(CONFIRM, json={"token": token, "password": NEW})
    assert elsewhere.status_code == 422 and "token" in elsewhere.json["errors"]["json"]
    assert home.anonymous.post(CONFIRM, json={"token": token, "password": NEW}).status_code == 204


def test_without_a_tenant_there_is_no_reset(client, operator):
    from tests.support.api import Api
    response = Api(client).post(RESET, json={"email": "op@caas.test"})
    assert response.status_code == 400 and response.json["code"] == 400


def test_of_two_concurrent_uses_of_a_link_only_one_succeeds(app, tenant, clerk, mailbox, drain):
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.api import Api
    tenant.anonymous.post(RESET, json={"email": clerk})
    token = emailed_token(mailbox, drain, tenant.slug, clerk)

    def confirm(password):
        api = Api(app.test_client(), tenant=tenant.slug)
        return api.post(CONFIRM, json={"token": token, "password": password}).status_code

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(confirm, ["first-new-password-1", "second-new-password-2"]))
    assert answers == [204, 422]


@pytest.mark.parametrize("email", ["00\u0000", "not an address", ""])
def test_what_is_not_an_email_address_is_refused_in_the_error_shape(tenant, email):
    refused = tenant.anonymous.post(RESET, json={"email": email})
    assert refused.status_code == 422 and "email" in refused.json["errors"]["json"]

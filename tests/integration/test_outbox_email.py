"""The outbox: jobs written with the change, sent once, never for a rolled-back change."""
import os
import subprocess
import sys
import textwrap
import time

import pytest
import sqlalchemy as sa

from caas.adapters.sql import tables
from caas.entrypoints.worker.actors import dispatch
from caas.entrypoints.worker.fanout import relay
from caas.tenancy import tenant_context
from tests.support.api import login, password_in
from tests.support.languages import unspoken_locale


@pytest.mark.parametrize("locale, subject, greeting", [
    ("es-ES", "Su cuenta de", "Hola, Ana:"),
    ("fr-FR", "Votre compte", "Bonjour Ana,"),
    ("de-DE", "Ihr Konto bei", "Guten Tag Ana,"),
    ("de-CH", "Ihr Konto bei", "Guten Tag Ana,"),
    ("fr-CH", "Votre compte", "Bonjour Ana,"),
    ("it-CH", "Il suo account", "Buongiorno Ana,"),
])
def test_staff_credentials_are_emailed_in_the_recipients_language(
        make_tenant, drain, mailbox, client, locale, subject, greeting):
    country = {"es": "ES", "fr": "FR", "de": "DE"}[locale[:2]] if locale[3:] != "CH" else "CH"
    tenant = make_tenant(country)
    email = f"ana-{locale.lower()}@{tenant.slug}.test"
    response = tenant.admin.post("/api/v1/staff", json={"email": email, "name": "Ana",
                                                        "role": "employee", "locale": locale})
    assert response.status_code == 201, response.json
    assert "password" not in response.json
    drain()
    [message] = mailbox.messages(email)
    assert message["subject"].startswith(subject) and tenant.tenant.name in message["subject"]
    assert message["body"].startswith(greeting)
    assert message["language"] == locale
    # The emailed password works, once, for that person in that tenant only.
    password = password_in(message)
    assert login(client, email, password, tenant.slug).get("/api/v1/me").json["email"] == email


def test_english_is_used_for_a_language_without_catalog_and_staff_locale_is_checked(tenant):
    response = tenant.admin.post("/api/v1/staff", json={"email": "x@y.test", "name": "X",
                                                        "role": "employee",
                                                        "locale": unspoken_locale()})
    assert response.status_code == 422
    assert "locale" in response.json["errors"]["json"]


def test_duplicate_staff_email_is_409_and_sends_nothing_more(tenant, drain, mailbox):
    body = {"email": f"dup@{tenant.slug}.test", "name": "D", "role": "admin"}
    assert tenant.admin.post("/api/v1/staff", json=body).status_code == 201
    assert tenant.admin.post("/api/v1/staff", json=body).status_code == 409
    drain()
    assert len(mailbox.messages(body["email"])) == 1


def test_rolled_back_transaction_sends_no_email(platform, tenant, drain, mailbox):
    from caas.domain.notifications import CREDENTIALS_GENERATED
    from caas.service_layer import notifications
    me = tenant.admin.get("/api/v1/me").json

    def recorded():
        with platform.tenant_engines.get(tenant.slug).connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(tables.notifications)
                                .where(tables.notifications.c.recipient_id == me["id"])).scalar()
    emails, notices = len(mailbox.messages(me["email"])), recorded()
    with pytest.raises(RuntimeError), tenant_context(tenant.tenant):
        with platform.tenant_uow(tenant.slug) as uow:
            notifications.notify(uow, tenant.tenant, me["id"], CREDENTIALS_GENERATED,
                                 "credentials", {"role": "admin", "login_hint": tenant.slug},
                                 secrets={"password": "x"})
            raise RuntimeError("something failed before commit")
    relay(platform, older_than_seconds=0)
    drain()
    assert len(mailbox.messages(me["email"])) == emails
    assert recorded() == notices
    with platform.tenant_engines.get(tenant.slug).connect() as conn:
        rows = conn.execute(sa.select(tables.outbox.c.payload)).scalars().all()
    assert not any(row.get("secrets") == {"password": "x"} for row in rows)


CRASH_AFTER_COMMIT = textwrap.dedent("""
    import os, sys
    from caas.entrypoints.http.app import create_app
    from caas.service_layer.users import provision_user
    from caas.tenancy import tenant_context
    from tests.support.platform import platform_config
    app = create_app(platform_config(sys.argv[1], CAAS_DATABASE_URL=sys.argv[2],
                                              CAAS_TENANT_DATABASE_URL=sys.argv[3],
                                              CAAS_BROKER_URL="memory://"))
    platform = app.extensions["caas"]
    platform.dispatch = None  # the process dies before anything reaches a broker
    tenant = platform.tenant(sys.argv[4])
    with tenant_context(tenant):
        provision_user(platform.for_tenant(tenant), email=sys.argv[5], role="employee", name="Kim")
    os._exit(9)
""")


def test_crash_after_commit_still_sends_the_email_exactly_once(app, platform, tenant, drain,
                                                                 mailbox, tmp_path):
    email = f"kim@{tenant.slug}.test"
    config = app.config
    result = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT, str(tmp_path), config["CAAS_DATABASE_URL"],
         config["CAAS_TENANT_DATABASE_URL"], tenant.slug, email],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), capture_output=True, text=True, timeout=120,
        # The child uses this test's databases, given above; it must not make its own.
        env={k: v for k, v in os.environ.items() if k != "CAAS_TEST_DATABASE_URL"})
    assert result.returncode == 9, result.stderr
    drain()
    assert mailbox.messages(email) == []  # committed, but never dispatched
    assert relay(platform, older_than_seconds=0) >= 1
    drain()
    assert len(mailbox.messages(email)) == 1
    # Relaying again, or a duplicate delivery of the same job, sends nothing more.
    relay(platform, older_than_seconds=0)
    with platform.tenant_engines.get(tenant.slug).connect() as conn:
        ids = conn.execute(sa.select(tables.outbox.c.id)).scalars().all()
    dispatch(tenant.slug, ids)
    drain()
    [message] = mailbox.messages(email)
    # Every attempt of this job carries the same Message-ID, so receivers can drop a resend.
    assert message["message_id"].startswith(f"<{tenant.slug}.")
    # The generated password does not stay in the database once sent.
    with platform.tenant_engines.get(tenant.slug).connect() as conn:
        payloads = conn.execute(sa.select(tables.outbox.c.payload)).scalars().all()
    assert payloads and not any("secrets" in payload for payload in payloads)


def _email_notification(platform, slug, email):
    with platform.tenant_engines.get(slug).connect() as conn:
        return conn.execute(sa.select(tables.notifications).where(
            tables.notifications.c.destination == email)).first()


def test_smtp_outage_is_retried_until_delivered(platform, tenant, drain, mailbox, operator):
    operator.put("/sandbox/smtp/mode", json={"mode": "down"})
    email = f"late@{tenant.slug}.test"
    try:
        assert tenant.admin.post("/api/v1/staff", json={"email": email, "name": "L",
                                                        "role": "employee"}).status_code == 201
        with platform.tenant_engines.get(tenant.slug).connect() as conn:
            for _ in range(50):
                row = conn.execute(sa.select(tables.outbox)
                                   .where(tables.outbox.c.task == "deliver_notification")
                                   .order_by(tables.outbox.c.id.desc())).first()
                if row.last_error:
                    break
                time.sleep(0.1)
        assert "email delivery failed" in row.last_error and "SMTP" in row.last_error
        assert row.processed_at is None
        notification = _email_notification(platform, tenant.slug, email)
        assert notification.status == "retrying" and "SMTP" in notification.error
    finally:
        operator.put("/sandbox/smtp/mode", json={"mode": "up"})
    relay(platform, older_than_seconds=0)
    drain()
    assert len(mailbox.messages(email)) == 1
    notification = _email_notification(platform, tenant.slug, email)
    assert notification.status == "sent" and notification.error is None
    assert notification.attempts >= 2 and notification.sent_at is not None


def test_a_failed_job_waits_out_its_backoff_whoever_sends_it_again(
        app, platform, tenant, drain, mailbox, operator, monkeypatch):
    monkeypatch.setitem(app.config, "CAAS_OUTBOX_RETRY_SECONDS", 3)
    operator.put("/sandbox/smtp/mode", json={"mode": "down"})
    email = f"patient@{tenant.slug}.test"

    def job():
        with platform.tenant_engines.get(tenant.slug).connect() as conn:
            return conn.execute(sa.select(tables.outbox)
                                .where(tables.outbox.c.task == "deliver_notification")
                                .order_by(tables.outbox.c.id.desc())).first()
    try:
        assert tenant.admin.post("/api/v1/staff", json={"email": email, "name": "P",
                                                        "role": "employee"}).status_code == 201
        for _ in range(50):
            if job().last_error:
                break
            time.sleep(0.1)
        failed = job()
        assert failed.attempts == 1 and failed.not_before is not None
        # Neither the relay nor an early copy of the message spends an attempt before it is due.
        with platform.tenant_uow(tenant.slug) as uow:
            assert failed.id not in uow.outbox.pending(0, 60)
        dispatch(tenant.slug, [failed.id])
        time.sleep(0.5)
        assert job().attempts == 1
    finally:
        operator.put("/sandbox/smtp/mode", json={"mode": "up"})
    drain()  # the retry's delayed message comes when due
    done = job()
    assert done.attempts == 2 and done.processed_at is not None
    assert len(mailbox.messages(email)) == 1


def test_a_job_failing_for_good_is_abandoned_with_its_error_and_without_secrets(
        app, platform, tenant, drain, mailbox, operator, monkeypatch):
    monkeypatch.setitem(app.config, "CAAS_OUTBOX_MAX_ATTEMPTS", 2)
    operator.put("/sandbox/smtp/mode", json={"mode": "down"})
    email = f"never@{tenant.slug}.test"
    try:
        assert tenant.admin.post("/api/v1/staff", json={"email": email, "name": "N",
                                                        "role": "employee"}).status_code == 201
        drain()  # first attempt fails, the broker's retry makes the second and last
    finally:
        operator.put("/sandbox/smtp/mode", json={"mode": "up"})
    with platform.tenant_engines.get(tenant.slug).connect() as conn:
        row = conn.execute(sa.select(tables.outbox)
                           .where(tables.outbox.c.task == "deliver_notification")
                           .order_by(tables.outbox.c.id.desc())).first()
    notification = _email_notification(platform, tenant.slug, email)
    assert row.payload["notification_id"] == notification.id and row.attempts == 2
    assert row.processed_at is not None and "secrets" not in row.payload
    # The notification keeps the outcome: failed, after two attempts, with the last error.
    assert notification.status == "failed" and notification.attempts == 2
    assert "SMTP" in notification.error and notification.sent_at is None
    # The relay does not bring it back.
    relay(platform, older_than_seconds=0)
    drain()
    assert mailbox.messages(email) == []

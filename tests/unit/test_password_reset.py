"""Password reset by an emailed link: hashed, expiring, single use, and silent about accounts."""
import hashlib
import re
from datetime import timedelta

import pytest

from caas.crypto import passwords
from caas.service_layer import notifications, password_reset
from caas.service_layer.errors import Invalid
from caas.service_layer.users import provision_user

OLD, NEW = "an-old-password-1", "a-brand-new-password-2"
CLIENT = "198.51.100.7"


@pytest.fixture
def ana(world):
    return provision_user(world.ctx, email="ana@example.test", role="customer", name="Ana",
                          password=OLD)


def deliver_all(world) -> list:
    """Send every queued notification as the outbox would (one sent already is left alone);
    the messages mailed now."""
    before = len(world.gateways.mail.called("send"))
    for number, job in enumerate(world.jobs_of("deliver_notification")):
        notifications.deliver(world.ctx, job["notification_id"], job_key=f"job-{number}",
                              secrets=job.get("secrets"))
    return [call["args"][0] for call in world.gateways.mail.called("send")[before:]]


def ask(world, email="ana@example.test", client=CLIENT) -> str | None:
    """Ask for a link; the token of the link mailed, or ``None`` when none was."""
    password_reset.request_reset(world.ctx, email, client)
    mailed = [message for message in deliver_all(world) if "/password-reset/" in message.body]
    if not mailed:
        return None
    [message] = mailed
    return re.search(r"/t/es-test/password-reset/([\w-]+)", message.body).group(1)


def password_of(world, user) -> str:
    return world.store.table("users").rows[user.id].password_hash


def test_the_link_is_emailed_once_and_only_its_hash_is_stored(world, ana):
    token = ask(world)
    assert len(token) >= 43  # 32 random bytes
    [row] = world.rows("password_resets")
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(world.rows("notifications")) + str(world.rows("audit_log"))
    [notice] = world.rows("notifications")
    assert notice["event"] == "credentials_generated" and notice["channel"] == "email"
    assert row["expires_at"] - row["created_at"] == timedelta(seconds=3600)


def test_the_email_is_in_the_accounts_language(world, ana):
    password_reset.request_reset(world.ctx, "ana@example.test", CLIENT)
    [message] = deliver_all(world)
    assert message.to == "ana@example.test" and message.locale == "es-ES"
    assert message.subject == "Restablezca su contraseña de Test ES"
    assert "60 minutos" in message.body


def test_confirming_sets_the_password_spends_the_link_audits_and_tells_the_owner(world, ana):
    token = ask(world)
    password_reset.confirm_reset(world.ctx, token, NEW)
    assert passwords.verify_password(password_of(world, ana), NEW)
    assert not passwords.verify_password(password_of(world, ana), OLD)
    [row] = world.rows("password_resets")
    assert row["spent_at"] is not None
    [audited] = world.audit("user.password_reset")
    assert audited["entity_id"] == str(ana.id) and token not in str(audited)
    [changed] = deliver_all(world)
    assert changed.to == "ana@example.test" and "/password-reset/" not in changed.body
    with pytest.raises(Invalid) as refused:
        password_reset.confirm_reset(world.ctx, token, "yet-another-password-3")
    assert "token" in refused.value.errors
    assert passwords.verify_password(password_of(world, ana), NEW)


def test_an_expired_link_is_refused(world, ana):
    token = ask(world)
    world.clock.advance(seconds=3600)
    with pytest.raises(Invalid):
        password_reset.confirm_reset(world.ctx, token, NEW)
    assert passwords.verify_password(password_of(world, ana), OLD)


def test_a_new_request_spends_the_older_link(world, ana):
    first = ask(world)
    world.clock.advance(seconds=61)
    second = ask(world)
    assert first != second
    with pytest.raises(Invalid):
        password_reset.confirm_reset(world.ctx, first, NEW)
    password_reset.confirm_reset(world.ctx, second, NEW)
    assert passwords.verify_password(password_of(world, ana), NEW)


def test_one_link_per_interval_however_often_it_is_asked_for(world, ana):
    assert ask(world) is not None
    assert ask(world) is None  # answered alike, nothing sent
    assert len(world.rows("password_resets")) == 1
    world.clock.advance(seconds=60)
    assert ask(world) is not None


def test_an_unknown_address_is_accepted_and_sends_nothing(world, ana):
    assert password_reset.request_reset(world.ctx, "nobody@example.test", CLIENT) is None
    assert world.rows("password_resets") == [] and deliver_all(world) == []


def test_a_client_address_past_the_limit_is_sent_nothing(world, ana):
    world.settings["CAAS_LOGIN_ADDRESS_MAX_FAILURES"] = 2
    world.settings["CAAS_PASSWORD_RESET_INTERVAL_SECONDS"] = 0
    assert ask(world, "nobody@example.test") is None
    assert ask(world) is not None
    assert ask(world) is None  # the third request from this address
    assert ask(world, client="203.0.113.9") is not None


def test_a_weak_password_is_refused_and_the_link_kept(world, ana):
    token = ask(world)
    with pytest.raises(Invalid) as refused:
        password_reset.confirm_reset(world.ctx, token, "short")
    assert "password" in refused.value.errors
    assert world.rows("password_resets")[0]["spent_at"] is None
    password_reset.confirm_reset(world.ctx, token, NEW)
    assert passwords.verify_password(password_of(world, ana), NEW)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_an_unknown_token_is_refused(world, ana, token):
    ask(world)
    with pytest.raises(Invalid) as refused:
        password_reset.confirm_reset(world.ctx, token, NEW)
    assert "token" in refused.value.errors
    assert passwords.verify_password(password_of(world, ana), OLD)


def test_a_deactivated_account_gets_no_link(world, ana):
    world.store.table("users").rows[ana.id].active = False
    assert ask(world) is None

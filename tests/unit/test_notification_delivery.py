"""Sending one notification on its channel: once, retried while it may succeed, then failed."""
import pytest

from caas.service_layer import notifications
from caas.service_layer.users import provision_user
from tests.support.gateway_errors import ProviderRejected, ProviderUnavailable


@pytest.fixture
def customer(world):
    user = provision_user(world.ctx, email="ana@example.test", role="customer", name="Ana",
                          password="a-strong-password-1")
    with world.ctx.uow() as uow:
        uow.customers.add(user.id, "+34612345678", "12345678Z", {})
        uow.commit()
    return user.id


def notice(world, customer, event="vehicle_ready"):
    """The notifications of one routed notice, by channel."""
    with world.ctx.uow() as uow:
        ids = notifications.notify(uow, world.tenant, customer, event, "order_update",
                                   {"reference": "ORD-1", "event": "vehicle_ready",
                                    "amount": {"amount": "30080.00", "currency": "EUR"}})
        uow.commit()
    rows = world.store.table("notifications").rows
    return {rows[i]["channel"]: i for i in ids}


def stored(world, notification_id):
    return world.store.table("notifications").rows[notification_id]


def test_an_email_is_sent_in_the_customers_language_and_recorded(world, customer):
    email_id = notice(world, customer)["email"]
    notifications.deliver(world.ctx, email_id, secrets={}, job_key="job-1")
    [sent] = world.gateways.mail.called("send")
    message = sent["args"][0]
    assert message.to == "ana@example.test" and sent["message_id"] == "<job-1@caas.example>"
    row = stored(world, email_id)
    assert row["status"] == "sent" and row["subject"] == message.subject
    assert row["sent_at"] == world.clock.now()


def test_a_push_and_an_sms_carry_an_idempotency_key_of_their_own(world, customer):
    channels = notice(world, customer)
    notifications.deliver(world.ctx, channels["push"], secrets={}, job_key="job-2")
    notifications.deliver(world.ctx, channels["sms"], secrets={}, job_key="job-3")
    [push] = world.gateways.push.called("send")
    [sms] = world.gateways.sms.called("send")
    assert push["args"][0] == f"{world.tenant.slug}:{customer}"
    assert sms["args"][0] == "+34612345678"
    assert push["idempotency_key"] != sms["idempotency_key"]
    assert push["language"] == "es-ES"


def test_a_notification_delivered_twice_is_sent_once(world, customer):
    email_id = notice(world, customer)["email"]
    notifications.deliver(world.ctx, email_id, secrets={}, job_key="job-1")
    notifications.deliver(world.ctx, email_id, secrets={}, job_key="job-1")
    assert len(world.gateways.mail.called("send")) == 1


def test_an_outage_is_retried_by_the_job(world, customer):
    sms_id = notice(world, customer)["sms"]
    world.gateways.sms.will("send", ProviderUnavailable("down"))
    with pytest.raises(RuntimeError):
        notifications.deliver(world.ctx, sms_id, secrets={}, job_key="job-4")
    assert stored(world, sms_id)["status"] == "retrying"
    notifications.deliver(world.ctx, sms_id, secrets={}, job_key="job-4")
    assert stored(world, sms_id)["status"] == "sent" and stored(world, sms_id)["attempts"] == 2


def test_a_refusal_fails_at_once_without_a_retry(world, customer):
    push_id = notice(world, customer)["push"]
    world.gateways.push.will("send", ProviderRejected("unknown device"))
    notifications.deliver(world.ctx, push_id, secrets={}, job_key="job-5")  # does not raise: nothing to retry
    row = stored(world, push_id)
    assert row["status"] == "failed" and "unknown device" in row["error"]


def test_after_the_last_attempt_the_notification_fails_for_good(world, customer):
    sms_id = notice(world, customer)["sms"]
    limit = min(world.settings["CAAS_NOTIFICATION_MAX_ATTEMPTS"],
                world.settings["CAAS_OUTBOX_MAX_ATTEMPTS"])
    world.gateways.sms.will("send", *[ProviderUnavailable("down")] * limit)
    for _ in range(limit - 1):
        with pytest.raises(RuntimeError):
            notifications.deliver(world.ctx, sms_id, secrets={}, job_key="job-6")
    notifications.deliver(world.ctx, sms_id, secrets={}, job_key="job-6")
    assert stored(world, sms_id)["status"] == "failed"


def test_a_generated_password_reaches_the_email_but_never_the_record(world):
    provision_user(world.ctx, email="clerk@shop.test", role="employee", name="Clerk")
    [job] = world.jobs_of("deliver_notification")
    notifications.deliver(world.ctx, job["notification_id"], secrets=job["secrets"], job_key="job-7")
    [sent] = world.gateways.mail.called("send")
    assert job["secrets"]["password"] in sent["args"][0].body
    assert job["secrets"]["password"] not in str(stored(world, job["notification_id"]))

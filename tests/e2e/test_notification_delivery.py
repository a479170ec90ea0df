"""Delivering notifications: each channel on its own, retried, recorded; maintenance reminders
once per due date."""
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from caas.adapters.sql import tables
from caas.service_layer.gateways import ProviderRejected, ProviderUnavailable
from caas.entrypoints.worker.fanout import schedule_reminders
from caas.tenancy import tenant_context
from tests.support.journey import linked_vehicle


@pytest.fixture
def sandboxes(app):
    return app.extensions["caas_sandboxes"]


def _due_in(sandboxes, vin, days):
    """Make the VSS say the vehicle's next maintenance is due in ``days`` days."""
    last = date.today() - timedelta(days=365 - days)
    sandboxes.vss.set_vehicle(vin, "current" if days > 0 else "overdue", [
        {"date": last.isoformat(), "workshop": "Taller Norte", "kind": "annual service",
         "mileage_km": 15000}])


def _reminders(buyer):
    return {n["channel"]: n for n in buyer.get("/api/v1/notifications?page_size=100").json
            if n["event"] == "maintenance_due"}


def _wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_maintenance_reminder_goes_out_on_all_four_channels_in_the_customers_language(
        shop, owned, platform, sandboxes, drain, mailbox):
    buyer, vin = owned
    me = buyer.get("/api/v1/me").json
    _due_in(sandboxes, vin, 5)
    assert schedule_reminders(platform, [shop.slug]) == 1
    drain()
    sent = _reminders(buyer)
    assert set(sent) == {"email", "push", "sms", "vehicle_display"}
    assert {n["status"] for n in sent.values()} == {"sent"}
    assert {n["language"] for n in sent.values()} == {"es-ES"}
    [email] = [m for m in mailbox.messages(me["email"]) if m["subject"] == sent["email"]["subject"]]
    assert email["language"] == "es-ES" and "mantenimiento" in email["body"]
    [push] = [message for message in sandboxes.push.messages(f"{shop.slug}:{me['id']}")
              if message["data"]["event"] == "maintenance_due"]
    assert push["title"] == sent["push"]["subject"] and push["language"] == "es-ES"
    [sms] = [message for message in sandboxes.sms.messages(sent["sms"]["destination"])
             if "mantenimiento" in message["text"]]
    assert sms["to"].startswith("+34")
    display = sandboxes.iot.vehicle(vin)["configuration"]
    assert display["hmi.notification.text"] == sent["vehicle_display"]["subject"]


def test_reminders_are_sent_once_per_due_date(shop, owned, platform, sandboxes, drain, mailbox):
    buyer, vin = owned
    _due_in(sandboxes, vin, 200)  # not due soon: nothing
    schedule_reminders(platform, [shop.slug])
    drain()
    assert _reminders(buyer) == {}
    _due_in(sandboxes, vin, 3)
    for _ in range(3):  # as often as the scheduler likes, on as many machines
        schedule_reminders(platform, [shop.slug])
    drain()
    schedule_reminders(platform, [shop.slug])
    drain()
    notices = [n for n in buyer.get("/api/v1/notifications?page_size=100").json
               if n["event"] == "maintenance_due"]
    assert sorted(n["channel"] for n in notices) == ["email", "push", "sms", "vehicle_display"]
    # Overdue now (a later due date): one more reminder.
    _due_in(sandboxes, vin, -10)
    schedule_reminders(platform, [shop.slug])
    drain()
    notices = [n for n in buyer.get("/api/v1/notifications?page_size=100").json
               if n["event"] == "maintenance_due"]
    assert len(notices) == 8
    # The database refuses a second reminder for a vehicle and date, whoever asks.
    tenant = platform.tenant(shop.slug)
    with tenant_context(tenant), platform.tenant_uow(shop.slug) as uow:
        customer_id = buyer.get("/api/v1/me").json["id"]
        due = date.today() + timedelta(days=3)
        assert uow.reminders.claim(vin, due, customer_id) is False
        with pytest.raises(sa.exc.IntegrityError):
            uow.conn.execute(tables.maintenance_reminders.insert().values(
                vin=vin, due_date=due, customer_id=customer_id, created_at=sa.func.now()))


def test_reminders_wait_for_the_vss_and_do_not_duplicate_after_it_is_back(
        shop, owned, platform, sandboxes, drain, operator):
    buyer, vin = owned
    _due_in(sandboxes, vin, 2)
    operator.put("/sandbox/vss/mode", json={"mode": "down"})
    try:
        schedule_reminders(platform, [shop.slug])
        with platform.tenant_engines.get(shop.slug).connect() as conn:
            assert _wait_for(lambda: conn.execute(
                sa.select(tables.outbox.c.last_error)
                .where(tables.outbox.c.task == "remind_maintenance")).scalar())
        assert _reminders(buyer) == {}
    finally:
        operator.put("/sandbox/vss/mode", json={"mode": "up"})
    schedule_reminders(platform, [shop.slug])
    drain()
    assert len(_reminders(buyer)) == 4
    assert len([n for n in buyer.get("/api/v1/notifications?page_size=100").json
                if n["event"] == "maintenance_due"]) == 4


def test_a_failing_channel_is_retried_then_failed_without_stopping_the_others(
        app, shop, owned, platform, sandboxes, drain, operator, monkeypatch):
    buyer, vin = owned
    monkeypatch.setitem(app.config, "CAAS_NOTIFICATION_MAX_ATTEMPTS", 2)
    _due_in(sandboxes, vin, 1)
    operator.put("/sandbox/sms/mode", json={"mode": "down"})
    operator.put("/sandbox/push/mode", json={"mode": "down"})
    try:
        schedule_reminders(platform, [shop.slug])
        drain()
    finally:
        operator.put("/sandbox/sms/mode", json={"mode": "up"})
        operator.put("/sandbox/push/mode", json={"mode": "up"})
    sent = _reminders(buyer)
    assert sent["email"]["status"] == sent["vehicle_display"]["status"] == "sent"
    assert sent["email"]["attempts"] == 1
    for channel in ("sms", "push"):
        assert sent[channel]["status"] == "failed" and sent[channel]["attempts"] == 2
        assert "sandbox is down" in sent[channel]["error"] and sent[channel]["sent_at"] is None
    assert not [message for message in sandboxes.sms.messages(sent["sms"]["destination"])
                if message["idempotency_key"] == f"{shop.slug}:notification:{sent['sms']['id']}"]


def test_a_channel_down_for_a_while_delivers_once_it_is_back(shop, owned, platform, sandboxes,
                                                             drain, operator):
    buyer, vin = owned
    _due_in(sandboxes, vin, 1)
    operator.put("/sandbox/sms/mode", json={"mode": "down"})
    try:
        schedule_reminders(platform, [shop.slug])
        assert _wait_for(lambda: _reminders(buyer).get("sms", {}).get("status") == "retrying")
        retrying = _reminders(buyer)["sms"]
        assert "sandbox is down" in retrying["error"] and retrying["attempts"] >= 1
        # The email goes out on its own worker thread, at its own pace.
        assert _wait_for(lambda: _reminders(buyer)["email"]["status"] == "sent")
    finally:
        operator.put("/sandbox/sms/mode", json={"mode": "up"})
    drain()
    delivered = _reminders(buyer)["sms"]
    assert delivered["status"] == "sent" and delivered["attempts"] >= 2
    assert delivered["error"] is None
    assert len([message for message in sandboxes.sms.messages(delivered["destination"])
                if message["idempotency_key"] == f"{shop.slug}:notification:{delivered['id']}"]) == 1


def test_provider_clients_tell_refusals_from_outages(platform, shop, operator):
    tenant = platform.tenant(shop.slug)
    sms, push = platform.external.sms(tenant), platform.external.push(tenant)
    with pytest.raises(ProviderRejected):
        sms.send("0034612345678", "hi", sender="CaaS", idempotency_key="k-bad-number")
    with pytest.raises(ProviderRejected):
        push.send("", "title", "body", language="es-ES", idempotency_key="k-no-device")
    first = sms.send("+34612345678", "hi", sender="CaaS", idempotency_key=f"{shop.slug}-k1")
    assert sms.send("+34612345678", "hi", sender="CaaS",
                    idempotency_key=f"{shop.slug}-k1") == first  # replayed, not sent twice
    operator.put("/sandbox/push/mode", json={"mode": "down"})
    try:
        with pytest.raises(ProviderUnavailable):
            push.send("x:1", "title", "body", language="es-ES", idempotency_key="k-down")
    finally:
        operator.put("/sandbox/push/mode", json={"mode": "up"})


def test_customers_see_only_their_notifications_and_staff_see_anyones(
        shop, owned, operator, client, mailbox, drain, make_tenant):
    buyer, _ = owned
    other, _ = linked_vehicle(shop, operator, client, mailbox, drain)
    mine, theirs = (api.get("/api/v1/notifications?page_size=100").json for api in (buyer, other))
    me, them = (api.get("/api/v1/me").json["id"] for api in (buyer, other))
    assert mine and {n["recipient_id"] for n in mine} == {me}
    assert theirs and {n["recipient_id"] for n in theirs} == {them}
    # A customer cannot ask for someone else's.
    assert {n["recipient_id"] for n in buyer.get(
        f"/api/v1/notifications?customer_id={them}").json} == {me}
    staff_view = shop.employee.get(f"/api/v1/notifications?customer_id={them}&page_size=100")
    assert [n["id"] for n in staff_view.json] == [n["id"] for n in theirs]
    emails = shop.employee.get("/api/v1/notifications?channel=email&status=sent").json
    assert emails and {n["channel"] for n in emails} == {"email"}
    assert {"language", "channel", "status", "attempts"} <= set(mine[0])
    # Nobody sees another tenant's.
    elsewhere = make_tenant("FR")
    assert elsewhere.employee.get(f"/api/v1/notifications?customer_id={me}").json == []
    stolen = type(buyer)(client, elsewhere.employee.token, shop.slug)
    assert stolen.get("/api/v1/notifications").status_code == 401

"""Where notices go: the tenant's routing table and each customer's channel preferences."""
from datetime import datetime, time, timezone

import pytest

from caas.domain.notifications import Preferences
from caas.service_layer import notifications
from caas.service_layer.errors import Invalid, NotFound
from caas.service_layer.users import provision_user


@pytest.fixture
def customer(world):
    user = provision_user(world.ctx, email="ana@example.test", role="customer", name="Ana",
                          password="a-strong-password-1")
    with world.ctx.uow() as uow:
        uow.customers.add(user.id, "+34612345678", "12345678Z", {})
        uow.commit()
    return user.id


def notify(world, user_id, event="order_status_update"):
    with world.ctx.uow() as uow:
        ids = notifications.notify(uow, world.tenant, user_id, event, "order_update",
                                   {"reference": "ORD-1", "event": "manufacturing"})
        uow.commit()
    return [world.store.table("notifications").rows[i] for i in ids]


def test_the_default_routes_are_the_specifications(world):
    routes = {row["event"]: row["channels"] for row in notifications.routes(world.ctx)}
    assert routes["vehicle_ready"] == ["email", "push", "sms"]
    assert routes["credentials_generated"] == ["email"]


def test_a_route_is_changed_and_audited(world):
    row = notifications.set_route(world.ctx, "order_status_update", ["email", "sms"])
    assert row["channels"] == ["email", "sms"]
    [entry] = world.audit("settings.notification_route")
    assert entry["before"] == {"channels": None} and entry["after"]["channels"] == ["email", "sms"]


def test_a_route_goes_back_to_its_default(world):
    notifications.set_route(world.ctx, "order_status_update", ["email"])
    row = notifications.set_route(world.ctx, "order_status_update", None)
    assert row["channels"] == ["email", "push"]


def test_credentials_are_locked_to_email(world):
    with pytest.raises(Invalid):
        notifications.set_route(world.ctx, "credentials_generated", ["email", "sms"])


def test_an_unknown_event_or_channel_is_refused(world):
    with pytest.raises(NotFound):
        notifications.set_route(world.ctx, "birthday", ["email"])
    with pytest.raises(Invalid):
        notifications.set_route(world.ctx, "order_status_update", ["pigeon"])


def test_several_routes_change_at_once_each_audited(world):
    rows = notifications.set_routes(world.ctx, {"order_status_update": ["email", "sms"],
                                                "vehicle_ready": ["email"]})
    assert [row["channels"] for row in rows] == [["email", "sms"], ["email"]]
    assert [entry["entity_id"] for entry in world.audit("settings.notification_route")] == \
        ["order_status_update", "vehicle_ready"]
    notifications.set_routes(world.ctx, {"vehicle_ready": None})
    routes = {row["event"]: row for row in notifications.routes(world.ctx)}
    assert routes["vehicle_ready"]["channels"] == ["email", "push", "sms"]
    assert not routes["vehicle_ready"]["overridden"]
    assert routes["order_status_update"]["channels"] == ["email", "sms"]


def test_one_refused_route_changes_none_and_is_named_by_its_event(world):
    with pytest.raises(Invalid) as refused:
        notifications.set_routes(world.ctx, {"order_status_update": ["sms"],
                                             "credentials_generated": ["sms"],
                                             "vehicle_ready": []})
    assert set(refused.value.errors) == {"credentials_generated", "vehicle_ready"}
    routes = {row["event"]: row["channels"] for row in notifications.routes(world.ctx)}
    assert routes["order_status_update"] == ["email", "push"]
    assert routes["credentials_generated"] == ["email"]
    assert world.audit("settings.notification_route") == []


def test_a_routed_notice_goes_to_each_channel_with_its_address(world, customer):
    email, push = notify(world, customer)
    assert (email["channel"], email["destination"]) == ("email", "ana@example.test")
    assert (push["channel"], push["destination"]) == ("push", f"{world.tenant.slug}:{customer}")
    assert email["status"] == push["status"] == "queued"
    assert len(world.jobs_of("deliver_notification")) == 2


def test_a_channel_without_an_address_is_skipped(world):
    staff = provision_user(world.ctx, email="s@shop.test", role="admin", name="S",
                           password="a-strong-password-1")
    _, push = notify(world, staff.id)  # no customer profile: no app, no phone
    assert push["status"] == "skipped" and push["error"] == "no_address"


def test_preferences_default_to_every_channel(world, customer):
    assert notifications.preferences(world.ctx, customer) == {
        "push": True, "sms": True, "vehicle_display": True, "email": True, "quiet_hours": None}


def test_a_customer_turns_a_channel_off_and_it_is_skipped(world, customer):
    view = notifications.set_preferences(world.ctx, customer, {"push": False})
    assert view["push"] is False and view["email"] is True
    _, push = notify(world, customer)
    assert push["status"] == "skipped" and push["error"] == "opted_out"


def test_email_cannot_be_opted_out_of_for_credentials(world, customer):
    notifications.set_preferences(world.ctx, customer, {"push": False, "sms": False})
    [email] = notify(world, customer, "credentials_generated")
    assert email["status"] == "queued"


def test_quiet_hours_hold_back_pushes_but_not_urgent_ones(world, customer):
    world.clock.at = datetime(2028, 2, 10, 22, 30, tzinfo=timezone.utc)  # 23:30 in Madrid
    notifications.set_preferences(world.ctx, customer, {},
                                  {"start": time(22, 0), "end": time(7, 0)})
    _, push = notify(world, customer)
    assert push["error"] == "quiet_hours"
    urgent = [row for row in notify(world, customer, "vehicle_ready") if row["channel"] == "push"]
    assert urgent[0]["status"] == "queued"


def test_quiet_hours_need_a_different_start_and_end(world, customer):
    with pytest.raises(Invalid):
        notifications.set_preferences(world.ctx, customer, {},
                                      {"start": time(22, 0), "end": time(22, 0)})


def test_what_is_not_given_is_kept(world, customer):
    notifications.set_preferences(world.ctx, customer, {"sms": False},
                                  {"start": time(22, 0, 31), "end": time(7, 0)})
    view = notifications.set_preferences(world.ctx, customer, {"push": False})
    assert view["sms"] is False and view["push"] is False
    assert view["quiet_hours"] == {"start": time(22, 0), "end": time(7, 0)}  # to the minute
    with world.ctx.reader() as uow:
        assert uow.preferences.get(customer) == Preferences(
            frozenset({"sms", "push"}), time(22, 0), time(7, 0))


def test_a_customer_reads_only_their_notifications(world, customer):
    notify(world, customer)
    other = provision_user(world.ctx, email="o@shop.test", role="customer", name="O",
                           password="a-strong-password-1")
    notify(world, other.id)
    rows, total = notifications.notification_page(world.ctx, 0, 10, recipient_id=customer)
    assert total == 2 and {row["recipient_id"] for row in rows} == {customer}

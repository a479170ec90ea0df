"""The routing table: every cell of the specification's, tenant overrides, preferences, quiet hours."""
from datetime import time

import pytest

from caas.domain import notifications as rules
from caas.domain.notifications import (DISPLAY, EMAIL, PUSH, SMS, Decision, Preferences,
                                       RoutingError, RoutingTable, plan)
from tests.support.journey import customer_login, sell, set_up_catalog

CHANNELS = (EMAIL, PUSH, SMS, DISPLAY)
#: The specification's table, cell by cell ("Notification Routing Rules").
SPEC = {
    "order_status_update": (1, 1, 0, 0),
    "vehicle_ready":       (1, 1, 1, 0),
    "ota_success":         (1, 1, 0, 1),
    "ota_failed":          (1, 1, 0, 0),
    "credentials_generated": (1, 0, 0, 0),
    "payment_confirmation": (1, 1, 0, 0),
    "maintenance_due":     (1, 1, 1, 1),
}
CELLS = [(event, channel, bool(row[index])) for event, row in SPEC.items()
         for index, channel in enumerate(CHANNELS)]
ALL = set(CHANNELS)
NOON = time(12, 0)


@pytest.mark.parametrize("event, channel, routed", CELLS,
                         ids=[f"{event}-{channel}" for event, channel, _ in CELLS])
def test_every_cell_of_the_specification_table(event, channel, routed):
    assert (channel in RoutingTable().channels(event)) is routed
    used = {decision.channel for decision in plan(event, RoutingTable(), Preferences(), NOON, ALL)
            if decision.skipped is None}
    assert (channel in used) is routed


def test_the_table_has_the_specification_rows_withdrawal_and_subscription():
    assert set(rules.ROUTES) == set(SPEC) | {"withdrawal", "subscription"}
    assert rules.ROUTES["withdrawal"] == (EMAIL, PUSH)
    assert rules.ROUTES["subscription"] == (EMAIL, PUSH)


@pytest.mark.parametrize("channels", [(EMAIL, PUSH), (SMS,), (), (EMAIL, SMS, DISPLAY)])
def test_credentials_go_by_email_only_whatever_the_override(channels):
    with pytest.raises(RoutingError):
        RoutingTable.with_overrides({"credentials_generated": list(channels)})
    # Even a stored override, or a customer who switched channels off, cannot change it.
    table = RoutingTable({"credentials_generated": tuple(channels)})
    assert table.channels("credentials_generated") == (EMAIL,)
    everything_off = Preferences(disabled=frozenset({PUSH, SMS, DISPLAY, EMAIL}))
    assert plan("credentials_generated", table, everything_off, NOON, ALL) == [Decision(EMAIL)]


def test_overrides_replace_a_row_and_refuse_unknown_events_and_channels():
    table = RoutingTable.with_overrides({"order_status_update": [SMS, EMAIL]})
    assert table.channels("order_status_update") == (EMAIL, SMS)
    assert table.channels("vehicle_ready") == (EMAIL, PUSH, SMS)
    with pytest.raises(RoutingError):
        RoutingTable.with_overrides({"order_status_update": ["pigeon"]})
    with pytest.raises(RoutingError):
        RoutingTable.with_overrides({"birthday": [EMAIL]})
    with pytest.raises(RoutingError):
        RoutingTable.with_overrides({"ota_success": []})


def test_opted_out_channels_and_missing_addresses_are_skipped_with_the_reason():
    preferences = Preferences(disabled=frozenset({SMS, EMAIL}))
    decisions = plan("maintenance_due", RoutingTable(), preferences, NOON, {EMAIL, PUSH, SMS})
    assert decisions == [Decision(EMAIL), Decision(PUSH), Decision(SMS, rules.OPTED_OUT),
                         Decision(DISPLAY, rules.NO_ADDRESS)]


@pytest.mark.parametrize("moment, quiet", [(time(23, 30), True), (time(6, 59), True),
                                           (time(7, 0), False), (time(21, 59), False)])
def test_quiet_hours_hold_back_pushes_that_are_not_urgent(moment, quiet):
    night = Preferences(quiet_start=time(22, 0), quiet_end=time(7, 0))
    decisions = {d.channel: d.skipped for d in plan("order_status_update", RoutingTable(), night,
                                                    moment, ALL)}
    assert decisions == {EMAIL: None, PUSH: rules.QUIET_HOURS if quiet else None}
    # Urgent events reach the phone at any hour.
    urgent = {d.channel: d.skipped for d in plan("vehicle_ready", RoutingTable(), night, moment,
                                                 ALL)}
    assert urgent == {EMAIL: None, PUSH: None, SMS: None}


# --- through the API ---------------------------------------------------------------------

def test_admins_adjust_the_routing_table_except_credentials(make_tenant):
    shop = make_tenant("ES")
    rows = {row["event"]: row for row in shop.admin.get("/api/v1/settings/notifications").json}
    assert {event: tuple(row["channels"]) for event, row in rows.items()} == rules.ROUTES
    assert rows["credentials_generated"]["locked"] is True

    changed = shop.admin.put("/api/v1/settings/notifications/order_status_update",
                             json={"channels": ["email", "sms"]})
    assert changed.status_code == 200, changed.json
    assert changed.json["channels"] == ["email", "sms"] and changed.json["overridden"] is True
    assert changed.json["default"] == ["email", "push"]

    locked = shop.admin.put("/api/v1/settings/notifications/credentials_generated",
                            json={"channels": ["email", "push"]})
    assert locked.status_code == 422 and "channels" in locked.json["errors"]["json"]
    assert shop.admin.put("/api/v1/settings/notifications/credentials_generated",
                          json={"channels": ["email"]}).status_code == 200
    assert shop.admin.put("/api/v1/settings/notifications/birthday",
                          json={"channels": ["email"]}).status_code == 404
    for channels in (["pigeon"], []):  # an event always reaches the customer somehow
        assert shop.admin.put("/api/v1/settings/notifications/ota_failed",
                              json={"channels": channels}).status_code == 422
    assert shop.employee.put("/api/v1/settings/notifications/ota_failed",
                             json={"channels": ["email"]}).status_code == 403

    rows = {row["event"]: row for row in shop.admin.get("/api/v1/settings/notifications").json}
    assert rows["order_status_update"]["channels"] == ["email", "sms"]
    assert rows["credentials_generated"]["channels"] == ["email"]
    reset = shop.admin.delete("/api/v1/settings/notifications/order_status_update")
    assert reset.json["channels"] == ["email", "push"] and reset.json["overridden"] is False
    audit = shop.admin.get("/api/v1/audit?action=settings.notification_route").json
    assert len(audit) == 3
    # Another tenant's table is its own.
    other = make_tenant("FR")
    other.admin.put("/api/v1/settings/notifications/vehicle_ready", json={"channels": ["email"]})
    rows = {row["event"]: row for row in shop.admin.get("/api/v1/settings/notifications").json}
    assert rows["vehicle_ready"]["channels"] == ["email", "push", "sms"]


def test_a_tenant_override_and_a_customer_preference_decide_the_channels_of_a_notice(
        make_tenant, client, mailbox, drain):
    shop = make_tenant("ES")
    set_up_catalog(shop)
    shop.admin.put("/api/v1/settings/notifications/payment_confirmation",
                   json={"channels": ["email", "push", "sms"]})
    sold = sell(shop)
    drain()
    buyer = customer_login(client, mailbox, shop, sold["customer"]["email"])
    preferences = buyer.put("/api/v1/me/notification-preferences", json={"sms": False})
    assert preferences.status_code == 200, preferences.json
    assert preferences.json == {"email": True, "push": True, "sms": False,
                                "vehicle_display": True, "quiet_hours": None}
    assert shop.employee.post(f"/api/v1/orders/{sold['order']['id']}/reservation-payment",
                              json={"card_token": "tok_ok"}).status_code == 200
    drain()
    notices = buyer.get("/api/v1/notifications").json
    paid = {n["channel"]: n for n in notices if n["event"] == "payment_confirmation"}
    assert set(paid) == {"email", "push", "sms"}
    assert paid["email"]["status"] == paid["push"]["status"] == "sent"
    assert paid["sms"]["status"] == "skipped" and paid["sms"]["error"] == "opted_out"
    [credentials] = [n for n in notices if n["event"] == "credentials_generated"]
    assert credentials["channel"] == "email" and credentials["status"] == "sent"


def test_preferences_are_checked_and_only_customers_have_them(make_tenant, client, mailbox,
                                                              drain):
    shop = make_tenant("ES")
    set_up_catalog(shop)
    sold = sell(shop)
    drain()
    buyer = customer_login(client, mailbox, shop, sold["customer"]["email"])
    quiet = buyer.put("/api/v1/me/notification-preferences",
                      json={"quiet_hours": {"start": "22:00", "end": "07:30"}})
    assert quiet.json["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    assert quiet.json["push"] is True
    assert buyer.get("/api/v1/me/notification-preferences").json == quiet.json
    for bad in ({"email": False}, {"quiet_hours": {"start": "22:00", "end": "22:00"}},
                {"quiet_hours": {"start": "25:00", "end": "07:00"}}, {"fax": True}):
        response = buyer.put("/api/v1/me/notification-preferences", json=bad)
        assert response.status_code == 422, (bad, response.json)
    assert buyer.get("/api/v1/me/notification-preferences").json == quiet.json
    cleared = buyer.put("/api/v1/me/notification-preferences", json={"quiet_hours": None})
    assert cleared.json["quiet_hours"] is None
    assert shop.employee.get("/api/v1/me/notification-preferences").status_code == 403

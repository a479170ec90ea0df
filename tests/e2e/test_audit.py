"""The audit log through the REST API: order transitions, deliveries and pickups, app links
and billing runs started by staff are recorded with actor, before and after; the log is
filtered by actor, action (or its prefix), entity and time range, and paginated."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.api import assert_error_shape, total
from tests.support.journey import customer, customer_login, order, to_in_transit

AUDIT = "/api/v1/audit"


def audit(shop, **filters) -> list[dict]:
    response = shop.admin.get(AUDIT, query_string={"page_size": 100, **filters})
    assert response.status_code == 200, response.json
    return response.json


def me(api) -> dict:
    return api.get("/api/v1/me").json


def test_every_order_transition_is_audited_as_its_history_says(shop, operator, client,
                                                                 mailbox, drain):
    email = customer()["email"]
    transit = to_in_transit(shop, operator, email=email)
    absent = shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery",
                                json={"outcome": "customer_absent"})
    assert absent.status_code == 200
    assert shop.employee.post(f"/api/v1/orders/{transit['id']}/pickup").status_code == 200
    drain()
    buyer = customer_login(client, mailbox, shop, email)
    assert buyer.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 200

    history = order(shop, transit["id"])["history"]
    steps = list(reversed(audit(shop, action="order.status_changed",
                                entity_id=str(transit["id"]))))
    assert len(steps) == len(history) == 11  # created → … → operational
    for step, transition in zip(steps, history):
        assert step["entity"] == "order"
        assert step["before"] == {"status": transition["from"]}
        assert step["after"] == {"status": transition["to"], "note": transition["note"]}
        assert (step["actor_role"], step["actor_id"], step["actor_email"]) == (
            transition["actor"]["role"], transition["actor"]["id"], transition["actor"]["email"])
    employee, customer_account = me(shop.employee), me(buyer)
    assert [s["after"]["status"] for s in steps[-3:]] == ["at_dealership", "delivered",
                                                         "operational"]
    assert {s["actor_id"] for s in steps[-3:-1]} == {employee["id"]}
    assert (steps[-1]["actor_role"], steps[-1]["actor_id"]) == ("customer", customer_account["id"])
    # The factory's steps came by webhook: the system did them.
    assert any(s["actor_role"] == "system" and s["after"]["status"] == "manufacturing"
               for s in steps)

    [pickup] = audit(shop, action="order.pickup", entity_id=str(transit["id"]))
    [delivery] = audit(shop, action="order.delivery", entity_id=str(transit["id"]))
    assert delivery["before"] == {"status": "in_transit"}
    assert delivery["after"] == {"status": "at_dealership", "outcome": "customer_absent",
                                 "vin": transit["vin"]}
    assert pickup["before"] == {"status": "at_dealership"}
    assert pickup["after"] == {"status": "delivered", "outcome": "collected",
                               "vin": transit["vin"]}
    assert (delivery["actor_role"], delivery["actor_email"]) == ("employee", employee["email"])

    [link] = audit(shop, action="vehicle.linked")
    assert (link["entity"], link["entity_id"]) == ("vehicle", transit["vin"])
    assert link["before"] == {"vin": transit["vin"], "user_id": None}
    assert link["after"] == {"vin": transit["vin"], "user_id": customer_account["id"],
                             "order_id": transit["id"]}
    assert (link["actor_role"], link["actor_id"]) == ("customer", customer_account["id"])
    # Each entry carries the request that made it.
    assert link["request_id"] and link["request_id"] == steps[-1]["request_id"]

    # Linking again from the same account changes nothing, and records nothing.
    entries = total(shop.admin.get(AUDIT))
    assert buyer.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 200
    assert total(shop.admin.get(AUDIT)) == entries


def test_a_delivery_is_audited_with_its_outcome(shop, operator):
    transit = to_in_transit(shop, operator)
    shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery", json={"outcome": "delivered"})
    [delivery] = audit(shop, action="order.delivery", entity_id=str(transit["id"]))
    assert delivery["after"]["outcome"] == "delivered"
    assert delivery["after"]["status"] == "delivered"


def test_a_refused_transition_records_nothing(shop, operator):
    transit = to_in_transit(shop, operator)
    entries = total(shop.admin.get(AUDIT))
    # Not at the dealership: no pickup; a bad outcome is 422.
    assert shop.employee.post(f"/api/v1/orders/{transit['id']}/pickup").status_code == 409
    assert_error_shape(shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery",
                                          json={"outcome": "lost"}), 422)
    assert total(shop.admin.get(AUDIT)) == entries


def test_a_billing_run_started_by_an_admin_is_audited(shop):
    admin = me(shop.admin)
    started = shop.admin.post("/api/v1/billing/runs", json={"period": "2020-01"})
    assert started.status_code == 202, started.json
    [entry] = audit(shop, action="billing.run_started")
    assert (entry["entity"], entry["entity_id"]) == ("billing_run", str(started.json["id"]))
    assert entry["before"] is None
    assert entry["after"] == {"period": "2020-01", "trigger": "api",
                              "batches": started.json["batches"]}
    assert (entry["actor_role"], entry["actor_id"], entry["actor_email"]) == (
        "admin", admin["id"], admin["email"])
    # A month not over yet starts no run, and records none.
    refused = shop.admin.post("/api/v1/billing/runs", json={"period": "2099-01"})
    assert refused.status_code == 409 and refused.json["reason"] == "period_open"
    assert len(audit(shop, action="billing.run_started")) == 1


# --- filters ----------------------------------------------------------------------

def test_the_log_filters_by_actor_action_prefix_entity_and_time(shop, operator):
    transit = to_in_transit(shop, operator)
    employee = me(shop.employee)
    everything = audit(shop)
    assert total(shop.admin.get(AUDIT)) == len(everything)

    mine = audit(shop, actor_id=employee["id"])
    assert mine and {e["actor_id"] for e in mine} == {employee["id"]}
    assert {e["actor_email"] for e in mine} == {employee["email"]}
    assert len(mine) == len([e for e in everything if e["actor_id"] == employee["id"]])

    orders = audit(shop, action="order.")
    assert orders == audit(shop, action="order.*")
    assert orders == [e for e in everything if e["action"].startswith("order.")]
    assert {e["action"] for e in orders} == {"order.created", "order.status_changed"}
    assert audit(shop, action="order.status_") == []  # not a prefix: ends with neither mark
    assert [e["action"] for e in audit(shop, action="order.status_*")] == [
        "order.status_changed"] * len(audit(shop, action="order.status_changed"))
    # The wildcards of SQL LIKE match themselves only.
    assert audit(shop, action="order_*") == audit(shop, action="%*") == []

    entity = audit(shop, entity="order", entity_id=str(transit["id"]))
    assert entity and {(e["entity"], e["entity_id"]) for e in entity} == {
        ("order", str(transit["id"]))}
    both = audit(shop, entity="order", actor_id=employee["id"], action="order.status_changed")
    assert both and all(e["actor_id"] == employee["id"] and e["entity"] == "order"
                        for e in both)

    # The time range, in any offset: since included, until excluded.
    entry = everything[len(everything) // 2]
    at = datetime.fromisoformat(entry["at"])
    assert at.utcoffset() == timedelta(0)
    madrid = at.astimezone(timezone(timedelta(hours=2))).isoformat()
    since = audit(shop, since=madrid)
    assert since == [e for e in everything if datetime.fromisoformat(e["at"]) >= at]
    until = audit(shop, until=madrid)
    assert until == [e for e in everything if datetime.fromisoformat(e["at"]) < at]
    assert entry in since and entry not in until
    later = (at + timedelta(microseconds=1)).astimezone(timezone(timedelta(hours=-5)))
    assert entry not in audit(shop, since=later.isoformat())
    assert audit(shop, since=madrid, until=later.isoformat()) == [
        e for e in everything if e["at"] == entry["at"]]

    # Paginated as before: pages of the filtered entries, the total in X-Pagination.
    first = shop.admin.get(AUDIT, query_string={"action": "order.", "page_size": 2})
    second = shop.admin.get(AUDIT, query_string={"action": "order.", "page": 2, "page_size": 2})
    assert json.loads(first.headers["X-Pagination"])["total"] == len(orders)
    assert first.json + second.json == orders[:4]


@pytest.mark.parametrize("query", [
    {"since": "yesterday"}, {"since": "2026-01-01T00:00:00"}, {"until": "2026-13-01T00:00:00Z"},
    {"since": "2026-02-01T00:00:00+00:00", "until": "2026-01-01T00:00:00+00:00"},
    {"since": "2026-01-01T00:00:00+00:00", "until": "2026-01-01T01:00:00+01:00"},
    {"actor_id": "me"}, {"actor_id": 0}, {"actor_id": 2**31}, {"actor_role": "robot"},
    {"action": "x" * 101},
])
def test_bad_filters_are_422(tenant, query):
    body = assert_error_shape(tenant.admin.get(AUDIT, query_string=query), 422)
    assert body.get("errors"), body


def test_only_admins_read_the_log(shop):
    assert_error_shape(shop.employee.get(AUDIT, query_string={"action": "order."}), 403)
    assert_error_shape(shop.anonymous.get(AUDIT), 401)

"""Support tickets through the REST API: staff take them on, assign, comment, resolve and
reopen them; each change joins the ticket's history and the audit log; bad input and
callers who may not see tickets change nothing."""
from __future__ import annotations

import json
import threading
from datetime import datetime

import pytest

from caas.adapters.sql.tickets import SupportTickets
from tests.support.api import Api, assert_error_shape, fields_of, total
from tests.support.journey import customer, customer_login, sell
from tests.support.tickets import TICKETS, detail, open_ticket

def me(api) -> dict:
    return api.get("/api/v1/me").json


def audit(shop, **filters) -> list[dict]:
    response = shop.admin.get("/api/v1/audit", query_string={"page_size": 100, **filters})
    assert response.status_code == 200, response.json
    return response.json


def aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.utcoffset() is not None, text
    return value


@pytest.fixture
def ticket(shop, operator) -> dict:
    return open_ticket(shop, operator)


# --- reading ------------------------------------------------------------------------

def test_a_ticket_reads_with_its_opening_in_the_history_and_the_audit_log(shop, ticket):
    found = detail(shop, ticket["id"])
    assert found["status"] == "open" and found["assignee_id"] is None
    assert found["kind"] == "payment_settlement_failed" and found["resolved_at"] is None
    assert aware(found["created_at"]) == aware(found["updated_at"])
    [opened] = found["history"]
    assert opened["change"] == "opened" and opened["before"] is None
    assert opened["after"] == {"status": "open", "kind": "payment_settlement_failed",
                               "summary": found["summary"]}
    assert opened["actor"]["role"] == "system"
    assert found["comments"] == []
    [entry] = audit(shop, action="ticket.opened", entity_id=str(ticket["id"]))
    assert entry["entity"] == "ticket" and entry["actor_role"] == "system"
    assert entry["after"] == opened["after"]


# --- changing -----------------------------------------------------------------------

def test_staff_take_on_resolve_and_reopen_a_ticket_each_change_recorded(shop, ticket):
    employee, admin = me(shop.employee), me(shop.admin)
    url = f"{TICKETS}/{ticket['id']}"

    taken = shop.admin.patch(url, json={"status": "in_progress", "assignee_id": employee["id"]})
    assert taken.status_code == 200, taken.json
    assert taken.json["status"] == "in_progress" and taken.json["assignee_id"] == employee["id"]
    assert [(h["change"], h["before"], h["after"]) for h in taken.json["history"][1:]] == [
        ("assignee", {"assignee_id": None}, {"assignee_id": employee["id"]}),
        ("status", {"status": "open"}, {"status": "in_progress"})]
    assert {h["actor"]["id"] for h in taken.json["history"][1:]} == {admin["id"]}
    assert {h["actor"]["email"] for h in taken.json["history"][1:]} == {admin["email"]}

    resolved = shop.employee.patch(url, json={"status": "resolved"})
    assert resolved.status_code == 200, resolved.json
    resolved_at = aware(resolved.json["resolved_at"])
    assert resolved_at.utcoffset().total_seconds() == 0
    assert aware(resolved.json["updated_at"]) >= resolved_at

    reopened = shop.employee.patch(url, json={"status": "open"})
    assert reopened.json["status"] == "open" and reopened.json["resolved_at"] is None
    statuses = [(h["before"]["status"], h["after"]["status"], h["actor"]["role"])
                for h in reopened.json["history"] if h["change"] == "status"]
    assert statuses == [("open", "in_progress", "admin"), ("in_progress", "resolved", "employee"),
                        ("resolved", "open", "employee")]
    # A resolved ticket may also be taken straight back into work.
    shop.employee.patch(url, json={"status": "resolved"})
    again = shop.employee.patch(url, json={"status": "in_progress"})
    assert again.json["status"] == "in_progress" and again.json["resolved_at"] is None

    # The audit log has the same changes, before and after, with the actor.
    changes = audit(shop, entity="ticket", entity_id=str(ticket["id"]), action="ticket.")
    assert [e["action"] for e in reversed(changes)] == [
        "ticket.opened", "ticket.assigned", "ticket.status_changed", "ticket.status_changed",
        "ticket.status_changed", "ticket.status_changed", "ticket.status_changed"]
    assigned = changes[-2]
    assert (assigned["before"], assigned["after"]) == ({"assignee_id": None},
                                                      {"assignee_id": employee["id"]})
    assert (assigned["actor_role"], assigned["actor_id"], assigned["actor_email"]) == (
        "admin", admin["id"], admin["email"])
    assert detail(shop, ticket["id"])["history"] == again.json["history"]


def test_a_change_to_what_the_ticket_already_is_records_nothing(shop, ticket):
    url = f"{TICKETS}/{ticket['id']}"
    before = detail(shop, ticket["id"])
    entries = total(shop.admin.get("/api/v1/audit"))
    same = shop.employee.patch(url, json={"status": "open", "assignee_id": None})
    assert same.status_code == 200
    assert same.json["history"] == before["history"]
    assert same.json["updated_at"] == before["updated_at"]
    assert total(shop.admin.get("/api/v1/audit")) == entries


def test_tickets_are_assigned_to_staff_of_the_tenant_only(shop, ticket):
    url = f"{TICKETS}/{ticket['id']}"
    admin = me(shop.admin)
    assigned = shop.employee.patch(url, json={"assignee_id": admin["id"]})
    assert assigned.json["assignee_id"] == admin["id"]
    buyer = sell(shop)["customer"]["id"]
    before = detail(shop, ticket["id"])
    entries = total(shop.admin.get("/api/v1/audit"))
    for assignee in (buyer, 10**6):  # a customer; nobody
        refused = shop.employee.patch(url, json={"assignee_id": assignee, "status": "resolved"})
        body = assert_error_shape(refused, 422)
        assert "assignee_id" in fields_of(body["errors"]), body
    assert detail(shop, ticket["id"]) == before
    assert total(shop.admin.get("/api/v1/audit")) == entries
    # null gives the ticket back to nobody.
    freed = shop.employee.patch(url, json={"assignee_id": None})
    assert freed.json["assignee_id"] is None
    assert freed.json["history"][-1]["after"] == {"assignee_id": None}


def test_a_comment_joins_the_discussion_the_history_and_the_audit_log(shop, ticket):
    employee = me(shop.employee)
    posted = shop.employee.post(f"{TICKETS}/{ticket['id']}/comments",
                                json={"body": "Called the bank: card blocked. Ñandú ✓"})
    assert posted.status_code == 201, posted.json
    comment = posted.json
    assert comment["body"] == "Called the bank: card blocked. Ñandú ✓"
    assert comment["author"] == {"role": "employee", "id": employee["id"],
                                 "email": employee["email"]}
    aware(comment["at"])
    shop.admin.post(f"{TICKETS}/{ticket['id']}/comments", json={"body": "Thanks."})
    found = detail(shop, ticket["id"])
    assert [c["body"] for c in found["comments"]] == [comment["body"], "Thanks."]
    assert found["comments"][0] == comment
    assert found["status"] == "open"  # a comment changes nothing else
    assert aware(found["updated_at"]) >= aware(comment["at"])
    assert [h["change"] for h in found["history"]] == ["opened", "comment", "comment"]
    assert found["history"][1]["id"] == comment["id"]
    entries = audit(shop, action="ticket.commented", entity_id=str(ticket["id"]))
    assert [e["after"]["body"] for e in entries] == ["Thanks.", comment["body"]]
    assert entries[1]["actor_id"] == employee["id"] and entries[1]["before"] is None


def test_a_change_made_meanwhile_is_not_overwritten(shop, ticket, app, monkeypatch):
    """Two staff change the ticket at once: the one who read it before the other's change
    is refused (409) instead of overwriting it."""
    url = f"{TICKETS}/{ticket['id']}"
    read, first = SupportTickets.get, []

    def read_then_someone_else_changes_it(self, ticket_id):
        found = read(self, ticket_id)
        if threading.current_thread().name == "late":
            colleague = Api(app.test_client(), shop.admin.token, shop.slug)
            other = threading.Thread(target=lambda: first.append(
                colleague.patch(url, json={"status": "in_progress"})))
            other.start()
            other.join()
        return found
    monkeypatch.setattr(SupportTickets, "get", read_then_someone_else_changes_it)
    late = []
    thread = threading.Thread(name="late", target=lambda: late.append(
        Api(app.test_client(), shop.employee.token, shop.slug).patch(
            url, json={"status": "resolved"})))
    thread.start()
    thread.join()
    assert first[0].status_code == 200, first[0].json
    assert_error_shape(late[0], 409)
    monkeypatch.undo()
    found = detail(shop, ticket["id"])
    assert found["status"] == "in_progress" and found["resolved_at"] is None
    assert [h["change"] for h in found["history"]] == ["opened", "status"]
    assert len(audit(shop, action="ticket.status_changed", entity_id=str(ticket["id"]))) == 1


# --- bad input changes nothing ------------------------------------------------------

@pytest.mark.parametrize("body", [
    {}, {"status": "closed"}, {"status": ""}, {"status": None}, {"status": 1},
    {"assignee_id": "me"}, {"assignee_id": 0}, {"assignee_id": 2**31}, {"assignee_id": True},
    {"status": "resolved", "priority": "high"}, {"resolved_at": "2026-01-01T00:00:00Z"},
    [], "resolved",
])
def test_a_bad_change_is_422_and_changes_nothing(shop, ticket, body):
    before = detail(shop, ticket["id"])
    entries = total(shop.admin.get("/api/v1/audit"))
    response = shop.employee.patch(f"{TICKETS}/{ticket['id']}", json=body)
    assert_error_shape(response, 422)
    assert detail(shop, ticket["id"]) == before
    assert total(shop.admin.get("/api/v1/audit")) == entries


@pytest.mark.parametrize("body", [
    {}, {"body": ""}, {"body": "   \n\t"}, {"body": "x" * 5001}, {"body": None}, {"body": 7},
    {"body": "fine", "internal": True}, ["body"],
])
def test_a_bad_comment_is_422_and_changes_nothing(shop, ticket, body):
    before = detail(shop, ticket["id"])
    entries = total(shop.admin.get("/api/v1/audit"))
    response = shop.employee.post(f"{TICKETS}/{ticket['id']}/comments", json=body)
    assert_error_shape(response, 422)
    assert detail(shop, ticket["id"]) == before
    assert total(shop.admin.get("/api/v1/audit")) == entries


def test_the_longest_comment_is_accepted(shop, ticket):
    response = shop.employee.post(f"{TICKETS}/{ticket['id']}/comments", json={"body": "é" * 5000})
    assert response.status_code == 201 and len(response.json["body"]) == 5000


# --- who may see tickets ------------------------------------------------------------

def test_customers_and_strangers_get_nothing_and_change_nothing(shop, make_tenant, client,
                                                                mailbox, drain, ticket):
    email = customer()["email"]
    sell(shop, email=email)
    drain()
    buyer = customer_login(client, mailbox, shop, email)
    url = f"{TICKETS}/{ticket['id']}"
    before = detail(shop, ticket["id"])
    entries = total(shop.admin.get("/api/v1/audit"))
    for response in (buyer.get(TICKETS), buyer.get(url),
                     buyer.patch(url, json={"status": "resolved"}),
                     buyer.post(f"{url}/comments", json={"body": "mine?"})):
        assert_error_shape(response, 403)
    for response in (shop.anonymous.get(url), shop.anonymous.patch(url, json={"status": "resolved"}),
                     shop.anonymous.post(f"{url}/comments", json={"body": "hello"})):
        assert_error_shape(response, 401)
    # Another tenant's staff: its own database has no such ticket; this tenant refuses its token.
    elsewhere = make_tenant("ES")
    elsewhere_entries = total(elsewhere.admin.get("/api/v1/audit"))
    assert elsewhere.employee.get(TICKETS).json == []
    for response in (elsewhere.employee.get(url),
                     elsewhere.admin.patch(url, json={"status": "resolved"}),
                     elsewhere.employee.post(f"{url}/comments", json={"body": "hello"})):
        assert_error_shape(response, 404)
    assert_error_shape(elsewhere.employee.get(url, headers={"X-Tenant": shop.slug}), 401)
    assert_error_shape(shop.employee.get(f"{TICKETS}/{2**31 - 1}"), 404)
    assert detail(shop, ticket["id"]) == before
    assert total(shop.admin.get("/api/v1/audit")) == entries
    assert total(elsewhere.admin.get("/api/v1/audit")) == elsewhere_entries


# --- the list -----------------------------------------------------------------------

def test_the_list_filters_by_status_kind_and_assignee_and_is_paginated(shop, operator):
    first, second, third = (open_ticket(shop, operator) for _ in range(3))
    employee, admin = me(shop.employee)["id"], me(shop.admin)["id"]
    shop.admin.patch(f"{TICKETS}/{first['id']}", json={"assignee_id": employee,
                                                       "status": "in_progress"})
    shop.admin.patch(f"{TICKETS}/{second['id']}", json={"assignee_id": admin,
                                                        "status": "resolved"})

    def ids(**query):
        response = shop.employee.get(TICKETS, query_string=query)
        assert response.status_code == 200, response.json
        return [t["id"] for t in response.json]
    assert ids() == [third["id"], second["id"], first["id"]]
    assert ids(status="open") == [third["id"]]
    assert ids(status="in_progress") == [first["id"]]
    assert ids(status="resolved") == [second["id"]]
    assert ids(assignee_id=employee) == [first["id"]]
    assert ids(assignee_id=admin, status="resolved") == [second["id"]]
    assert ids(assignee_id=admin, status="open") == []
    assert ids(assigned="true") == [second["id"], first["id"]]
    assert ids(assigned="false") == [third["id"]]
    assert ids(kind="payment_settlement_failed") == ids()
    assert ids(kind="ota_failed") == []
    page = shop.employee.get(TICKETS, query_string={"page": 2, "page_size": 2})
    assert [t["id"] for t in page.json] == [first["id"]]
    assert json.loads(page.headers["X-Pagination"])["total"] == 3
    listed = shop.employee.get(TICKETS, query_string={"status": "resolved"}).json[0]
    assert listed["assignee_id"] == admin and aware(listed["resolved_at"])
    for query in ({"status": "closed"}, {"assignee_id": "x"}, {"assignee_id": 0},
                  {"assigned": "maybe"}, {"page_size": 0}):
        assert_error_shape(shop.employee.get(TICKETS, query_string=query), 422)

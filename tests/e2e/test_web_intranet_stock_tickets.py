"""The Intranet's stock and support tickets through the Flask test client, as a browser without
JavaScript: a stock vehicle given to a waiting order of its model (and the use case's refusals,
inline), tickets listed, filtered, assigned, resolved, reopened and commented on; who may see
them, and hostile text shown as text."""
from __future__ import annotations

import re

from caas.adapters.sql.tickets import SupportTickets
from caas.domain.orders import Vehicle
from caas.i18n import LazyText
from caas.service_layer.unit_of_work import StaleTicket
from caas.tenancy import tenant_context
from tests.support.api import ADMIN_PASSWORD
from tests.support.journey import MODEL, customer, order, pay, sell, to_vehicle_ready
from tests.support.web import csrf_token, send_form, sign_in, texts

HOSTILE = "<script>alert(1)</script>"


def es(msgid: str, **values) -> str:
    return LazyText(msgid, **values).render("es-ES")


def staff_signed_in(client, shop, role="employee"):
    assert sign_in(client, shop.slug, f"{role}@{shop.slug}.test", ADMIN_PASSWORD).status_code == 303
    return f"/t/{shop.slug}"


def in_stock(shop, operator) -> dict:
    """An order whose final payment was declined: its vehicle is back in stock."""
    ready = to_vehicle_ready(shop, operator)
    assert pay(shop, ready["id"], "final", token="tok_decline").status_code == 402
    return ready


def waiting_order(shop, model=MODEL) -> dict:
    sold = sell(shop, model=model)["order"]
    assert pay(shop, sold["id"]).status_code == 200
    return sold


def other_model(shop) -> str:
    assert shop.admin.post("/api/v1/models", json={"code": "grande", "name": "Grande",
                                                   "base_price": "50000.00"}).status_code == 201
    return "grande"


def stock_api(shop) -> list[dict]:
    return shop.employee.get("/api/v1/stock").json


def seed(platform, shop, *, vehicles=0, tickets=(), **ticket_fields) -> list[int]:
    """Stock vehicles and tickets written straight to the tenant's store, as the platform's
    own processes leave them."""
    ctx = platform.for_tenant(shop.tenant)
    with tenant_context(shop.tenant), ctx.uow() as uow:
        for number in range(vehicles):
            uow.vehicles.add(Vehicle(vin=f"VSEED{number:012d}", model=MODEL,
                                     status=Vehicle.UNASSIGNED))
        ids = [uow.tickets.open("ota_failed", summary, {"attempts": 5, "note": summary},
                                **ticket_fields) for summary in tickets]
        uow.commit()
    return ids


# --- stock ----------------------------------------------------------------------------------

def test_a_stock_vehicle_is_given_to_a_waiting_order_of_its_model(client, shop, operator):
    stocked = in_stock(shop, operator)
    waiting = waiting_order(shop)
    unpaid = sell(shop)["order"]
    other = waiting_order(shop, other_model(shop))
    base = staff_signed_in(client, shop)
    page = client.get(f"{base}/stock")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and stocked["vin"] in html and MODEL in html
    assert es("In stock since %(moment)s", moment="") in html
    # Only the orders the use case would accept are offered.
    offered = re.search(rf'<select[^>]*id="order-for-{stocked["vin"]}".*?</select>', html, re.S)[0]
    assert waiting["reference"] in offered
    assert unpaid["reference"] not in offered and other["reference"] not in offered

    done = send_form(client, f"{base}/stock", f"{base}/stock/{stocked['vin']}/assign",
                     order_id=waiting["id"])
    assert done.status_code == 303
    assert done.headers["Location"] == f"{base}/stock?assigned={waiting['id']}"
    confirmed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert es("Vehicle %(vin)s now belongs to order %(reference)s; its customer is asked for "
              "the final payment.", vin=stocked["vin"], reference=waiting["reference"]) in confirmed
    assert es("No vehicle is waiting in stock.") in confirmed
    assert order(shop, waiting["id"])["status"] == "pending_final_payment"
    assert stock_api(shop) == []


def test_a_vehicle_without_waiting_orders_offers_none(client, shop, operator):
    in_stock(shop, operator)
    sell(shop)  # reserved but unpaid: not waiting for a vehicle
    html = client.get(f"{staff_signed_in(client, shop)}/stock").get_data(as_text=True)
    assert es("No order of this model is waiting for a vehicle.") in html
    assert "<select" not in html.split("<main", 1)[1]


def test_a_hostile_customer_name_is_offered_as_text(client, shop, platform):
    seed(platform, shop, vehicles=1)
    hostile = sell(shop, name=HOSTILE)["order"]
    assert pay(shop, hostile["id"]).status_code == 200
    html = client.get(f"{staff_signed_in(client, shop)}/stock").get_data(as_text=True)
    assert HOSTILE not in html
    assert f"{hostile['reference']} · &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_refused_assignments_say_why_beside_the_vehicle_and_change_nothing(client, shop,
                                                                          operator):
    stocked = in_stock(shop, operator)
    waiting_order(shop)
    wrong = waiting_order(shop, other_model(shop))
    unpaid = sell(shop)["order"]
    base = staff_signed_in(client, shop)
    assign = f"{base}/stock/{stocked['vin']}/assign"

    refused = send_form(client, f"{base}/stock", assign, order_id=wrong["id"])
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert es("The vehicle is another model.") in html
    assert 'aria-invalid="true"' in html and f'order-for-{stocked["vin"]}-error' in html

    not_waiting = send_form(client, f"{base}/stock", assign, order_id=unpaid["id"])
    assert not_waiting.status_code == 409
    assert 'role="alert"' in not_waiting.get_data(as_text=True)

    nothing = send_form(client, f"{base}/stock", assign)
    assert nothing.status_code == 422
    assert es("Choose the order that gets the vehicle.") in nothing.get_data(as_text=True)

    gone = send_form(client, f"{base}/stock", f"{base}/stock/VNOTINSTOCK000000/assign",
                     order_id=unpaid["id"])
    assert gone.status_code == 404
    assert es("No unassigned vehicle %(vin)s in stock.", vin="VNOTINSTOCK000000") in \
        gone.get_data(as_text=True)
    assert [vehicle["vin"] for vehicle in stock_api(shop)] == [stocked["vin"]]
    assert order(shop, unpaid["id"])["status"] == "created"


def once_key(html: str, form_action: str) -> str:
    """The one-time key of the form sent to ``form_action``."""
    form = re.search(rf'<form[^>]*action="{re.escape(form_action)}".*?</form>', html, re.S)[0]
    return re.search(r'name="once"[^>]*value="([0-9a-f]{32})"', form)[1]


def test_a_double_click_assigns_the_vehicle_once_and_shows_that(client, shop, operator):
    stocked = in_stock(shop, operator)
    waiting = waiting_order(shop)
    base = staff_signed_in(client, shop)
    assign = f"{base}/stock/{stocked['vin']}/assign"
    html = client.get(f"{base}/stock").get_data(as_text=True)
    sent = {"csrf_token": csrf_token(html), "once": once_key(html, assign),
            "order_id": waiting["id"]}
    first, second = client.post(assign, data=sent), client.post(assign, data=sent)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert order(shop, waiting["id"])["vin"] == stocked["vin"]


def test_the_stock_is_shown_a_page_at_a_time(client, shop, platform):
    seed(platform, shop, vehicles=21)
    base = staff_signed_in(client, shop)
    first = client.get(f"{base}/stock").get_data(as_text=True)
    assert first.count("<article") == 20
    assert f'href="{base}/stock?page=2"' in first
    second = client.get(f"{base}/stock?page=2").get_data(as_text=True)
    assert second.count("<article") == 1 and f'href="{base}/stock?page=1"' in second
    assert client.get(f"{base}/stock?page=abc").status_code == 200


# --- tickets ----------------------------------------------------------------------------------

def test_tickets_are_listed_and_filtered_by_status_and_assignee(client, shop, platform):
    first, second = seed(platform, shop, tickets=("Activation failed", "Settlement failed"))
    base = staff_signed_in(client, shop)
    html = client.get(f"{base}/tickets").get_data(as_text=True)
    assert "Activation failed" in html and "Settlement failed" in html
    assert f'href="{base}/tickets/{first}"' in html and es("Nobody") in html
    employee = shop.employee.get("/api/v1/me").json["id"]
    ticket_page = f"{base}/tickets/{first}"
    assert send_form(client, ticket_page, f"{ticket_page}/assignee",
                     assignee_id=employee).status_code == 303
    assert send_form(client, ticket_page, f"{ticket_page}/status",
                     status="in_progress").status_code == 303

    def listed(**query):
        response = client.get(f"{base}/tickets", query_string=query)
        assert response.status_code == 200
        shown = response.get_data(as_text=True)
        return [ticket for ticket in (first, second) if f"/tickets/{ticket}\"" in shown]

    assert listed(status="in_progress") == [first]
    assert listed(status="open") == [second]
    assert listed(assignee=str(employee)) == [first]
    assert listed(assignee="nobody") == [second]
    assert listed(status="resolved") == []
    listing = client.get(f"{base}/tickets", query_string={"status": "in_progress"})
    assert es("In progress") in listing.get_data(as_text=True)
    assert client.get(f"{base}/tickets?status=bogus").status_code == 422


def test_htmx_gets_the_filtered_list_alone_and_back_gets_the_whole_page(client, shop, platform):
    seed(platform, shop, tickets=("Activation failed",))
    base = staff_signed_in(client, shop)
    alone = client.get(f"{base}/tickets?status=resolved", headers={"HX-Request": "true"})
    html = alone.get_data(as_text=True)
    assert alone.status_code == 200 and html.lstrip().startswith('<div id="ticket-list">')
    assert es("No ticket matches.") in html and "<html" not in html
    restored = client.get(f"{base}/tickets?status=open", headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"}).get_data(as_text=True)
    assert "<html" in restored and "Activation failed" in restored


def test_the_ticket_list_is_shown_a_page_at_a_time_keeping_its_filters(client, shop, platform):
    seed(platform, shop, tickets=[f"Ticket {number}" for number in range(21)])
    base = staff_signed_in(client, shop)
    first = client.get(f"{base}/tickets?status=open").get_data(as_text=True)
    assert first.count("<tr>") == 21  # the header and 20 tickets
    assert f'href="{base}/tickets?page=2&amp;status=open"' in first
    second = client.get(f"{base}/tickets?page=2&status=open").get_data(as_text=True)
    assert second.count("<tr>") == 2 and "Ticket 0<" in second


def test_a_ticket_shows_what_it_is_about_and_its_history(client, shop, platform):
    sold = sell(shop)
    [ticket] = seed(platform, shop, tickets=("Registration refused",), vin="VTICKET0000000001",
                    order_id=sold["order"]["id"], customer_id=sold["customer"]["id"])
    base = staff_signed_in(client, shop)
    html = client.get(f"{base}/tickets/{ticket}").get_data(as_text=True)
    for shown in ("Registration refused", "VTICKET0000000001", sold["order"]["reference"],
                  sold["customer"]["name"], "attempts", es("Open"), es("Opened")):
        assert shown in html


def test_a_ticket_is_assigned_taken_on_resolved_reopened_and_discussed(client, shop, platform):
    [ticket] = seed(platform, shop, tickets=("Activation failed",))
    base = staff_signed_in(client, shop, "admin")
    page = f"{base}/tickets/{ticket}"
    admin = shop.admin.get("/api/v1/me").json["id"]

    assigned = send_form(client, page, f"{page}/assignee", assignee_id=admin)
    assert assigned.status_code == 303 and assigned.headers["Location"] == f"{page}?done=assignee"
    assert es("The ticket has been changed.") in client.get(assigned.headers["Location"]).get_data(
        as_text=True)
    assert send_form(client, page, f"{page}/status", status="in_progress").status_code == 303
    assert send_form(client, page, f"{page}/resolution", status="resolved").status_code == 303
    resolved = shop.admin.get(f"/api/v1/support/tickets/{ticket}").json
    assert resolved["status"] == "resolved" and resolved["assignee_id"] == admin
    assert resolved["resolved_at"] is not None
    html = client.get(page).get_data(as_text=True)
    assert es("Reopen") in html
    assert send_form(client, page, f"{page}/resolution", status="open").status_code == 303
    assert shop.admin.get(f"/api/v1/support/tickets/{ticket}").json["status"] == "open"

    commented = send_form(client, page, f"{page}/comments", body="Called the customer.\nAgain.")
    assert commented.status_code == 303
    html = client.get(commented.headers["Location"]).get_data(as_text=True)
    assert es("Your comment has been added.") in html
    assert "Called the customer.<br>Again." in html
    history = [entry["change"] for entry in
               shop.admin.get(f"/api/v1/support/tickets/{ticket}").json["history"]]
    assert history == ["opened", "assignee", "status", "status", "status", "comment"]
    page_texts = " ".join(texts(html))
    assert es("Status: %(before)s → %(after)s", before=es("In progress"),
              after=es("Resolved")) in page_texts
    assert f"admin@{shop.slug}.test" in page_texts


def test_a_comment_sent_twice_is_added_once(client, shop, platform):
    [ticket] = seed(platform, shop, tickets=("Activation failed",))
    page = f"{staff_signed_in(client, shop)}/tickets/{ticket}"
    html = client.get(page).get_data(as_text=True)
    sent = {"csrf_token": csrf_token(html), "once": once_key(html, f"{page}/comments"),
            "body": "Called the customer."}
    assert [client.post(f"{page}/comments", data=sent).status_code for _ in "ab"] == [303, 303]
    assert len(shop.employee.get(f"/api/v1/support/tickets/{ticket}").json["comments"]) == 1


def test_refused_ticket_changes_are_said_inline_and_change_nothing(client, shop, platform):
    [ticket] = seed(platform, shop, tickets=("Activation failed",))
    buyer = sell(shop)["customer"]["id"]
    base = staff_signed_in(client, shop)
    page = f"{base}/tickets/{ticket}"

    to_customer = send_form(client, page, f"{page}/assignee", assignee_id=buyer)
    html = to_customer.get_data(as_text=True)
    assert to_customer.status_code == 422
    assert es("The assignee must be a staff member of this tenant.") in html
    assert es("No active employee or admin has the id %(id)s.", id=buyer) in html
    assert send_form(client, page, f"{page}/assignee", assignee_id="abc").status_code == 422

    empty = send_form(client, page, f"{page}/comments", body="   ")
    assert empty.status_code == 422 and es("Write something.") in empty.get_data(as_text=True)
    assert send_form(client, page, f"{page}/comments", body="x" * 5001).status_code == 422
    assert send_form(client, page, f"{page}/status", status="closed").status_code == 422
    assert send_form(client, page, f"{page}/resolution", status="in_progress").status_code == 422
    unchanged = shop.employee.get(f"/api/v1/support/tickets/{ticket}").json
    assert unchanged["status"] == "open" and unchanged["assignee_id"] is None
    assert [entry["change"] for entry in unchanged["history"]] == ["opened"]


def test_a_change_someone_else_made_first_is_a_conflict_to_reload(client, shop, platform,
                                                                 monkeypatch):
    [ticket] = seed(platform, shop, tickets=("Activation failed",))
    base = staff_signed_in(client, shop)
    page = f"{base}/tickets/{ticket}"
    html = client.get(page).get_data(as_text=True)

    def changed_meanwhile(self, ticket):
        raise StaleTicket(ticket.id)
    monkeypatch.setattr(SupportTickets, "save", changed_meanwhile)
    refused = client.post(f"{page}/status", data={"csrf_token": csrf_token(html),
                                                  "status": "resolved"})
    assert refused.status_code == 409
    assert es("The ticket was changed by someone else meanwhile; reload it and retry.") in \
        refused.get_data(as_text=True)


def test_hostile_ticket_text_is_shown_as_text(client, shop, platform):
    [ticket] = seed(platform, shop, tickets=(HOSTILE,))
    base = staff_signed_in(client, shop)
    page = f"{base}/tickets/{ticket}"
    assert send_form(client, page, f"{page}/comments", body=HOSTILE).status_code == 303
    for html in (client.get(f"{base}/tickets").get_data(as_text=True),
                 client.get(page).get_data(as_text=True)):
        assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- who may see them -------------------------------------------------------------------------

def test_customers_are_refused_and_strangers_sent_to_sign_in(client, shop, platform, mailbox,
                                                           drain):
    [ticket] = seed(platform, shop, tickets=("Activation failed",))
    email = customer()["email"]
    sell(shop, email=email)
    base = f"/t/{shop.slug}"
    for address in ("/stock", "/tickets", f"/tickets/{ticket}"):
        assert client.get(base + address).headers["Location"] == f"{base}/sign-in"
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    from tests.support.api import password_in
    assert sign_in(client, shop.slug, email, password_in(message)).status_code == 303
    for address in ("/stock", "/tickets", f"/tickets/{ticket}"):
        assert client.get(base + address).status_code == 403
    token = csrf_token(client.get(f"{base}/password").get_data(as_text=True))
    refused = client.post(f"{base}/tickets/{ticket}/comments", data={"csrf_token": token,
                                                                     "body": "mine now"})
    assert refused.status_code == 403
    assert len(shop.employee.get(f"/api/v1/support/tickets/{ticket}").json["history"]) == 1


def test_another_tenants_ticket_is_not_found(client, shop, make_tenant, platform):
    [ticket] = seed(platform, shop, tickets=("Activation failed",))
    elsewhere = make_tenant("ES")
    base = staff_signed_in(client, elsewhere)
    assert client.get(f"{base}/tickets/{ticket}").status_code == 404
    token = csrf_token(client.get(f"{base}/tickets").get_data(as_text=True))
    assert client.post(f"{base}/tickets/{ticket}/comments",
                       data={"csrf_token": token, "body": "hello"}).status_code == 404
    assert client.get(f"{base}/tickets/99999999999").status_code == 404
    assert len(shop.employee.get(f"/api/v1/support/tickets/{ticket}").json["history"]) == 1


def test_stock_and_tickets_are_in_the_staff_menu(client, shop):
    html = client.get(f"{staff_signed_in(client, shop)}/tickets").get_data(as_text=True)
    assert f'href="/t/{shop.slug}/stock"' in html
    assert f'href="/t/{shop.slug}/tickets" aria-current="page"' in html

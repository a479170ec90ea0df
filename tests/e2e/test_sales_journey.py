"""A dealership sale to a delivered, app-linked vehicle, through the REST API, in every country."""
import re

import pytest

from caas.sandboxes import faults
from tests.support.journey import (CUSTOMERS, MODEL, PLAN, advance, customer, customer_login, order, pay, sell,
                     set_up_catalog, to_in_transit, to_vehicle_ready)


@pytest.fixture
def shop(make_tenant):
    made = make_tenant("ES")
    set_up_catalog(made)
    return made


def _ledger(operator, slug):
    return operator.get(f"/sandbox/payments/ledger?tenant={slug}").json["entries"]


def _mails(mailbox, email):
    return [message for message in mailbox.messages(email) if email not in message["body"]]


@pytest.mark.parametrize("country", sorted(CUSTOMERS))
def test_a_sale_goes_all_the_way_to_an_app_linked_vehicle(country, make_tenant, operator, client,
                                                          mailbox, drain, platform):
    shop = make_tenant(country)
    set_up_catalog(shop)
    sold = sell(shop, country)
    order_id, email = sold["order"]["id"], sold["customer"]["email"]
    assert sold["order"]["status"] == "created" and sold["customer"]["created"] is True
    currency = shop.tenant.currency
    assert sold["order"]["price"]["amount"] == "30500.00"
    assert sold["order"]["price"]["currency"] == currency
    assert sold["order"]["final_amount"]["amount"] == "29500.00"

    reserved = pay(shop, order_id)
    assert reserved.status_code == 200, reserved.json
    assert reserved.json["status"] == "factory_ordered"
    assert reserved.json["factory_order_id"].startswith("FO-")
    assert reserved.json["estimated_date"]

    advance(operator, reserved.json["factory_order_id"])  # IN_PROGRESS
    assert order(shop, order_id)["status"] == "manufacturing"
    advance(operator, reserved.json["factory_order_id"])  # READY, with a VIN
    ready = order(shop, order_id)
    assert ready["status"] == "pending_final_payment"
    assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", ready["vin"])

    paid = pay(shop, order_id, "final")
    assert paid.status_code == 200, paid.json
    assert paid.json["status"] == "in_transit"
    country_plugin = platform.plugins.countries[country]
    assert country_plugin.is_valid_plate(paid.json["plate"]), paid.json["plate"]
    if country == "CH":  # the plate carries the canton of the holder's address
        assert paid.json["plate"].startswith("GE ")

    delivered = shop.employee.post(f"/api/v1/orders/{order_id}/delivery",
                                   json={"outcome": "delivered"})
    assert delivered.json["status"] == "delivered"

    drain()
    buyer = customer_login(client, mailbox, shop, email)
    linked = buyer.post(f"/api/v1/vehicles/{ready['vin']}/link")
    assert linked.status_code == 200, linked.json
    assert linked.json == {**linked.json, "vin": ready["vin"], "plate": paid.json["plate"],
                           "linked": True, "status": "delivered"}

    final = buyer.get(f"/api/v1/orders/{order_id}").json
    assert final["status"] == "operational"
    steps = [(step["from"], step["to"]) for step in final["history"]]
    assert steps == [("created", "reserved"), ("reserved", "factory_ordered"),
                     ("factory_ordered", "manufacturing"), ("manufacturing", "vehicle_ready"),
                     ("vehicle_ready", "pending_final_payment"),
                     ("pending_final_payment", "registering"), ("registering", "registered"),
                     ("registered", "in_transit"), ("in_transit", "delivered"),
                     ("delivered", "operational")]
    actors = {(step["to"], step["actor"]["role"], step["actor"]["email"]) for step in final["history"]}
    assert ("reserved", "employee", f"employee@{shop.slug}.test") in actors
    assert ("manufacturing", "system", "factory-webhook") in actors
    assert ("operational", "customer", email) in actors
    assert all(step["at"] for step in final["history"])

    charges = [entry for entry in _ledger(operator, shop.slug) if entry["type"] == "charge"]
    assert [(entry["amount"], entry["currency"]) for entry in charges] == [
        ("1000.00", currency), ("29500.00", currency)]

    # The customer heard of each step, in their own language.
    mails = _mails(mailbox, email)
    assert len(mails) == 6  # ordered, manufacturing, ready, paid, registered, delivered
    assert {message["language"] for message in mails} == {CUSTOMERS[country]["locale"]}


def test_an_existing_customer_is_reused_and_keeps_credentials_and_profile(shop, client, mailbox,
                                                                          drain):
    first = sell(shop)
    drain()
    email = first["customer"]["email"]
    buyer = customer_login(client, mailbox, shop, email)

    second = sell(shop, email=email.upper(), name="Someone Else", phone="+34 699 999 999")
    drain()
    assert second["customer"] == {**first["customer"], "created": False}
    assert second["order"]["customer_id"] == first["customer"]["id"]
    # No new credentials: one credentials email, and the old password still works.
    assert len([m for m in mailbox.messages(email) if email in m["body"]]) == 1
    assert buyer.get("/api/v1/me").json["name"] == "Ana García"
    assert customer_login(client, mailbox, shop, email).get("/api/v1/me").status_code == 200


def test_a_staff_email_cannot_become_a_customer(shop):
    response = shop.employee.post("/api/v1/sales", json={
        "customer": customer(email=f"admin@{shop.slug}.test"), "model": MODEL, "plan": PLAN})
    assert response.status_code == 409
    assert shop.employee.get("/api/v1/orders").json == []


@pytest.mark.parametrize("field, value", [
    ("tax_id", "12345678A"), ("phone", "12"), ("phone", "+34 000"), ("locale", "fr-FR"),
    ("address", {"street": "Calle Mayor 1", "city": "Madrid", "postal_code": "99999"}),
    ("address", {"street": "", "city": "Madrid", "postal_code": "28013"}),
    ("email", "not-an-email"),
])
def test_invalid_customer_data_is_refused_field_by_field_and_creates_nothing(shop, field, value,
                                                                             mailbox, drain):
    data = customer(**{field: value})
    response = shop.employee.post("/api/v1/sales", json={"customer": data, "model": MODEL,
                                                        "plan": PLAN})
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]["json"]["customer"]
    drain()
    assert mailbox.messages(data["email"]) == [] if "@" in data["email"] else True
    assert shop.employee.get("/api/v1/orders").json == []


@pytest.fixture
def swiss_shop(make_tenant):
    made = make_tenant("CH")
    set_up_catalog(made)
    return made


@pytest.mark.parametrize("postal_code, city, plate", [("3011", "Bern", "BE "),
                                                      ("1003", "Lausanne", "VD ")])
def test_a_swiss_sale_takes_the_canton_of_the_postal_code(swiss_shop, operator, postal_code,
                                                          city, plate):
    address = {"street": "Hauptstrasse 1", "city": city, "postal_code": postal_code}
    assert to_in_transit(swiss_shop, operator, "CH", address=address)["plate"].startswith(plate)


# In the employee's language (the Swiss tenant's first, de-CH), from the plugin's catalog.
@pytest.mark.parametrize("address, message", [
    ({"street": "Städtle 1", "city": "Vaduz", "postal_code": "9490"},
     "Geben Sie den Kanton an: Die Postleitzahl 9490 liegt in keinem bekannten Kanton."),
    ({"street": "Route de Suisse 1", "city": "Versoix", "postal_code": "1290"},
     "Geben Sie den Kanton an: Die Postleitzahl 1290 kann in GE/VD liegen."),
    ({"street": "Rue du Rhône 1", "city": "Genève", "postal_code": "1204", "canton": "XX"},
     "Kein Schweizer Kanton: XX"),
    ({"street": "Bahnhofstrasse 1", "city": "Zürich", "postal_code": "8001", "canton": "GE"},
     "Die Postleitzahl 8001 liegt im Kanton ZH, nicht GE."),
])
def test_a_swiss_sale_without_a_canton_it_can_have_is_refused(swiss_shop, address, message,
                                                              mailbox, drain):
    data = customer("CH", address=address)
    response = swiss_shop.employee.post("/api/v1/sales", json={"customer": data, "model": MODEL,
                                                               "plan": PLAN})
    assert response.status_code == 422, response.json
    assert (response.json["code"], response.json["message"]) == (
        422, "Der Verkauf enthält ungültige Felder; siehe Fehler.")
    [error] = response.json["errors"]["json"]["customer"]["address"]["canton"]
    assert error.startswith(message), error
    drain()
    assert mailbox.messages(data["email"]) == []
    assert swiss_shop.employee.get("/api/v1/orders").json == []


@pytest.mark.parametrize("sale, field", [
    ({"model": "nope", "plan": PLAN}, "model"),
    ({"model": MODEL, "plan": "nope"}, "plan"),
    ({"model": MODEL, "plan": PLAN, "options": ["sunroof"]}, "options"),
])
def test_unknown_model_plan_or_option_is_422(shop, sale, field):
    response = shop.employee.post("/api/v1/sales", json={"customer": customer(), **sale})
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_only_staff_register_sales_and_customers_see_only_their_orders(shop, make_tenant, client,
                                                                       mailbox, drain):
    mine, theirs = sell(shop), sell(shop)
    drain()
    buyer = customer_login(client, mailbox, shop, mine["customer"]["email"])
    assert buyer.post("/api/v1/sales", json={"customer": customer(), "model": MODEL,
                                             "plan": PLAN}).status_code == 403
    assert [o["id"] for o in buyer.get("/api/v1/orders").json] == [mine["order"]["id"]]
    assert buyer.get(f"/api/v1/orders/{theirs['order']['id']}").status_code == 404
    assert buyer.post(f"/api/v1/orders/{mine['order']['id']}/reservation-payment",
                      json={"card_token": "tok_ok"}).status_code == 403
    # Another tenant's staff see nothing of this one.
    other = make_tenant("FR")
    assert other.employee.get(f"/api/v1/orders/{mine['order']['id']}").status_code == 404
    assert shop.anonymous.get("/api/v1/orders").status_code == 401


def test_a_declined_reservation_changes_nothing_and_another_card_can_pay(shop, operator):
    sold = sell(shop)["order"]
    declined = pay(shop, sold["id"], token="tok_decline")
    assert declined.status_code == 402
    assert declined.json["code"] == 402 and "rechazada" in declined.json["message"]
    assert order(shop, sold["id"])["status"] == "created"
    assert pay(shop, sold["id"]).json["status"] == "factory_ordered"
    types = [entry["type"] for entry in _ledger(operator, shop.slug)]
    assert types == ["decline", "charge"]


@pytest.mark.parametrize("how", ["down", "gateway_error", "circuit_open"])
def test_payment_gateway_unavailable_refuses_at_once_and_orders_nothing(shop, operator, platform,
                                                                       how):
    sold = sell(shop)["order"]
    token = "tok_ok"
    if how == "down":
        faults.set_mode("payments", faults.Mode("down"))
    elif how == "gateway_error":
        token = "tok_gateway_error"
    else:
        pay(shop, sell(shop)["order"]["id"])  # creates the breaker
        platform.external.breakers["payments"].open()
    response = pay(shop, sold["id"], token=token)
    assert response.status_code == 503
    assert "no se ha cobrado nada" in response.json["message"]  # the employee's Spanish
    assert order(shop, sold["id"])["status"] == "created"
    factory_orders = operator.get(f"/sandbox/factory/orders?tenant={shop.slug}").json["orders"]
    assert sold["reference"] not in {o["reference"] for o in factory_orders}
    assert sold["reference"] not in {e["reference"] for e in _ledger(operator, shop.slug)
                                     if e["type"] == "charge"}


def test_same_idempotency_key_replays_and_a_different_body_is_409(shop, operator):
    sold = sell(shop)["order"]
    first = pay(shop, sold["id"], key="pay-1")
    again = pay(shop, sold["id"], key="pay-1")
    assert first.status_code == again.status_code == 200
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert pay(shop, sold["id"], token="tok_slow_settle", key="pay-1").status_code == 409
    charges = [e for e in _ledger(operator, shop.slug) if e["type"] == "charge"]
    assert len(charges) == 1


def test_a_replayed_decline_is_still_a_decline(shop, operator):
    sold = sell(shop)["order"]
    assert pay(shop, sold["id"], token="tok_decline", key="k").status_code == 402
    assert pay(shop, sold["id"], token="tok_decline", key="k").status_code == 402
    assert [e["type"] for e in _ledger(operator, shop.slug)] == ["decline"]


def test_concurrent_reservation_payments_charge_once(shop, operator, app):
    import threading
    sold = sell(shop)["order"]
    statuses, barrier = [], threading.Barrier(4)

    def attempt(index):
        client = app.test_client()
        shop.employee.client = client
        barrier.wait()
        statuses.append(pay(shop, sold["id"], key=f"concurrent-{index}").status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses).count(200) == 1 and set(statuses) <= {200, 409}, statuses
    charges = [e for e in _ledger(operator, shop.slug) if e["type"] == "charge"]
    assert len(charges) == 1
    assert order(shop, sold["id"])["status"] == "factory_ordered"


def test_a_payment_that_read_the_order_before_another_succeeded_charges_nothing(
        shop, operator, app, monkeypatch):
    import threading
    from caas.adapters.sql.payments import PaymentRepository
    sold = sell(shop)["order"]
    first_done = threading.Event()
    start = PaymentRepository.start

    def late_start(self, *args, **kwargs):
        # The late request has read the order (still unpaid) and reaches the payments
        # only once the first request has charged and committed.
        if threading.current_thread().name == "late":
            first_done.wait(10)
        return start(self, *args, **kwargs)
    monkeypatch.setattr(PaymentRepository, "start", late_start)
    statuses = {}

    def late():
        statuses["late"] = pay(shop, sold["id"], key="late")
    thread = threading.Thread(target=late, name="late")
    thread.start()
    statuses["first"] = pay(shop, sold["id"], key="first")
    first_done.set()
    thread.join()
    assert statuses["first"].status_code == 200
    assert statuses["late"].status_code == 409, statuses["late"].json
    charges = [e for e in _ledger(operator, shop.slug)
               if e["type"] == "charge" and e["reference"] == sold["reference"]]
    assert len(charges) == 1


def test_settlement_webhooks_are_recorded_and_a_failure_is_escalated(shop, operator):
    ok, failing = sell(shop)["order"], sell(shop)["order"]
    pay(shop, ok["id"])
    pay(shop, failing["id"], token="tok_settle_fail")
    ids = {e["reference"]: e["payment_id"] for e in _ledger(operator, shop.slug)}
    assert operator.post(f"/sandbox/payments/{ids[ok['reference']]}/settle",
                         json={"outcome": "settled"}).status_code == 200
    assert operator.post(f"/sandbox/payments/{ids[failing['reference']]}/settle",
                         json={"outcome": "failed"}).status_code == 200
    assert order(shop, ok["id"])["payments"][0]["settlement"] == "settled"
    assert order(shop, failing["id"])["payments"][0]["settlement"] == "failed"
    [ticket] = shop.employee.get("/api/v1/support/tickets").json
    assert ticket["kind"] == "payment_settlement_failed"
    assert ticket["order_id"] == failing["id"] and ticket["status"] == "open"


def test_customer_absent_returns_the_vehicle_to_the_dealership_until_pickup(shop, operator, client,
                                                                          mailbox, drain):
    email = customer()["email"]
    transit = to_in_transit(shop, operator, email=email)
    absent = shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery",
                                json={"outcome": "customer_absent"})
    assert absent.json["status"] == "at_dealership"
    drain()
    buyer = customer_login(client, mailbox, shop, email)
    # Not delivered yet: the app cannot be linked.
    refused = buyer.post(f"/api/v1/vehicles/{transit['vin']}/link")
    assert refused.status_code == 409 and refused.json["current_status"] == "at_dealership"
    picked = shop.employee.post(f"/api/v1/orders/{transit['id']}/pickup")
    assert picked.json["status"] == "delivered"
    assert buyer.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 200


def test_one_vehicle_one_account(shop, operator, client, mailbox, drain):
    email = customer()["email"]
    transit = to_in_transit(shop, operator, email=email)
    shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery", json={"outcome": "delivered"})
    other = sell(shop)
    drain()
    owner = customer_login(client, mailbox, shop, email)
    intruder = customer_login(client, mailbox, shop, other["customer"]["email"])
    # Another account cannot bind it, nor learn that it exists.
    assert intruder.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 404
    assert owner.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 200
    assert owner.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 200  # idempotent
    assert intruder.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 404
    assert shop.employee.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 403


def test_final_payment_declined_sends_the_vehicle_to_stock_for_another_order(shop, operator,
                                                                             drain):
    ready = to_vehicle_ready(shop, operator)
    declined = pay(shop, ready["id"], "final", token="tok_decline")
    assert declined.status_code == 402
    assert order(shop, ready["id"])["status"] == "cancelled"
    [stock] = shop.employee.get("/api/v1/stock").json
    assert stock == {**stock, "vin": ready["vin"], "model": MODEL, "status": "unassigned"}

    waiting = sell(shop)["order"]
    assert pay(shop, waiting["id"]).json["status"] == "factory_ordered"
    factory_id = order(shop, waiting["id"])["factory_order_id"]
    assigned = shop.employee.post(f"/api/v1/stock/{ready['vin']}/assign",
                                  json={"order_id": waiting["id"]})
    assert assigned.status_code == 200, assigned.json
    assert assigned.json["status"] == "pending_final_payment"
    assert assigned.json["vin"] == ready["vin"]
    assert shop.employee.get("/api/v1/stock").json == []
    drain()  # the unneeded factory order is cancelled
    factory_orders = {o["orderId"]: o for o in
                      operator.get(f"/sandbox/factory/orders?tenant={shop.slug}").json["orders"]}
    assert factory_orders[factory_id]["status"] == "CANCELLED"
    # The vehicle is sold at last.
    assert pay(shop, waiting["id"], "final").json["status"] == "in_transit"
    # Gone from stock, it cannot be assigned twice.
    again = shop.employee.post(f"/api/v1/stock/{ready['vin']}/assign",
                               json={"order_id": sell(shop)["order"]["id"]})
    assert again.status_code == 404


def test_stock_assignment_needs_a_paid_reservation_and_the_same_model(shop, operator):
    ready = to_vehicle_ready(shop, operator)
    pay(shop, ready["id"], "final", token="tok_decline")
    unpaid = sell(shop)["order"]
    refused = shop.employee.post(f"/api/v1/stock/{ready['vin']}/assign",
                                 json={"order_id": unpaid["id"]})
    assert refused.status_code == 409 and refused.json["current_status"] == "created"
    shop.admin.post("/api/v1/models", json={"code": "grande", "name": "Grande",
                                            "base_price": "50000.00"})
    other_model = shop.employee.post("/api/v1/sales", json={
        "customer": customer(), "model": "grande", "plan": PLAN}).json["order"]
    pay(shop, other_model["id"])
    wrong = shop.employee.post(f"/api/v1/stock/{ready['vin']}/assign",
                               json={"order_id": other_model["id"]})
    assert wrong.status_code == 422
    assert len(shop.employee.get("/api/v1/stock").json) == 1

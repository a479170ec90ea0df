"""Steps of a vehicle sale, through the REST API, shared by the sales tests."""
from __future__ import annotations

import uuid

from tests.support.api import login, password_in

#: A valid customer per bundled country: tax id, phone and address pass its rules.
CUSTOMERS = {
    "ES": {"tax_id": "12345678Z", "phone": "+34 612 345 678", "locale": "es-ES",
           "address": {"street": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013"}},
    "FR": {"tax_id": "732 829 320", "phone": "+33 6 12 34 56 78", "locale": "fr-FR",
           "address": {"street": "1 rue de Rivoli", "city": "Paris", "postal_code": "75001"}},
    "DE": {"tax_id": "36 574 261 809", "phone": "+49 1512 3456789", "locale": "de-DE",
           "address": {"street": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117"}},
    "CH": {"tax_id": "756.1234.5678.97", "phone": "+41 79 123 45 67", "locale": "fr-CH",
           "address": {"street": "Rue du Rhône 1", "city": "Genève", "postal_code": "1204",
                       "canton": "GE"}},
    "IT": {"tax_id": "RCCMNL83S18D969H", "phone": "+39 312 345 6789", "locale": "it-IT",
           "address": {"street": "Via del Corso 1", "city": "Roma", "postal_code": "00186"}},
}
MODEL, PLAN, OPTION = "urbano", "standard", "paint_red"


def customer(country: str = "ES", **overrides) -> dict:
    data = dict(CUSTOMERS[country], name="Ana García",
                email=f"ana-{uuid.uuid4().hex[:8]}@example.test")
    data.update(overrides)
    return data


def set_up_catalog(shop) -> None:
    """A model at 30,000 with a 500 option, and a plan reserving 1,000 (tenant currency)."""
    assert shop.admin.post("/api/v1/models", json={
        "code": MODEL, "name": "Urbano EV", "base_price": "30000.00",
        "options": [{"code": OPTION, "name": "Red paint", "price": "500.00"}]}).status_code == 201
    assert shop.admin.post("/api/v1/plans", json={
        "code": PLAN, "name": "Standard", "reservation": "1000.00"}).status_code == 201


def sell(shop, country: str = "ES", options=(OPTION,), model: str = MODEL,
         **customer_overrides) -> dict:
    response = shop.employee.post("/api/v1/sales", json={
        "customer": customer(country, **customer_overrides), "model": model, "plan": PLAN,
        "options": list(options) if model == MODEL else []})
    assert response.status_code == 201, response.json
    return response.json


def pay(shop, order_id: int, kind: str = "reservation", token: str = "tok_ok", key=None):
    headers = {"Idempotency-Key": key} if key else None
    return shop.employee.post(f"/api/v1/orders/{order_id}/{kind}-payment",
                              json={"card_token": token}, headers=headers)


def advance(operator, factory_order_id: str, to: str | None = None) -> dict:
    response = operator.post(f"/sandbox/factory/orders/{factory_order_id}/advance",
                             json={"to": to} if to else {})
    assert response.status_code == 200, response.json
    return response.json


def order(shop, order_id: int) -> dict:
    response = shop.employee.get(f"/api/v1/orders/{order_id}")
    assert response.status_code == 200, response.json
    return response.json


def to_vehicle_ready(shop, operator, country: str = "ES", **overrides) -> dict:
    """A sold, reserved and manufactured order, waiting for its final payment."""
    sold = sell(shop, country, **overrides)["order"]
    assert pay(shop, sold["id"]).status_code == 200
    placed = order(shop, sold["id"])
    advance(operator, placed["factory_order_id"], "READY")
    ready = order(shop, sold["id"])
    assert ready["status"] == "pending_final_payment", ready
    return ready


def to_in_transit(shop, operator, country: str = "ES", **overrides) -> dict:
    ready = to_vehicle_ready(shop, operator, country, **overrides)
    response = pay(shop, ready["id"], "final")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "in_transit", response.json
    return response.json


def customer_login(client, mailbox, shop, email: str):
    """Sign in with the password of the customer's credentials email (the one naming the address)."""
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    return login(client, email, password_in(message), shop.slug)


def linked_vehicle(shop, operator, client, mailbox, drain, country: str = "ES", **overrides):
    """A delivered vehicle linked to its buyer's app: returns (the buyer's client, the VIN)."""
    email = customer()["email"]
    transit = to_in_transit(shop, operator, country, email=email, **overrides)
    shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery", json={"outcome": "delivered"})
    drain()
    buyer = customer_login(client, mailbox, shop, email)
    assert buyer.post(f"/api/v1/vehicles/{transit['vin']}/link").status_code == 200
    return buyer, transit["vin"]


#: Prices the tests sell the bundled options at, in the tenant currency.
PRICES = {"heated_seats": ("249.00", "one_time"), "extended_range": ("19.90", "monthly"),
          "driving_assistance": ("29.90", "monthly"), "performance_boost": ("99.00", "one_time"),
          "premium_connectivity": ("9.90", "monthly")}


def enable_options(shop) -> None:
    for code, (price, billing) in PRICES.items():
        response = shop.admin.put(f"/api/v1/catalog/options/{code}",
                                  json={"enabled": True, "price": price, "billing": billing})
        assert response.status_code == 200, response.json

"""A customer whose record has something in each part: a delivered vehicle, its contract, an
invoice and the credit note of a withdrawal, notifications; made through the REST API and
the sandboxes, as the billing tests make them."""
from __future__ import annotations

from dataclasses import dataclass

from tests.support.api import Api, password_in
from tests.support.billing import buy_option, shop_with_options
from tests.support.journey import linked_vehicle


@dataclass
class Customer:
    shop: object
    api: Api
    vin: str
    email: str
    password: str


def delivered_customer(shop, operator, client, mailbox, drain, country="ES",
                       **overrides) -> Customer:
    """A customer of ``shop`` with a delivered vehicle linked to their app."""
    api, vin = linked_vehicle(shop, operator, client, mailbox, drain, country, **overrides)
    email = api.get("/api/v1/me").json["email"]
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    return Customer(shop, api, vin, email, password_in(message))


def settle_captures(operator, shop) -> None:
    """The gateway settles the tenant's captured payments, and tells the platform."""
    for entry in operator.get(f"/sandbox/payments/ledger?tenant={shop.slug}").json["entries"]:
        if entry["type"] == "capture":
            assert operator.post(f"/sandbox/payments/{entry['payment_id']}/settle",
                                 json={"outcome": "settled"}).status_code == 200


def invoiced_customer(make_tenant, operator, client, mailbox, drain, country="ES",
                      **overrides) -> Customer:
    """A customer who bought a one-time option (invoiced once its payment settled) and then
    withdrew from it (credited)."""
    shop = shop_with_options(make_tenant, country)
    buyer = delivered_customer(shop, operator, client, mailbox, drain, country, **overrides)
    service_id = buy_option(buyer.api, buyer.vin, "heated_seats")
    drain()
    settle_captures(operator, shop)
    withdrawn = buyer.api.post(f"/api/v1/services/{service_id}/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.json
    drain()
    kinds = sorted(each["kind"] for each in buyer.api.get("/api/v1/invoices").json)
    assert kinds == ["credit_note", "invoice"], kinds
    return buyer

"""Month-end billing through the REST API and the sandboxes: a subscribed customer, the
tenant's clock moved on, the gateway's invoice charges."""
from datetime import datetime, timezone

from tests.support.journey import enable_options, linked_vehicle, set_up_catalog

FEB_10_2028 = datetime(2028, 2, 10, 10, 0, tzinfo=timezone.utc)  # a leap year
MARCH_1_2028 = datetime(2028, 3, 1, 6, 0, tzinfo=timezone.utc)  # February is over in Europe
PREMIUM = "/api/v1/catalog/options/premium_connectivity"


def shop_with_options(make_tenant, country="ES", locales=None):
    made = make_tenant(country, locales)
    set_up_catalog(made)
    enable_options(made)
    return made


def buy_option(buyer, vin, option="extended_range", token="tok_ok"):
    response = buyer.post(f"/api/v1/vehicles/{vin}/services",
                          json={"option": option, "card_token": token})
    assert response.status_code == 202, response.json
    return response.json["id"]


def advance_clock(operator, slug, until):
    response = operator.post(f"/sandbox/clock/{slug}/advance", json={"until": until})
    assert response.status_code == 200, response.json
    return response.json


def month_over(app, shop, until=MARCH_1_2028):
    """The tenant's clock moved on without its own billing job, so that a run started by hand
    (the console's, the command's) is what bills the month."""
    from caas.service_layer import clock
    with app.app_context():
        clock.advance(app.extensions["caas"].for_tenant(shop.tenant), until=until)


def invoice_charges(operator, slug):
    entries = operator.get(f"/sandbox/payments/ledger?tenant={slug}").json["entries"]
    return [e for e in entries if e["reference"].startswith("invoice-") and e["type"] == "charge"]


def subscribed(make_tenant, operator, client, mailbox, drain, country="ES", option="extended_range",
                token="tok_ok", at=FEB_10_2028, set_up=None):
    """A customer's monthly option, activated when the tenant's billing clock says ``at``;
    ``set_up(shop)`` changes the shop first (e.g. its prices)."""
    shop = shop_with_options(make_tenant, country)
    if set_up:
        set_up(shop)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain, country)
    advance_clock(operator, shop.slug, at.isoformat())
    service_id = buy_option(buyer, vin, option, token)
    drain()
    assert buyer.get(f"/api/v1/services/{service_id}").json["status"] == "active"
    return shop, buyer, vin, service_id


def buyer_email(buyer):
    return buyer.get("/api/v1/me").json["email"]


def usage_pricing(usage_price, included, price="9.90"):
    """A ``set_up`` of the shop: premium connectivity with usage pricing."""
    def set_up(shop):
        response = shop.admin.put(PREMIUM, json={
            "enabled": True, "price": price, "billing": "monthly", "usage_price": usage_price,
            "included": included})
        assert response.status_code == 200, response.json
    return set_up

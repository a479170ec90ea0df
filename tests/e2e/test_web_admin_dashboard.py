"""The admin console's dashboard through the Flask test client: its tables say what happened
(a sale journey, activations that succeed and fail, a month-end run and a refused charge),
its charts are SVG drawn on the server with nothing from elsewhere, and only admins see it."""
from __future__ import annotations

import re

import pytest

from caas.i18n import LazyText
from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.billing import advance_clock, subscribed
from tests.support.journey import linked_vehicle, pay, sell
from tests.support.web import sign_in


def es(msgid: str, **values) -> str:
    return LazyText(msgid, **values).render("es-ES")


def dashboard(app, shop, query: str = "", status: int = 200) -> str:
    client = app.test_client()
    assert sign_in(client, shop.slug, f"admin@{shop.slug}.test", ADMIN_PASSWORD).status_code == 303
    response = client.get(f"/t/{shop.slug}/admin{query}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def figure(html: str, name: str, period: str | None = None) -> str:
    """The text of the cell of ``name`` (and month ``period``), spaces made plain."""
    where = f' data-period="{period}"' if period else ""
    found = re.findall(rf'<(?:td|dd){where} data-figure="{name}">([^<]*)<', html)
    assert len(found) == 1, (name, period, found)
    return found[0].replace("\xa0", " ").replace("\u202f", " ")


def _ota(shop, max_attempts: int):
    assert shop.admin.put("/api/v1/settings/ota", json={
        "max_attempts": max_attempts, "backoff_seconds": 0.05,
        "command_timeout_seconds": 0.3}).status_code == 200


def _buy(buyer, vin, option):
    bought = buyer.post(f"/api/v1/vehicles/{vin}/services",
                        json={"option": option, "card_token": "tok_ok"})
    assert bought.status_code == 202, bought.json
    return bought.json["id"]


def test_the_tables_count_what_a_sale_and_its_activations_did(app, shop, operator, client,
                                                               mailbox, drain):
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain)
    sell(shop)  # left unpaid
    reserved = sell(shop)["order"]
    assert pay(shop, reserved["id"]).status_code == 200
    _ota(shop, max_attempts=1)
    _buy(buyer, vin, "extended_range")  # monthly, 19.90
    drain()
    app.extensions["caas_sandboxes"].iot.set_behaviour(vin, "fail")
    _buy(buyer, vin, "heated_seats")
    drain()
    html = dashboard(app, shop)
    period = _this_month(html)
    assert figure(html, "orders-operational") == "1"
    assert figure(html, "orders-created") == "1"
    assert figure(html, "orders-factory_ordered") == "1"
    assert figure(html, "orders-cancelled") == "0"
    assert figure(html, "delivery-count") == "1"
    assert figure(html, "activated", period) == "1"
    assert figure(html, "activation-failed", period) == "1"
    assert figure(html, "success-rate", period) == "50 %"
    assert figure(html, "activation_times-count") == "1"
    assert figure(html, "failures-vehicle_failed") == "1"
    assert figure(html, "mrr", period) == "19,90 €"
    assert figure(html, "new", period) == "19,90 €"
    assert figure(html, "churned", period) == "0,00 €"
    assert figure(html, "invoiced", period) == "0,00 €"
    assert es("Monthly recurring revenue") in html and es("Orders by status") in html


def billed_february(app, shop, operator, billing_drain) -> str:
    """The dashboard's last three months once the month-end run of March 1st, 2028 is done."""
    advance_clock(operator, shop.slug, "2028-03-01T06:00:00+01:00")
    billing_drain()
    return dashboard(app, shop, "?months=3")


def _this_month(html: str) -> str:
    """The last month the page covers (the current one)."""
    return re.findall(r'data-period="(\d{4}-\d\d)" data-figure="mrr"', html)[-1]


def test_a_month_end_run_shows_as_invoiced_and_paid(app, make_tenant, operator, client,
                                                    mailbox, drain, billing_drain):
    shop, *_ = subscribed(make_tenant, operator, client, mailbox, drain)
    before = dashboard(app, shop, "?months=3")
    assert figure(before, "mrr", "2028-02") == "19,90 €"
    assert figure(before, "invoiced", "2028-02") == "0,00 €"
    after = billed_february(app, shop, operator, billing_drain)
    # 20 of February's 29 days: 13.72, charged at once.
    assert figure(after, "invoiced", "2028-02") == "13,72 €"
    assert figure(after, "paid", "2028-02") == "13,72 €"
    assert figure(after, "mrr", "2028-03") == "19,90 €"
    assert figure(after, "new", "2028-03") == "0,00 €"
    assert figure(after, "charges-failed", "2028-03") == "0"


def test_a_refused_month_end_charge_is_counted_and_its_subscription_churns(
        app, make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, *_ = subscribed(make_tenant, operator, client, mailbox, drain,
                          token="tok_charge_decline")
    html = billed_february(app, shop, operator, billing_drain)
    assert figure(html, "charges-failed-amount", "2028-03") == "13,72 €"
    assert figure(html, "charges-unconfirmed", "2028-03") == "0"
    assert figure(html, "mrr", "2028-02") == "19,90 €"
    assert figure(html, "churned", "2028-03") == "19,90 €"
    assert figure(html, "mrr", "2028-03") == "0,00 €"
    assert figure(html, "paid", "2028-02") == "0,00 €"


def test_the_charts_are_svg_with_nothing_from_elsewhere(app, shop):
    html = dashboard(app, shop)
    drawings = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(drawings) >= 6
    for drawing in drawings:
        assert "href" not in drawing and "url(" not in drawing and "<script" not in drawing
        assert set(re.findall(r"https?://[^\s\"']+", drawing)) <= {"http://www.w3.org/2000/svg"}
    assert all('role="img"' in drawing and "<title>" in drawing for drawing in drawings
               if 'viewBox="0 0 16 16"' not in drawing)


def test_a_range_not_offered_is_said_beside_the_choice(app, shop):
    html = dashboard(app, shop, "?months=7", status=422)
    assert es("Choose one of the ranges offered.") in html
    assert 'aria-invalid="true"' in html
    assert len(re.findall(r'data-figure="mrr"', dashboard(app, shop, "?months=12"))) == 12


@pytest.mark.parametrize("role", ["employee", "customer"])
def test_only_admins_see_the_dashboard(app, shop, operator, client, mailbox, drain, role):
    page = app.test_client()
    if role == "employee":
        email, password = f"employee@{shop.slug}.test", ADMIN_PASSWORD
    else:
        email = "dash-customer@example.test"
        sell(shop, email=email)
        drain()
        [message] = [m for m in mailbox.messages(email) if email in m["body"]]
        password = password_in(message)
    assert sign_in(page, shop.slug, email, password).status_code == 303
    assert page.get(f"/t/{shop.slug}/admin").status_code == 403


def test_admins_land_on_the_dashboard_and_see_only_their_tenant(app, shop, make_tenant):
    sell(shop)
    other = make_tenant("ES")
    client = app.test_client()
    landed = sign_in(client, other.slug, f"admin@{other.slug}.test", ADMIN_PASSWORD)
    assert landed.headers["Location"] == f"/t/{other.slug}/admin"
    html = client.get(f"/t/{other.slug}/admin").get_data(as_text=True)
    assert figure(html, "orders-created") == "0"
    assert figure(dashboard(app, shop), "orders-created") == "1"

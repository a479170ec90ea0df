"""Registering a sale: models and plans, the customer's account, the order, its contract."""
from decimal import Decimal

import pytest

from caas.domain.money import Money
from caas.domain.orders import Status
from caas.service_layer import sales
from caas.service_layer.errors import Conflict, Invalid
from caas.service_layer.users import provision_user
from tests.support.fakes import fake_world
from tests.support.fakes.sales import SELLER, buyer, catalog_of_the_shop, sale


@pytest.fixture
def shop(world):
    catalog_of_the_shop(world)
    return world


def test_a_model_is_priced_in_the_tenant_currency_with_its_options(world):
    model = sales.add_model(world.ctx, code="urbano", name="Urbano", base_price=Decimal("29990"),
                            options=[{"code": "paint_red", "name": "Red", "price": Decimal("590")}])
    assert model["base_price"] == Money(Decimal("29990"), "EUR")
    assert model["options"][0]["price"] == Money(Decimal("590"), "EUR")
    [entry] = world.audit("model.created")
    assert entry["after"]["options"] == ["paint_red"]


def test_a_swiss_model_is_priced_in_francs():
    world = fake_world("CH")
    model = sales.add_model(world.ctx, code="urbano", name="Urbano", base_price=Decimal("31000"),
                            options=[])
    assert model["base_price"].currency == "CHF"


def test_a_model_code_is_taken_once(shop):
    with pytest.raises(Conflict):
        sales.add_model(shop.ctx, code="urbano", name="Again", base_price=Decimal("1"), options=[])
    assert len(shop.audit("model.created")) == 1


def test_repeated_option_codes_are_invalid(world):
    option = {"code": "paint_red", "name": "Red", "price": Decimal("590")}
    with pytest.raises(Invalid) as refused:
        sales.add_model(world.ctx, code="urbano", name="Urbano", base_price=Decimal("1"),
                        options=[option, option])
    assert "options" in refused.value.errors
    assert world.rows("catalog") == []


def test_a_plan_code_is_taken_once(shop):
    with pytest.raises(Conflict):
        sales.add_plan(shop.ctx, code="standard", name="Again", reservation=Decimal("1"))


def test_models_and_plans_are_listed_by_code(shop):
    sales.add_model(shop.ctx, code="familiar", name="Familiar", base_price=Decimal("35000"),
                    options=[])
    models, total = sales.models_page(shop.ctx, 0, 10)
    assert [model["code"] for model in models] == ["familiar", "urbano"] and total == 2
    plans, total = sales.plans_page(shop.ctx, 0, 10)
    assert [plan["code"] for plan in plans] == ["standard"] and total == 1


def test_a_sale_creates_the_order_at_the_price_of_the_model_and_options(shop):
    order, customer = sale(shop)
    assert order.status is Status.CREATED
    assert order.price == Money(Decimal("30580"), "EUR")
    assert order.reservation == Money(Decimal("500"), "EUR")
    assert order.final_amount == Money(Decimal("30080"), "EUR")
    assert order.created_by == SELLER.id and order.reference.startswith("ORD-")
    assert customer["created"] is True


def test_a_sale_without_options_costs_the_base_price(shop):
    order, _ = sale(shop, options=())
    assert order.price == Money(Decimal("29990"), "EUR")


def test_a_new_customer_gets_an_account_and_credentials_by_email_only(shop):
    _, customer = sale(shop)
    [notice] = [row for row in shop.rows("notifications")
                if row["event"] == "credentials_generated"]
    assert notice["channel"] == "email" and notice["destination"] == customer["email"]
    [job] = [payload for payload in shop.jobs_of("deliver_notification")
             if "secrets" in payload]
    assert job["notification_id"] and job["secrets"]["password"]


def test_the_customer_profile_keeps_the_normalised_phone_and_tax_id(shop):
    _, customer = sale(shop, buyer("ES", phone="612 345 678", tax_id="12345678z"))
    [profile] = shop.rows("customers")
    assert profile["phone"] == "+34612345678" and profile["tax_id"] == "12345678Z"


def test_a_returning_customer_is_reused_and_gets_no_new_credentials(shop):
    customer = buyer()
    sale(shop, customer)
    credentials = len(shop.jobs_of("deliver_notification"))
    _, again = sale(shop, dict(customer, name="Someone Else"))
    assert again["created"] is False and again["name"] == "Ana García"
    assert len(shop.rows("users")) == 1
    assert not [row for row in shop.rows("notifications")[credentials:]
                if row["event"] == "credentials_generated"]


def test_a_staff_email_cannot_buy(shop):
    provision_user(shop.ctx, email="clerk@shop.test", role="employee", name="Clerk")
    with pytest.raises(Conflict):
        sale(shop, buyer(email="clerk@shop.test"))
    assert shop.rows("orders") == []


@pytest.mark.parametrize("field, value", [("tax_id", "123"), ("phone", "12"),
                                          ("locale", "ja-JP")])
def test_customer_fields_the_country_rejects_are_invalid(shop, field, value):
    with pytest.raises(Invalid) as refused:
        sale(shop, buyer(**{field: value}))
    assert field in refused.value.errors["customer"]
    assert shop.rows("orders") == [] and shop.rows("users") == []


def test_an_unknown_model_plan_or_option_is_invalid(shop):
    with pytest.raises(Invalid) as refused:
        sale(shop, model="cohete", plan="gratis")
    assert {"model", "plan"} <= set(refused.value.errors)
    with pytest.raises(Invalid) as refused:
        sale(shop, options=["wings"])
    assert "options" in refused.value.errors


def test_a_reservation_above_the_price_is_invalid(shop):
    sales.add_plan(shop.ctx, code="huge", name="Huge", reservation=Decimal("99999"))
    with pytest.raises(Invalid) as refused:
        sale(shop, plan="huge")
    assert "plan" in refused.value.errors


def test_a_sale_writes_its_contract_in_the_customers_language(shop):
    order, _ = sale(shop)
    [contract] = shop.rows("documents")
    assert contract["kind"] == "contract" and contract["order_id"] == order.id
    text = contract["content"].decode()
    assert order.reference in text and "Urbano" in text and "30.080" in text


def test_a_sale_is_audited_and_tells_the_plugins(shop):
    order, _ = sale(shop)
    [created] = shop.audit("order.created")
    assert created["after"]["price"]["amount"] == "30580.00"
    assert created["actor_role"] == "system"  # no request: the unit of work's actor
    events = [payload["kwargs"] for payload in shop.jobs_of("plugin_event")
              if payload["hook"] == "order_status_changed"]
    assert events == [{"tenant": shop.tenant.slug, "order_id": order.id, "old_status": None,
                       "new_status": "created"}]


def test_a_sale_sends_its_jobs_once_committed(shop):
    sent_before = len(shop.jobs.sent)
    sale(shop)
    ids = [outbox_id for batch, _ in shop.jobs.sent[sent_before:] for outbox_id in batch]
    assert ids and set(ids) <= set(shop.store.table("outbox").rows)


def test_a_refused_sale_sends_no_job(shop):
    sent_before = len(shop.jobs.sent)
    with pytest.raises(Invalid):
        sale(shop, buyer(tax_id="nope"))
    assert shop.jobs.sent[sent_before:] == []


def test_a_customer_sees_only_their_orders(shop):
    mine, me = sale(shop)
    sale(shop)
    orders, total = sales.order_page(shop.ctx, 0, 10, customer_id=me["id"])
    assert total == 1 and orders[0]["id"] == mine.id


def test_staff_see_every_order_newest_first_with_its_history(shop):
    first, _ = sale(shop)
    second, _ = sale(shop)
    orders, total = sales.order_page(shop.ctx, 0, 10)
    assert [order["id"] for order in orders] == [second.id, first.id] and total == 2
    assert orders[0]["status"] == "created" and orders[0]["payments"] == []
    assert orders[0]["history"] == []  # a new order has made no transition yet


def test_orders_are_filtered_by_status(shop):
    sale(shop)
    assert sales.order_page(shop.ctx, 0, 10, status="delivered") == ([], 0)


def test_the_seller_of_an_order_is_named_by_email(shop):
    from caas.context import Actor
    seller = provision_user(shop.ctx, email="eva@shop.test", role="employee", name="Eva",
                            password="a-long-password-1")
    order, _ = sales.register_sale(shop.ctx, Actor(role="employee", id=seller.id,
                                                   email=seller.email),
                                   customer=buyer(shop.tenant.country), model="urbano",
                                   plan="standard", options=[])
    view = sales.order_view(shop.ctx, order.id)
    assert sales.seller_email(shop.ctx, view) == "eva@shop.test"
    assert sales.seller_email(shop.ctx, dict(view, created_by=None)) is None

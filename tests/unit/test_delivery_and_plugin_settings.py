"""After registration: delivery, pickup, stock vehicles, the app link; and plugin settings."""
import pytest

from caas.domain.countries import RegistrationResult
from caas.domain.orders import Status, Vehicle
from caas.service_layer import delivery, payments, plugin_settings, registration
from caas.service_layer.errors import Conflict, Invalid, NotFound
from tests.support.fakes import fake_world
from tests.support.fakes.sales import (catalog_of_the_shop, order_status,
                                       ready_for_final_payment, sale)


@pytest.fixture
def shop(world):
    catalog_of_the_shop(world)
    return world


@pytest.fixture
def in_transit(shop):
    """(order, customer, vin) of a paid, registered vehicle on its way."""
    order, customer, vin = ready_for_final_payment(shop)
    shop.gateways.registration_body.will("register", RegistrationResult("1234 BCD", "DGT-1"))
    payments.pay_final(shop.ctx, order.id, "tok_ok")
    return order, customer, vin


def test_a_delivered_vehicle_is_the_customers(shop, in_transit):
    order, _, vin = in_transit
    delivery.record_delivery(shop.ctx, order.id, "delivered")
    assert order_status(shop, order.id) is Status.DELIVERED
    with shop.ctx.reader() as uow:
        assert uow.vehicles.get(vin).status == "delivered"
    [entry] = shop.audit("order.delivery")
    assert entry["after"]["outcome"] == "delivered"


def test_an_absent_customer_collects_the_vehicle_at_the_dealership(shop, in_transit):
    order, _, _ = in_transit
    delivery.record_delivery(shop.ctx, order.id, "customer_absent")
    assert order_status(shop, order.id) is Status.AT_DEALERSHIP
    delivery.record_pickup(shop.ctx, order.id)
    assert order_status(shop, order.id) is Status.DELIVERED


def test_a_pickup_needs_the_vehicle_at_the_dealership(shop, in_transit):
    order, _, _ = in_transit
    with pytest.raises(Conflict):
        delivery.record_pickup(shop.ctx, order.id)


def test_the_buyer_links_the_app_once_delivered(shop, in_transit):
    order, customer, vin = in_transit
    with pytest.raises(Conflict):
        delivery.link_vehicle(shop.ctx, customer["id"], vin)  # still in transit
    delivery.record_delivery(shop.ctx, order.id, "delivered")
    linked = delivery.link_vehicle(shop.ctx, customer["id"], vin)
    assert linked.linked_user_id == customer["id"]
    assert order_status(shop, order.id) is Status.OPERATIONAL
    assert len(shop.audit("vehicle.linked")) == 1
    delivery.link_vehicle(shop.ctx, customer["id"], vin)  # again: nothing changes
    assert len(shop.audit("vehicle.linked")) == 1


def test_someone_elses_vehicle_is_not_found(shop, in_transit):
    order, customer, vin = in_transit
    delivery.record_delivery(shop.ctx, order.id, "delivered")
    with pytest.raises(NotFound):
        delivery.link_vehicle(shop.ctx, customer["id"] + 100, vin)


def stock_vehicle(world, vin="VSTOCK0000000001", model="urbano"):
    with world.ctx.uow() as uow:
        uow.vehicles.add(Vehicle(vin=vin, model=model, status=Vehicle.UNASSIGNED))
        uow.commit()
    return vin


def test_a_stock_vehicle_goes_to_a_waiting_order_and_its_factory_order_is_cancelled(shop):
    order, _ = sale(shop)
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    vin = stock_vehicle(shop)
    delivery.assign_stock(shop.ctx, vin, order.id)
    with shop.ctx.reader() as uow:
        stored = uow.orders.get(order.id)
    assert stored.status is Status.PENDING_FINAL_PAYMENT and stored.vin == vin
    assert shop.jobs_of("cancel_factory_order") == [
        {"factory_order_id": stored.factory_order_id}]
    assert delivery.stock_page(shop.ctx, 0, 10) == ([], 0)


def test_a_stock_vehicle_of_another_model_is_refused(shop):
    order, _ = sale(shop)
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    vin = stock_vehicle(shop, model="familiar")
    with pytest.raises(Invalid):
        delivery.assign_stock(shop.ctx, vin, order.id)
    assert [v.vin for v in delivery.stock_page(shop.ctx, 0, 10)[0]] == [vin]


def test_a_vehicle_not_in_stock_is_not_found(shop):
    order, _ = sale(shop)
    with pytest.raises(NotFound):
        delivery.assign_stock(shop.ctx, "VNOPE", order.id)


def test_staff_retry_a_registration_only_while_it_is_pending(shop, in_transit):
    order, _, _ = in_transit
    with pytest.raises(Conflict):
        registration.retry(shop.ctx, order.id)


# --- plugin settings ---------------------------------------------------------------------

@pytest.fixture
def italy():
    return fake_world("IT")


def test_a_plugins_settings_start_unset(italy):
    assert plugin_settings.read(italy.ctx, "it") == {
        "plugin": "it", "settings": {}, "secrets": {"credentials": False}}


def test_a_secret_is_stored_never_shown_and_masked_in_the_audit(italy):
    view = plugin_settings.replace(italy.ctx, "it", {"credentials": "sta-token-123"})
    assert view["secrets"] == {"credentials": True} and "credentials" not in view["settings"]
    assert plugin_settings.stored(italy.ctx, "it") == {"credentials": "sta-token-123"}
    [entry] = italy.audit("settings.plugin")
    assert entry["after"] == {"credentials": plugin_settings.MASK}


def test_a_secret_left_out_keeps_its_value(italy):
    plugin_settings.replace(italy.ctx, "it", {"credentials": "sta-token-123"})
    plugin_settings.replace(italy.ctx, "it", {})
    assert plugin_settings.stored(italy.ctx, "it") == {"credentials": "sta-token-123"}


def test_settings_the_schema_refuses_are_invalid_and_not_stored(italy):
    with pytest.raises(Invalid) as refused:
        plugin_settings.replace(italy.ctx, "it", {"credentials": "short"})
    assert "credentials" in refused.value.errors
    assert plugin_settings.stored(italy.ctx, "it") == {}


def test_a_secret_sent_as_none_is_cleared_unless_required(italy):
    plugin_settings.replace(italy.ctx, "it", {"credentials": "sta-token-123"})
    view = plugin_settings.replace(italy.ctx, "it", {"credentials": None})
    assert view["secrets"] == {"credentials": False}
    assert plugin_settings.stored(italy.ctx, "it") == {}
    [_, entry] = italy.audit("settings.plugin")
    assert entry["before"] == {"credentials": plugin_settings.MASK} and entry["after"] == {}


def test_the_plugins_offered_and_the_fields_they_take(italy, world):
    assert plugin_settings.offered(italy.ctx) == [
        {"plugin": "it", "distribution": italy.ctx.plugins.loaded["it"].distribution}]
    assert plugin_settings.offered(world.ctx) == []
    assert plugin_settings.fields(italy.ctx, "it") == [plugin_settings.SettingField(
        "credentials", "text", required=False, secret=True, label="Credentials",
        description="STA API token (secret)")]


def test_each_field_kind_is_read_from_the_schema(italy, monkeypatch):
    from marshmallow import Schema, fields, validate

    class Every(Schema):
        days = fields.Integer(required=True, metadata={"title": "Days"})
        rate = fields.Decimal()
        on = fields.Boolean()
        mode = fields.String(validate=validate.OneOf(["fast", "slow"]))
        contact = fields.Email()
        hook = fields.Url()
        note = fields.String()
        shown = fields.String(dump_only=True)

    monkeypatch.setitem(italy.ctx.plugins.settings_schemas, "it", Every())
    described = {field.name: field for field in plugin_settings.fields(italy.ctx, "it")}
    assert {name: field.kind for name, field in described.items()} == {
        "days": "integer", "rate": "number", "on": "boolean", "mode": "choice",
        "contact": "email", "hook": "url", "note": "text"}
    assert described["mode"].choices == ("fast", "slow")
    assert described["days"].required and described["days"].label == "Days"


def test_a_country_plugin_has_no_settings_for_another_countrys_tenant(world):
    with pytest.raises(NotFound):
        plugin_settings.read(world.ctx, "it")
    with pytest.raises(NotFound):
        plugin_settings.read(world.ctx, "no-such-plugin")


def test_the_registration_body_is_reached_with_the_tenants_credentials(italy):
    catalog_of_the_shop(italy)
    plugin_settings.replace(italy.ctx, "it", {"credentials": "sta-token-123"})
    order, _, _ = ready_for_final_payment(italy)
    italy.gateways.registration_body.will("register", RegistrationResult("AB 123 CD", "STA-1"))
    payments.pay_final(italy.ctx, order.id, "tok_ok")
    assert italy.gateways.credentials_used == ["sta-token-123"]
    assert order_status(italy, order.id) is Status.IN_TRANSIT


def test_a_stock_vehicle_is_offered_to_the_orders_of_its_model_awaiting_one(shop):
    unpaid, _ = sale(shop)
    first, _ = sale(shop)
    second, _ = sale(shop)
    for paid in (first, second):
        payments.pay_reservation(shop.ctx, paid.id, "tok_ok")
    vin = stock_vehicle(shop)
    [vehicle], _ = delivery.stock_page(shop.ctx, 0, 10)
    assert vehicle.vin == vin and vehicle.updated_at is not None  # in stock since
    waiting = delivery.orders_awaiting(shop.ctx, ["urbano", "familiar"])
    assert [order.id for order in waiting["urbano"]] == [first.id, second.id]
    assert waiting["familiar"] == []
    delivery.assign_stock(shop.ctx, vin, first.id)
    assert [o.id for o in delivery.orders_awaiting(shop.ctx, ["urbano"])["urbano"]] == [second.id]

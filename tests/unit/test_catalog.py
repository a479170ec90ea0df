"""The tenant's option catalog: what admins sell, at what price, and what a vehicle may buy."""
from datetime import timedelta
from decimal import Decimal

import pytest

from caas.domain.money import Money
from caas.domain.orders import Vehicle
from caas.domain.services import Service, ServiceStatus
from caas.service_layer import catalog
from caas.service_layer.errors import Invalid, NotFound
from tests.support.fakes.services import active, owner_with_vehicle
from tests.support.gateway_errors import Maintenance, VssUnavailable

LOCALE = "es-ES"


def sell(world, code, price="19.90", billing="monthly", **usage):
    return catalog.set_option(world.ctx, code, enabled=True, price=price, billing=billing,
                              locale=LOCALE, **usage)


def owned_vehicle(world, vin="VIN0001", model="urbano", owner=7):
    with world.ctx.uow() as uow:
        uow.vehicles.add(Vehicle(vin=vin, model=model, status="delivered", linked_user_id=owner))
        uow.commit()
    return vin


def test_every_loaded_option_is_listed_and_off_until_set(world):
    listed = catalog.admin_catalog(world.ctx, LOCALE)
    assert [item["code"] for item in listed] == sorted(world.ctx.plugins.catalog_options)
    assert all(item["enabled"] is False and item["price"] is None for item in listed)


def test_setting_an_option_sells_it_at_its_price_in_the_tenant_currency(world):
    item = sell(world, "extended_range", "19.90")
    assert item["enabled"] is True and item["billing"] == "monthly"
    assert item["price"] == Money(Decimal("19.90"), "EUR")
    stored = world.rows("catalog_options")[0]
    assert stored["price"] == Money(Decimal("19.90"), "EUR")


def test_setting_an_option_is_audited_with_before_and_after(world):
    sell(world, "extended_range", "19.90")
    sell(world, "extended_range", "24.90")
    first, second = world.audit("catalog.option_set")
    assert first["before"] is None and first["entity_id"] == "extended_range"
    assert second["before"]["price"]["amount"] == "19.90"
    assert second["after"]["price"]["amount"] == "24.90"


def test_an_unknown_option_is_not_found_and_nothing_is_stored(world):
    with pytest.raises(NotFound):
        sell(world, "jetpack")
    assert world.rows("catalog_options") == [] and world.audit() == []


@pytest.mark.parametrize("code, billing", [("heated_seats", "monthly"),
                                           ("extended_range", "one_time"),
                                           ("extended_range", "yearly")])
def test_a_billing_mode_the_option_does_not_offer_is_invalid(world, code, billing):
    with pytest.raises(Invalid) as refused:
        sell(world, code, billing=billing)
    assert "billing" in refused.value.errors
    assert world.rows("catalog_options") == []


@pytest.mark.parametrize("price", ["0", "0.00", "-5"])
def test_an_enabled_option_needs_a_price_above_zero(world, price):
    with pytest.raises(Invalid) as refused:
        sell(world, "extended_range", price)
    assert "price" in refused.value.errors


def test_a_disabled_option_may_have_no_price(world):
    item = catalog.set_option(world.ctx, "extended_range", enabled=False, price="0",
                              billing="monthly", locale=LOCALE)
    assert item["enabled"] is False


def test_usage_pricing_is_kept_with_its_included_quantity(world):
    item = sell(world, "premium_connectivity", "9.90", usage_price="1.99", included="10")
    assert item["usage_price"] == Money(Decimal("1.99"), "EUR")
    assert Decimal(item["included"]) == Decimal("10")


def test_an_included_quantity_without_a_usage_price_is_invalid(world):
    with pytest.raises(Invalid) as refused:
        sell(world, "premium_connectivity", "9.90", included="10")
    assert "included" in refused.value.errors


def test_an_option_without_a_usage_metric_takes_no_usage_price(world):
    with pytest.raises(Invalid) as refused:
        sell(world, "extended_range", "9.90", usage_price="1.00")
    assert "usage_price" in refused.value.errors


@pytest.mark.parametrize("included", ["1.0001", "-5", "lots"])
def test_an_included_quantity_finer_than_the_metric_or_negative_is_invalid(world, included):
    with pytest.raises(Invalid) as refused:
        sell(world, "premium_connectivity", "9.90", usage_price="1.00", included=included)
    assert "included" in refused.value.errors


def test_ota_settings_default_to_the_platform_configuration(world):
    settings = catalog.ota_settings(world.ctx)
    assert settings == {"max_attempts": world.settings["CAAS_OTA_MAX_ATTEMPTS"],
                        "command_timeout_seconds": world.settings["CAAS_OTA_COMMAND_TIMEOUT_SECONDS"],
                        "backoff_seconds": world.settings["CAAS_OTA_BACKOFF_SECONDS"]}


def test_changed_ota_settings_are_read_at_once_despite_the_cache(world):
    catalog.ota_settings(world.ctx)  # cached
    changed = catalog.set_ota_settings(world.ctx, {"max_attempts": 7})
    assert changed["max_attempts"] == 7
    assert catalog.ota_settings(world.ctx)["max_attempts"] == 7
    [entry] = world.audit("settings.ota")
    assert entry["after"] == {"max_attempts": 7}


def test_the_vehicle_catalog_lists_enabled_options_only(world):
    vin = owned_vehicle(world)
    sell(world, "extended_range")
    catalog.set_option(world.ctx, "heated_seats", enabled=False, price="0", billing="one_time",
                       locale=LOCALE)
    assert [item["code"] for item in catalog.vehicle_catalog(world.ctx, vin, 7, LOCALE)] == [
        "extended_range"]


def test_another_customers_vehicle_is_not_found(world):
    vin = owned_vehicle(world, owner=7)
    with pytest.raises(NotFound):
        catalog.vehicle_catalog(world.ctx, vin, 8, LOCALE)


def test_staff_see_any_vehicles_catalog(world):
    vin = owned_vehicle(world, owner=7)
    sell(world, "extended_range")
    assert len(catalog.vehicle_catalog(world.ctx, vin, None, LOCALE)) == 1


def test_an_option_for_other_models_is_blocked_as_incompatible(world):
    vin = owned_vehicle(world, model="deportivo")
    sell(world, "extended_range")
    [item] = catalog.vehicle_catalog(world.ctx, vin, 7, LOCALE)
    assert item["available"] is False and item["reason"] == "incompatible"
    assert item["reason_text"]


def test_a_live_option_is_blocked_as_already_active(world):
    vin = owned_vehicle(world)
    sell(world, "heated_seats", "199", billing="one_time")
    with world.ctx.uow() as uow:
        uow.services.add(Service(customer_id=7, vin=vin, option="heated_seats",
                                 billing="one_time", price=Money(Decimal("199"), "EUR"),
                                 card_token="tok", status=ServiceStatus.ACTIVE))
        uow.commit()
    [item] = catalog.vehicle_catalog(world.ctx, vin, 7, LOCALE)
    assert item["reason"] == "already_active"


def test_overdue_maintenance_blocks_an_option_that_requires_it(world):
    vin = owned_vehicle(world)
    sell(world, "driving_assistance")
    world.gateways.vss.will("maintenance", Maintenance(
        vin=vin, status="overdue", last_service=None, next_due=None, completion_percentage=0,
        history=[]))
    [item] = catalog.vehicle_catalog(world.ctx, vin, 7, LOCALE)
    assert item["reason"] == "maintenance_overdue" and item["maintenance_checked"] is True
    assert world.gateways.vss.called("maintenance") == [{"args": (vin,)}]


def test_with_the_vss_down_a_maintenance_option_is_offered_unchecked(world):
    vin = owned_vehicle(world)
    sell(world, "driving_assistance")
    world.gateways.vss.will("maintenance", VssUnavailable("down"))
    [item] = catalog.vehicle_catalog(world.ctx, vin, 7, LOCALE)
    assert item["available"] is True and item["maintenance_checked"] is False


def test_the_vss_is_not_asked_when_no_option_needs_maintenance(world):
    vin = owned_vehicle(world)
    sell(world, "extended_range")
    catalog.vehicle_catalog(world.ctx, vin, 7, LOCALE)
    assert world.gateways.vss.calls == []


# --- the free trial -------------------------------------------------------------------------

def test_an_option_has_its_plugins_trial_until_the_tenant_sets_one(world):
    plugin_days = world.ctx.plugins.catalog_options["premium_connectivity"].trial_days
    assert sell(world, "premium_connectivity", "9.90")["trial_days"] == plugin_days
    item = sell(world, "premium_connectivity", "9.90", trial_days=30)
    assert item["trial_days"] == 30
    assert sell(world, "extended_range", "19.90", trial_days=0)["trial_days"] == 0
    [audited] = [entry for entry in world.audit("catalog.option_set")
                 if entry["after"]["trial_days"] == 30]
    assert audited["entity_id"] == "premium_connectivity"


def test_a_monthly_subscription_starts_with_the_tenants_trial(world):
    sell(world, "extended_range", "19.90", trial_days=10)
    active(world, owner_with_vehicle(world), "extended_range")
    [subscription] = world.rows("subscriptions")
    assert subscription["trial_ends_at"] == world.clock.now() + timedelta(days=10)


@pytest.mark.parametrize("billing, days", [("one_time", 7), ("monthly", -1),
                                           ("monthly", catalog.MOST_TRIAL_DAYS + 1)])
def test_a_trial_of_a_one_time_option_or_out_of_range_is_invalid(world, billing, days):
    code = "heated_seats" if billing == "one_time" else "extended_range"
    with pytest.raises(Invalid) as refused:
        sell(world, code, "19.90", billing=billing, trial_days=days)
    assert "trial_days" in refused.value.errors
    assert world.rows("catalog_options") == []

"""A new tenant's starter data: its plugins' options at their list prices, and for a demo,
models, plans and an employee; loading it again adds nothing."""
from decimal import Decimal

import pytest

from caas import CatalogOption
from caas.domain.money import Money
from caas.service_layer import catalog
from caas.service_layer.starter import load_starter
from tests.support.fakes import fake_world, plugins

EMPLOYEE = {"email": "seller@shop.test", "password": "employee-pass-1"}


def _sold(world) -> dict:
    return {item["code"]: (item["price"], item["billing"])
            for item in catalog.admin_catalog(world.ctx, world.tenant.default_locale)
            if item["enabled"]}


@pytest.mark.parametrize("country", ["ES", "CH"])
def test_every_option_is_sold_at_its_list_price_in_the_tenant_currency(country):
    world = fake_world(country)
    loaded = load_starter(world.ctx)
    sold = _sold(world)
    assert sorted(sold) == sorted(plugins().catalog_options) == loaded.options
    for code, (price, billing) in sold.items():
        listed = plugins().catalog_options[code].list_price(world.tenant.currency)
        assert price == Money(Decimal(listed["price"]), world.tenant.currency)
        assert billing == listed["billing"]
    assert loaded.unpriced == [] and (loaded.models, loaded.plans) == (0, 0)


def test_usage_pricing_comes_with_the_list_price():
    world = fake_world("ES")
    load_starter(world.ctx)
    [item] = [item for item in catalog.admin_catalog(world.ctx, "es-ES")
              if item["code"] == "premium_connectivity"]
    assert item["usage_price"] == Money(Decimal("1.50"), "EUR")


def test_an_option_without_a_list_price_in_the_currency_is_left_for_the_admin():
    world = fake_world("ES")
    world.tenant.currency = "SEK"
    loaded = load_starter(world.ctx)
    assert loaded.options == [] and loaded.unpriced == sorted(plugins().catalog_options)
    assert _sold(world) == {}


def test_what_the_admin_priced_is_kept(world):
    catalog.set_option(world.ctx, "heated_seats", enabled=False, price="0", billing="one_time",
                       locale="es-ES")
    loaded = load_starter(world.ctx)
    assert "heated_seats" not in loaded.options and "heated_seats" not in _sold(world)


def test_the_demo_adds_models_plans_and_an_employee_once(world):
    loaded = load_starter(world.ctx, demo=True, employee=EMPLOYEE)
    assert (loaded.models, loaded.plans, loaded.employee) == (2, 2, EMPLOYEE["email"])
    assert sorted(key for key in world.store.table("catalog").rows) == [
        ("model", "city"), ("model", "family"), ("plan", "premium"), ("plan", "standard")]
    [employee] = world.rows("users")
    assert (employee.email, employee.role) == (EMPLOYEE["email"], "employee")
    assert world.jobs_of("deliver_notification") == []  # the password was given
    again = load_starter(world.ctx, demo=True, employee=EMPLOYEE)
    assert (again.options, again.models, again.plans, again.employee) == ([], 0, 0, None)
    assert len(world.rows("users")) == 1


def test_a_demo_employee_without_a_password_gets_it_by_email(world):
    load_starter(world.ctx, demo=True, employee={"email": "seller@shop.test"})
    [job] = world.jobs_of("deliver_notification")
    assert job["secrets"]["password"]


def test_without_the_demo_flag_there_are_no_models_plans_or_staff(world):
    load_starter(world.ctx, employee=EMPLOYEE)
    assert world.rows("users") == [] and world.rows("catalog") == []


@pytest.mark.parametrize("prices, problem", [
    ({"eur": {"price": "1.00", "billing": "monthly"}}, "ISO 4217"),
    ({"EUR": {"price": "1.00", "billing": "one_time"}}, "billing"),
    ({"EUR": {"price": "-1", "billing": "monthly"}}, "amount"),
    ({"EUR": {"price": "free", "billing": "monthly"}}, "amount"),
    ({"EUR": {"billing": "monthly"}}, "give the price"),
    ({"EUR": {"price": "1.00", "billing": "monthly", "usage_price": "0.5"}}, "usage metric"),
])
def test_a_list_price_that_cannot_be_sold_refuses_the_option(prices, problem):
    with pytest.raises(ValueError, match=problem):
        CatalogOption(code="x", name="X", billing_modes=("monthly",),
                      activation_payload=dict, deactivation_payload=dict, list_prices=prices)

"""Checking a customer against the country's rules without registering anything (the sale
form shows the verdict beside each field at once)."""
from caas.service_layer import sales
from tests.support.fakes import fake_world
from tests.support.fakes.sales import buyer


def test_a_valid_customer_has_no_errors_and_nothing_is_written(world):
    assert sales.customer_errors(world.ctx, buyer()) == {}
    assert world.rows("users") == [] and world.rows("orders") == []


def test_each_field_the_country_refuses_is_named():
    world = fake_world("CH")
    errors = sales.customer_errors(world.ctx, buyer("CH", tax_id="1234", phone="+41 1",
                                                    address={"street": "Rue 1", "city": "X",
                                                             "postal_code": "1290"}))
    assert set(errors) == {"tax_id", "phone", "address"}
    assert set(errors["address"]) == {"canton"}

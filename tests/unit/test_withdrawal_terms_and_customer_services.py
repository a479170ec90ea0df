"""What the customer's pages read before acting: a withdrawal's terms, and every service of
a customer."""
from datetime import timedelta
from decimal import Decimal

import pytest

from caas.domain import services as rules
from caas.domain.money import Money
from caas.service_layer import service_views, withdrawal
from caas.service_layer.errors import Conflict, NotFound
from tests.support.fakes import fake_world
from tests.support.fakes.services import active, on_sale, owner_with_vehicle, service


@pytest.fixture
def owner(world):
    on_sale(world, "heated_seats", "extended_range")
    return owner_with_vehicle(world)


def test_the_terms_give_the_window_and_the_refund_and_change_nothing(world, owner):
    service_id = active(world, owner, "heated_seats")
    world.clock.advance(days=3)
    terms = withdrawal.terms(world.ctx, owner, service_id)
    bought_on = service(world, service_id).created_at.date()
    assert terms["days"] == 14 and terms["last_day"] == bought_on + timedelta(days=14)
    assert terms["refund"] == Money(Decimal("199.00"), "EUR")
    assert service(world, service_id).status is rules.ServiceStatus.ACTIVE
    assert withdrawal.withdraw(world.ctx, owner, service_id)["refund"]["amount"] == \
        terms["refund"]


def test_the_terms_refuse_as_the_withdrawal_does(world, owner):
    service_id = active(world, owner, "heated_seats")
    world.clock.advance(days=15)
    with pytest.raises(Conflict) as refused:
        withdrawal.terms(world.ctx, owner, service_id)
    assert refused.value.details["reason"] == rules.WINDOW_OVER
    with pytest.raises(NotFound):
        withdrawal.terms(world.ctx, owner + 1, service_id)


def test_switzerlands_terms_are_a_refusal():
    world = fake_world("CH")
    on_sale(world, "heated_seats")
    owner = owner_with_vehicle(world)
    service_id = active(world, owner, "heated_seats")
    with pytest.raises(Conflict) as refused:
        withdrawal.terms(world.ctx, owner, service_id)
    assert refused.value.details["reason"] == rules.NO_RIGHT


def test_a_customers_services_are_theirs_only_newest_first_and_named(world, owner):
    first = active(world, owner, "heated_seats")
    second = active(world, owner, "extended_range")
    other = owner_with_vehicle(world, vin="VSSZZZ6JZ9R000010")
    active(world, other, "heated_seats", vin="VSSZZZ6JZ9R000010")
    listed, total = service_views.customer_services(world.ctx, owner, 0, 10, "es")
    assert total == 2 and [each["id"] for each in listed] == [second, first]
    assert listed[1]["option_name"] == "Asientos calefactados"
    assert service_views.customer_services(world.ctx, owner, 1, 10, "en")[0][0]["id"] == first
    assert service_views.customer_services(world.ctx, owner, 0, 10, "en",
                                           vin="VSSZZZ6JZ9R000010") == ([], 0)

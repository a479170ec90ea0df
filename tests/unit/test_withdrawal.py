"""The customer's right of withdrawal: the country's window, its refund, what is refused."""
from decimal import Decimal

import pytest

from caas.domain import services as rules
from caas.domain.money import Money
from caas.domain.services import ServiceStatus
from caas.service_layer import withdrawal
from caas.service_layer.errors import Conflict, NotFound
from tests.support.fakes import fake_world
from tests.support.fakes.services import active, on_sale, owner_with_vehicle, service


@pytest.fixture
def owner(world):
    on_sale(world, "heated_seats", "performance_boost", "extended_range")
    return owner_with_vehicle(world)


def refunds(world):
    return [job for job in world.jobs_of("service_payment") if job["action"] == "refund"]


@pytest.mark.parametrize("days_later", [0, 1, 13, 14])
def test_within_fourteen_days_the_price_is_refunded_in_full(world, owner, days_later):
    service_id = active(world, owner, "heated_seats")
    world.clock.advance(days=days_later)
    view = withdrawal.withdraw(world.ctx, owner, service_id)
    assert view["status"] == "withdrawn"
    assert view["refund"] == {"status": "pending", "amount": Money(Decimal("199.00"), "EUR")}
    assert refunds(world) == [{"service_id": service_id, "action": "refund",
                               "amount_minor": 19900}]


@pytest.mark.parametrize("days_later", [15, 30])
def test_after_the_window_the_withdrawal_is_refused(world, owner, days_later):
    service_id = active(world, owner, "heated_seats")
    world.clock.advance(days=days_later)
    with pytest.raises(Conflict) as refused:
        withdrawal.withdraw(world.ctx, owner, service_id)
    assert refused.value.details["reason"] == rules.WINDOW_OVER
    assert service(world, service_id).status is ServiceStatus.ACTIVE
    assert refunds(world) == []


def test_the_window_counts_days_in_the_tenants_time_zone(world, owner):
    world.clock.at = world.clock.at.replace(hour=22, minute=30)  # 23:30 in Madrid, day 0
    service_id = active(world, owner, "heated_seats")
    world.clock.advance(days=14, hours=1)  # 00:30 on day 15 in Madrid, still day 14 in UTC
    with pytest.raises(Conflict) as refused:
        withdrawal.withdraw(world.ctx, owner, service_id)
    assert refused.value.details["reason"] == rules.WINDOW_OVER


def test_a_withdrawal_switches_the_option_off_over_the_air(world, owner):
    service_id = active(world, owner, "heated_seats")
    withdrawal.withdraw(world.ctx, owner, service_id)
    assert world.jobs_of("deactivate_service") == [{"service_id": service_id}]
    stored = service(world, service_id)
    assert stored.ended_at == world.clock.now() and stored.live_key is None


def test_a_withdrawal_is_audited_and_the_customer_told(world, owner):
    service_id = active(world, owner, "heated_seats")
    withdrawal.withdraw(world.ctx, owner, service_id)
    [entry] = world.audit("service.withdrawn")
    assert entry["after"]["refund"]["amount"]["amount"] == "199.00"
    assert any(row["context"].get("event") == "service_withdrawn"
               for row in world.rows("notifications"))


def test_a_time_limited_service_lasting_longer_than_the_window_qualifies(world, owner):
    service_id = active(world, owner, "performance_boost")  # 30 days: qualifies
    assert withdrawal.withdraw(world.ctx, owner, service_id)["status"] == "withdrawn"


def test_switzerland_grants_no_right_of_withdrawal():
    world = fake_world("CH")
    on_sale(world, "heated_seats")
    owner = owner_with_vehicle(world)
    service_id = active(world, owner, "heated_seats")
    with pytest.raises(Conflict) as refused:
        withdrawal.withdraw(world.ctx, owner, service_id)
    assert refused.value.details["reason"] == rules.NO_RIGHT


def test_only_an_active_service_is_withdrawn_from(world, owner):
    service_id = active(world, owner, "heated_seats")
    withdrawal.withdraw(world.ctx, owner, service_id)
    with pytest.raises(Conflict) as refused:
        withdrawal.withdraw(world.ctx, owner, service_id)
    assert refused.value.details["reason"] == rules.NOT_ACTIVE
    assert len(refunds(world)) == 1


def test_another_customers_service_is_not_found(world, owner):
    service_id = active(world, owner, "heated_seats")
    with pytest.raises(NotFound):
        withdrawal.withdraw(world.ctx, owner + 1, service_id)


def test_a_subscription_withdrawn_from_ends_at_once(world, owner):
    service_id = active(world, owner, "extended_range")
    world.clock.advance(days=3)
    withdrawal.withdraw(world.ctx, owner, service_id)
    [subscription] = world.rows("subscriptions")
    assert subscription["ended_at"] == world.clock.now()
    assert subscription["end_reason"] == "withdrawn"
    assert refunds(world) == []  # only a hold was taken, and it was released

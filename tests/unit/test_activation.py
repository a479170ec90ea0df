"""Buying a catalog option: the held payment, over-the-air activation, retries, failures."""
from decimal import Decimal

import pytest

from caas.domain.money import Money
from caas.domain.services import ServiceStatus
from caas.service_layer import activation, service_purchase
from caas.service_layer.errors import Conflict, NotFound, PaymentRequired
from tests.support.fakes.services import VIN, active, on_sale, owner_with_vehicle, service
from tests.support.gateway_errors import (Command, CommandFailed, CommandTimedOut, IotRejected,
                                          IotUnavailable, Maintenance, PaymentDeclined,
                                          VehicleStatus)

PENDING = Command(id="cmd", vin=VIN, status="failed", error="actuator fault", created_at=None,
                  completed_at=None)


@pytest.fixture
def owner(world):
    on_sale(world, "heated_seats", "performance_boost", "extended_range", "driving_assistance")
    return owner_with_vehicle(world)


def buy(world, owner, code="heated_seats"):
    return service_purchase.purchase(world.ctx, owner, VIN, code, "tok_ok")


def pay_jobs(world):
    return [(job["service_id"], job["action"]) for job in world.jobs_of("service_payment")]


def test_a_purchase_holds_the_price_and_queues_the_activation(world, owner):
    bought = buy(world, owner)
    assert bought["status"] == "activating"
    [authorization] = world.gateways.payments.called("authorize")
    assert authorization["args"] == (Money(Decimal("199.00"), "EUR"), "tok_ok")
    assert authorization["reference"] == f"service-{bought['id']}"
    assert world.jobs_of("activate_service") == [{"service_id": bought["id"]}]
    assert world.gateways.payments.called("charge") == []  # nothing taken yet


def test_an_option_not_on_sale_is_not_found(world, owner):
    with pytest.raises(NotFound):
        buy(world, owner, "premium_connectivity")


def test_a_vehicle_that_is_not_the_customers_is_not_found(world, owner):
    with pytest.raises(NotFound):
        service_purchase.purchase(world.ctx, owner + 1, VIN, "heated_seats", "tok_ok")


def test_an_incompatible_option_is_refused_with_its_reason(world):
    on_sale(world, "performance_boost")
    owner = owner_with_vehicle(world, model="deportivo")
    with pytest.raises(Conflict) as refused:
        buy(world, owner, "performance_boost")
    assert refused.value.details["reason"] == "incompatible"
    assert world.gateways.payments.calls == []


def test_an_option_is_bought_once_while_live(world, owner):
    buy(world, owner)
    with pytest.raises(Conflict) as refused:
        buy(world, owner)
    assert refused.value.details["reason"] == "already_active"
    assert len(world.gateways.payments.called("authorize")) == 1


def test_overdue_maintenance_blocks_the_purchase(world, owner):
    world.gateways.vss.will("maintenance", Maintenance(
        vin=VIN, status="overdue", last_service=None, next_due=None, completion_percentage=0,
        history=[]))
    with pytest.raises(Conflict) as refused:
        buy(world, owner, "driving_assistance")
    assert refused.value.details["reason"] == "maintenance_overdue"


def test_a_declined_card_ends_the_purchase_holding_nothing(world, owner):
    world.gateways.payments.will("authorize", PaymentDeclined("declined", "card_declined"))
    with pytest.raises(PaymentRequired):
        buy(world, owner)
    [stored] = world.rows("services")
    assert stored.status is ServiceStatus.PAYMENT_FAILED
    assert world.jobs_of("activate_service") == []
    buy(world, owner)  # the option is free to buy again


def test_a_confirmed_activation_captures_a_one_time_price(world, owner):
    service_id = active(world, owner, "heated_seats")
    stored = service(world, service_id)
    assert stored.status is ServiceStatus.ACTIVE and stored.activated_at == world.clock.now()
    assert stored.payment_status == "capturing"
    assert pay_jobs(world) == [(service_id, "capture")]
    [command] = world.gateways.iot.called("run")
    assert command["args"][0] == VIN


def test_a_time_limited_option_expires_after_its_days(world, owner):
    from datetime import timedelta
    stored = service(world, active(world, owner, "performance_boost"))
    assert stored.expires_at == world.clock.now() + timedelta(days=30)


def test_a_monthly_option_starts_its_subscription_and_releases_the_hold(world, owner):
    service_id = active(world, owner, "extended_range")
    [subscription] = world.rows("subscriptions")
    assert subscription["service_id"] == service_id
    assert subscription["started_at"] == world.clock.now()
    assert pay_jobs(world) == [(service_id, "void")]


def test_the_customer_is_told_the_option_is_on(world, owner):
    service_id = active(world, owner, "heated_seats")
    notices = [row for row in world.rows("notifications") if row["service_id"] == service_id]
    assert notices and all(row["context"]["event"] == "service_active" for row in notices)


@pytest.mark.parametrize("failure", [CommandFailed(PENDING), CommandTimedOut(PENDING, 30),
                                     IotUnavailable("vehicle offline", "vehicle_offline")])
def test_a_failed_attempt_is_retried_later(world, owner, failure):
    bought = buy(world, owner)
    world.gateways.iot.will("run", failure)
    activation.run_attempt(world.ctx, bought["id"])
    stored = service(world, bought["id"])
    assert stored.status is ServiceStatus.ACTIVATING and stored.attempts == 1
    assert stored.last_error
    [(service_id, delay)] = world.jobs.activations
    assert service_id == bought["id"] and delay > 0


def test_after_its_last_attempt_the_activation_fails_and_nothing_is_charged(world, owner):
    bought = buy(world, owner)
    world.gateways.iot.will("run", *[CommandFailed(PENDING)] * stored_attempts(world, bought))
    for _ in range(stored_attempts(world, bought)):
        activation.run_attempt(world.ctx, bought["id"])
        world.clock.advance(hours=1)
        force_due(world, bought["id"])
    stored = service(world, bought["id"])
    assert stored.status is ServiceStatus.FAILED and stored.payment_status == "releasing"
    assert pay_jobs(world) == [(bought["id"], "void")]
    [ticket] = world.rows("support_tickets")
    assert ticket.kind == "ota_failed" and ticket.service_id == bought["id"]


def test_a_refusal_by_the_iot_api_fails_at_once(world, owner):
    bought = buy(world, owner)
    world.gateways.iot.will("run", IotRejected("unknown vehicle"))
    activation.run_attempt(world.ctx, bought["id"])
    assert service(world, bought["id"]).status is ServiceStatus.FAILED
    assert len(world.gateways.iot.called("run")) == 1


def test_an_option_found_applied_after_all_counts_as_delivered(world, owner):
    bought = buy(world, owner)
    applied = world.ctx.plugins.option("heated_seats").activation_payload(VIN)
    world.gateways.iot.will("run", IotRejected("busy"))
    world.gateways.iot.will("vehicle_status", VehicleStatus(
        vin=VIN, online=True, configuration=dict(applied), last_seen=None, firmware="1",
        last_error=None))
    activation.run_attempt(world.ctx, bought["id"])
    assert service(world, bought["id"]).status is ServiceStatus.ACTIVE
    assert pay_jobs(world) == [(bought["id"], "capture")]


def stored_attempts(world, bought) -> int:
    return service(world, bought["id"]).max_attempts


def force_due(world, service_id) -> None:
    """The retry's delay has passed (activation schedules by the real time)."""
    with world.ctx.uow() as uow:
        stored = uow.services.get(service_id)
        stored.next_attempt_at = None
        uow.services.save(stored)
        uow.commit()

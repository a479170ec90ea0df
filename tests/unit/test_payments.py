"""Paying for a vehicle: the reservation, the final payment, declines and lost answers."""
from decimal import Decimal

import pytest

from caas.domain.countries import RegistrationError, RegistrationResult
from caas.domain.money import Money
from caas.domain.orders import Status
from caas.service_layer import payments
from caas.service_layer.errors import Conflict, PaymentRequired, Unavailable
from tests.support.fakes.sales import (catalog_of_the_shop, order_status, ready_for_final_payment,
                                       sale)
from tests.support.gateway_errors import (FactoryRejected, FactoryUnavailable, KeyOutcome,
                                          PaymentDeclined, PaymentOutcomeUnknown,
                                          PaymentUnavailable)

PLATE = RegistrationResult(plate="1234 BCD", reference="DGT-1")


@pytest.fixture
def shop(world):
    catalog_of_the_shop(world)
    return world


@pytest.fixture
def order(shop):
    return sale(shop)[0]


def attempts(world):
    return world.rows("payments")


def test_a_paid_reservation_orders_the_vehicle_from_the_factory(shop, order):
    assert payments.pay_reservation(shop.ctx, order.id, "tok_ok") == "succeeded"
    [charge] = shop.gateways.payments.called("charge")
    assert charge["args"] == (Money(Decimal("500.00"), "EUR"), "tok_ok")
    assert charge["idempotency_key"] == f"{shop.tenant.slug}:{order.reference}:reservation:1"
    [placed] = shop.gateways.factory.called("place_order")
    assert placed["reference"] == order.reference and placed["options"] == ["paint_red"]
    assert order_status(shop, order.id) is Status.FACTORY_ORDERED
    [attempt] = attempts(shop)
    assert attempt["status"] == "succeeded" and attempt["gateway_payment_id"]


def test_the_placement_job_is_done_once_the_factory_took_the_order(shop, order):
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    [job] = [row for row in shop.rows("outbox") if row["task"] == "place_factory_order"]
    assert job["processed"] is True and job["held"] is True


def test_a_reservation_is_paid_once(shop, order):
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    with pytest.raises(Conflict):
        payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    assert len(shop.gateways.payments.called("charge")) == 1


def test_a_declined_reservation_changes_nothing_and_can_be_tried_again(shop, order):
    shop.gateways.payments.will("charge", PaymentDeclined("card declined", "card_declined"))
    with pytest.raises(PaymentRequired):
        payments.pay_reservation(shop.ctx, order.id, "tok_bad")
    assert order_status(shop, order.id) is Status.CREATED
    assert [attempt["status"] for attempt in attempts(shop)] == ["declined"]
    assert shop.gateways.factory.calls == []
    assert payments.pay_reservation(shop.ctx, order.id, "tok_ok") == "succeeded"
    assert [attempt["attempt"] for attempt in attempts(shop)] == [1, 2]


def test_a_decline_is_audited_with_the_attempt(shop, order):
    shop.gateways.payments.will("charge", PaymentDeclined("card declined", "card_declined"))
    with pytest.raises(PaymentRequired):
        payments.pay_reservation(shop.ctx, order.id, "tok_bad")
    [entry] = shop.audit("payment.declined")
    assert entry["after"]["amount"]["amount"] == "500.00" and entry["entity_id"] == str(order.id)


def test_a_gateway_that_did_not_act_is_unavailable_and_charged_nothing(shop, order):
    shop.gateways.payments.will("charge", PaymentUnavailable("down", confirmed=True))
    with pytest.raises(Unavailable):
        payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    assert [attempt["status"] for attempt in attempts(shop)] == ["failed"]
    assert order_status(shop, order.id) is Status.CREATED


def test_a_lost_answer_leaves_the_outcome_unknown_not_failed(shop, order):
    shop.gateways.payments.will("charge", PaymentOutcomeUnknown("timeout"))
    assert payments.pay_reservation(shop.ctx, order.id, "tok_ok") == "unknown"
    assert [attempt["status"] for attempt in attempts(shop)] == ["unknown"]
    assert order_status(shop, order.id) is Status.CREATED


def test_a_retry_after_a_lost_answer_sends_the_same_key_again(shop, order):
    shop.gateways.payments.will("charge", PaymentOutcomeUnknown("timeout"))
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    assert payments.pay_reservation(shop.ctx, order.id, "tok_ok") == "succeeded"
    first, second = shop.gateways.payments.called("charge")
    assert first["idempotency_key"] == second["idempotency_key"]
    assert len(attempts(shop)) == 1 and order_status(shop, order.id) is Status.FACTORY_ORDERED


def test_the_gateways_record_of_the_key_decides_a_lost_answer(shop, order):
    shop.gateways.payments.will("charge", PaymentOutcomeUnknown("timeout"))
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    shop.gateways.payments.will("lookup", KeyOutcome("charge", 201, {
        "id": "pay_kept", "status": "succeeded", "amount": "500.00", "currency": "EUR",
        "captured_amount": "500.00", "refunded_amount": "0.00", "settlement": "pending",
        "reference": order.reference}))
    assert payments.reconcile(shop.ctx) == 1
    [attempt] = attempts(shop)
    assert attempt["status"] == "succeeded" and attempt["gateway_payment_id"] == "pay_kept"
    assert len(shop.gateways.payments.called("charge")) == 1  # never charged twice
    assert order_status(shop, order.id) is Status.FACTORY_ORDERED


def test_a_key_the_gateway_never_saw_fails_once_the_grace_is_over(shop, order):
    shop.gateways.payments.will("charge", PaymentOutcomeUnknown("timeout"))
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    assert payments.reconcile(shop.ctx) == 1
    assert attempts(shop)[0]["status"] == "unknown"  # still within the grace
    shop.clock.advance(seconds=shop.settings["CAAS_PAYMENT_LOOKUP_GRACE_SECONDS"] + 1)
    payments.reconcile(shop.ctx)
    assert attempts(shop)[0]["status"] == "failed"
    assert order_status(shop, order.id) is Status.CREATED


def test_a_factory_outage_queues_the_order_and_tells_the_customer(shop, order):
    shop.gateways.factory.will("place_order", FactoryUnavailable("down"))
    assert payments.pay_reservation(shop.ctx, order.id, "tok_ok") == "succeeded"
    assert order_status(shop, order.id) is Status.RESERVED
    [job] = [key for key, row in shop.store.table("outbox").rows.items()
             if row["task"] == "place_factory_order"]
    assert ([job], shop.jobs.retry_delay(1)) in shop.jobs.sent
    assert any(row["context"].get("event") == "factory_delayed"
               for row in shop.rows("notifications"))


def test_a_factory_refusal_opens_a_ticket_for_staff(shop, order):
    shop.gateways.factory.will("place_order", FactoryRejected(422, "invalid_request", "bad"))
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    [ticket] = shop.rows("support_tickets")
    assert ticket.kind == "factory_rejected" and ticket.order_id == order.id
    assert order_status(shop, order.id) is Status.RESERVED


def test_the_factory_ready_report_asks_for_the_final_payment(shop):
    order, _, vin = ready_for_final_payment(shop)
    with shop.ctx.reader() as uow:
        stored = uow.orders.get(order.id)
        vehicle = uow.vehicles.get(vin)
    assert stored.status is Status.PENDING_FINAL_PAYMENT and stored.vin == vin
    assert vehicle.order_id == order.id


def test_a_repeated_factory_report_is_a_duplicate(shop):
    from caas.service_layer import factory
    order, _, vin = ready_for_final_payment(shop)
    with shop.ctx.reader() as uow:
        factory_order = uow.orders.get(order.id).factory_order_id
    again = factory.receive_factory_event(shop.ctx, {"event_id": f"evt-{vin}", "status": "READY",
                                                     "order_id": factory_order, "vin": vin})
    assert again == "duplicate"


def test_the_final_payment_charges_the_balance_and_registers_the_vehicle(shop):
    order, _, vin = ready_for_final_payment(shop)
    shop.gateways.registration_body.will("register", PLATE)
    assert payments.pay_final(shop.ctx, order.id, "tok_ok") == "succeeded"
    final = shop.gateways.payments.called("charge")[-1]
    assert final["args"][0] == Money(Decimal("30080.00"), "EUR")
    with shop.ctx.reader() as uow:
        stored, vehicle = uow.orders.get(order.id), uow.vehicles.get(vin)
    assert stored.status is Status.IN_TRANSIT and stored.plate == "1234 BCD"
    assert vehicle.plate == "1234 BCD"
    [request] = shop.gateways.registration_body.called("register")
    assert request["args"][0].vin == vin


def test_a_declined_final_payment_cancels_the_order_and_frees_the_vehicle(shop):
    order, _, vin = ready_for_final_payment(shop)
    shop.gateways.payments.will("charge", PaymentDeclined("card declined", "card_declined"))
    with pytest.raises(PaymentRequired):
        payments.pay_final(shop.ctx, order.id, "tok_bad")
    with shop.ctx.reader() as uow:
        stored, vehicle = uow.orders.get(order.id), uow.vehicles.get(vin)
    assert stored.status is Status.CANCELLED
    assert vehicle.status == "unassigned" and vehicle.order_id is None
    assert shop.audit("vehicle.released")


def test_the_final_payment_waits_for_the_vehicle(shop, order):
    payments.pay_reservation(shop.ctx, order.id, "tok_ok")
    with pytest.raises(Conflict) as refused:
        payments.pay_final(shop.ctx, order.id, "tok_ok")
    assert refused.value.details["current_status"] == "factory_ordered"


def test_an_authority_outage_keeps_the_order_registering_and_queues_the_job(shop):
    order, _, _ = ready_for_final_payment(shop)
    shop.gateways.registration_body.will("register", *[RegistrationError("down")] * 3)
    assert payments.pay_final(shop.ctx, order.id, "tok_ok") == "succeeded"
    assert order_status(shop, order.id) is Status.REGISTERING
    assert len(shop.gateways.registration_body.called("register")) == \
        shop.settings["CAAS_REGISTRATION_SYNC_ATTEMPTS"]
    assert shop.rows("support_tickets") == []  # not escalated before its time


def test_a_permanent_registration_refusal_is_escalated_at_once(shop):
    order, _, _ = ready_for_final_payment(shop)
    shop.gateways.registration_body.will("register", RegistrationError("bad data",
                                                                       permanent=True))
    payments.pay_final(shop.ctx, order.id, "tok_ok")
    [ticket] = shop.rows("support_tickets")
    assert ticket.kind == "registration_delayed" and ticket.details["permanent"] is True
    assert len(shop.gateways.registration_body.called("register")) == 1


def test_an_invalid_plate_from_the_authority_is_refused(shop):
    order, _, _ = ready_for_final_payment(shop)
    shop.gateways.registration_body.will("register", RegistrationResult("XX", "DGT-2"))
    payments.pay_final(shop.ctx, order.id, "tok_ok")
    assert order_status(shop, order.id) is Status.REGISTERING
    [ticket] = shop.rows("support_tickets")
    assert "invalid plate" in ticket.details["error"]

"""Maintenance from the VSS: reminders when it is due, and the record a customer sees."""
from datetime import date, timedelta

import pytest

from caas.domain.countries import RegistrationResult
from caas.service_layer import delivery, maintenance, payments
from tests.support.fakes.sales import catalog_of_the_shop, ready_for_final_payment
from tests.support.gateway_errors import Maintenance, VssError, VssUnavailable


@pytest.fixture
def delivered(world):
    """The VIN and customer id of a vehicle delivered to its buyer."""
    catalog_of_the_shop(world)
    order, customer, vin = ready_for_final_payment(world)
    world.gateways.registration_body.will("register", RegistrationResult("1234 BCD", "DGT-1"))
    payments.pay_final(world.ctx, order.id, "tok_ok")
    delivery.record_delivery(world.ctx, order.id, "delivered")
    return vin, customer["id"]


def due_on(vin, day, status="due"):
    return Maintenance(vin=vin, status=status, last_service=date(2027, 2, 1), next_due=day,
                       completion_percentage=80, history=[{"date": "2027-02-01"}])


def reminders(world):
    return [row for row in world.rows("notifications") if row["event"] == "maintenance_due"]


def test_an_owner_is_reminded_on_every_routed_channel_when_maintenance_is_near(world, delivered):
    vin, customer = delivered
    today = world.clock.today(world.tenant.timezone)
    world.gateways.vss.will("maintenance", due_on(vin, today + timedelta(days=3)))
    assert maintenance.remind(world.ctx) == 1
    sent = reminders(world)
    assert {row["channel"] for row in sent} == {"email", "push", "sms", "vehicle_display"}
    assert all(row["recipient_id"] == customer and row["vin"] == vin for row in sent)
    assert sent[0]["context"]["overdue"] is False


def test_a_vehicle_is_reminded_once_per_due_date(world, delivered):
    vin, _ = delivered
    due = world.clock.today(world.tenant.timezone) + timedelta(days=3)
    world.gateways.vss.will("maintenance", due_on(vin, due), due_on(vin, due))
    maintenance.remind(world.ctx)
    assert maintenance.remind(world.ctx) == 0
    assert len(reminders(world)) == 4


def test_maintenance_far_off_sends_nothing(world, delivered):
    vin, _ = delivered
    far = world.clock.today(world.tenant.timezone) + timedelta(
        days=world.settings["CAAS_MAINTENANCE_NOTICE_DAYS"] + 1)
    world.gateways.vss.will("maintenance", due_on(vin, far))
    assert maintenance.remind(world.ctx) == 0 and reminders(world) == []


def test_overdue_maintenance_says_so(world, delivered):
    vin, _ = delivered
    past = world.clock.today(world.tenant.timezone) - timedelta(days=2)
    world.gateways.vss.will("maintenance", due_on(vin, past, "overdue"))
    maintenance.remind(world.ctx)
    assert reminders(world)[0]["context"]["overdue"] is True


def test_the_vss_down_stops_the_run_for_a_retry(world, delivered):
    world.gateways.vss.will("maintenance", VssUnavailable("down"))
    with pytest.raises(VssUnavailable):
        maintenance.remind(world.ctx)
    assert reminders(world) == []


def test_a_vehicle_the_vss_refuses_is_skipped(world, delivered):
    world.gateways.vss.will("maintenance", VssError("unknown vin", "not_found"))
    assert maintenance.remind(world.ctx) == 0


def test_the_customer_sees_the_vss_answer_and_it_is_kept(world, delivered):
    vin, _ = delivered
    world.gateways.vss.will("maintenance", due_on(vin, date(2028, 3, 1)))
    view = maintenance.maintenance_view(world.ctx, vin)
    assert view["next_due"] == "2028-03-01" and view["stale"] is False
    assert view["fetched_at"] == world.clock.now()


def test_with_the_vss_down_the_last_answer_is_shown_stale(world, delivered):
    vin, _ = delivered
    world.gateways.vss.will("maintenance", due_on(vin, date(2028, 3, 1)))
    maintenance.maintenance_view(world.ctx, vin)
    fetched = world.clock.now()
    world.clock.advance(days=1)
    world.gateways.vss.will("maintenance", VssUnavailable("down"))
    view = maintenance.maintenance_view(world.ctx, vin)
    assert view["stale"] is True and view["next_due"] == "2028-03-01"
    assert view["fetched_at"] == fetched and view["error"] == "down"


def test_with_the_vss_down_and_nothing_kept_there_is_no_record(world):
    world.gateways.vss.will("maintenance", VssUnavailable("down"))
    view = maintenance.maintenance_view(world.ctx, "VUNKNOWN")
    assert view["available"] is False and view["history"] == []

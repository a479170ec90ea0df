"""Usage telemetry: a vehicle's daily readings, corrections, and months that are final."""
from datetime import date, timedelta

import pytest

from caas.domain.billing import Period
from caas.service_layer import catalog, usage
from caas.service_layer.errors import Conflict, Invalid, NotFound
from tests.support.fakes.services import VIN, owner_with_vehicle

TODAY = date(2028, 2, 10)  # the fake clock's day in Madrid


@pytest.fixture
def owner(world):
    catalog.set_option(world.ctx, "premium_connectivity", enabled=True, price="9.90",
                       billing="monthly", locale="es-ES", usage_price="1.99", included="10")
    return owner_with_vehicle(world)


def reading(day=TODAY, quantity="1.5", event_id=None, metric="data", vin=VIN):
    return {"event_id": event_id or f"evt-{vin}-{day}-{quantity}", "vin": vin, "metric": metric,
            "day": day, "quantity": quantity}


def test_a_days_reading_is_recorded_in_the_metrics_steps(world, owner):
    assert usage.receive_reading(world.ctx, reading(quantity="1.5")) == "recorded"
    [row] = world.rows("daily_usage")
    assert row["quantity"] == 1500 and row["day"] == TODAY  # GB to three decimals


def test_a_second_reading_of_the_day_corrects_the_first(world, owner):
    usage.receive_reading(world.ctx, reading(quantity="1.5"))
    assert usage.receive_reading(world.ctx, reading(quantity="2")) == "corrected"
    [row] = world.rows("daily_usage")
    assert row["quantity"] == 2000


def test_a_repeated_event_changes_nothing(world, owner):
    usage.receive_reading(world.ctx, reading(quantity="1.5", event_id="evt-1"))
    usage.receive_reading(world.ctx, reading(quantity="2", event_id="evt-2"))
    assert usage.receive_reading(world.ctx, reading(quantity="1.5", event_id="evt-1")) == \
        "duplicate"
    assert world.rows("daily_usage")[0]["quantity"] == 2000


def test_an_unknown_vehicle_is_not_found(world, owner):
    with pytest.raises(NotFound):
        usage.receive_reading(world.ctx, reading(vin="VNOTOURS"))


@pytest.mark.parametrize("event, field", [
    (reading(metric="minutes"), "metric"),
    (reading(quantity="1.0001"), "quantity"),
    (reading(quantity="-1"), "quantity"),
    (reading(day=TODAY + timedelta(days=1)), "day"),
])
def test_readings_the_rules_refuse_are_invalid_and_not_kept(world, owner, event, field):
    with pytest.raises(Invalid) as refused:
        usage.receive_reading(world.ctx, event)
    assert field in refused.value.errors
    assert world.rows("daily_usage") == [] and world.rows("webhook_events") == []


def test_a_metric_no_option_on_sale_measures_is_invalid(world):
    owner_with_vehicle(world)
    with pytest.raises(Invalid):
        usage.receive_reading(world.ctx, reading())


def test_an_invoiced_month_is_final(world, owner):
    january = date(2028, 1, 20)
    with world.ctx.uow() as uow:
        subscription = uow.subscriptions.add(
            service_id=1, customer_id=owner, vin=VIN, option="premium_connectivity",
            price_minor=990, currency="EUR", card_token="tok_ok", started_at=uow.now())
        uow.table("invoice_lines").insert({"invoice_id": 1, "subscription_id": subscription,
                                           "period": "2028-01", "kind": "subscription"})
        uow.commit()
    with pytest.raises(Conflict) as refused:
        usage.receive_reading(world.ctx, reading(day=january))
    assert refused.value.details["reason"] == "period_invoiced"
    assert usage.receive_reading(world.ctx, reading(day=TODAY)) == "recorded"


def test_the_owner_sees_the_months_readings_and_total(world, owner):
    for day, quantity in ((TODAY - timedelta(days=1), "1.25"), (TODAY, "2")):
        usage.receive_reading(world.ctx, reading(day=day, quantity=quantity))
    view = usage.vehicle_usage(world.ctx, VIN, owner, Period(2028, 2))
    [data] = view["metrics"]
    assert data["unit"] == "GB" and data["total"] == "3.250"
    assert [entry["quantity"] for entry in data["days"]] == ["1.250", "2.000"]
    with pytest.raises(NotFound):
        usage.vehicle_usage(world.ctx, VIN, owner + 1, Period(2028, 2))

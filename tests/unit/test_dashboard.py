"""The admin dashboard's figures: recurring revenue and its movement as defined, orders and
their delivery times, activations and their failures, charges that failed or are unconfirmed,
each per month of the tenant's calendar."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from caas.domain.money import Money
from caas.domain.orders import Order, Status, Transition
from caas.domain.services import Service, ServiceStatus
from caas.service_layer import dashboard
from caas.service_layer.errors import Invalid

MADRID = timezone(timedelta(hours=1))  # winter: the fake tenant is Spanish


def local(*parts) -> datetime:
    return datetime(*parts, tzinfo=MADRID)


def eur(minor: int) -> Money:
    return Money.from_minor(minor, "EUR")


def subscribe(uow, price, started, **values):
    subscription_id = uow.subscriptions.add(
        service_id=values.pop("service_id"), customer_id=1, vin="VIN", option="extended_range",
        price_minor=price, currency="EUR", card_token="tok_ok", started_at=started,
        trial_ends_at=values.pop("trial_ends_at", None))
    uow.table("subscriptions").rows[subscription_id].update(values)


def test_recurring_revenue_is_the_prices_running_at_each_months_end_and_its_movement(world):
    with world.ctx.uow() as uow:
        subscribe(uow, 1000, local(2027, 12, 10), service_id=1)
        # Cancelled for the end of January: in January's revenue, churned in February.
        subscribe(uow, 2000, local(2028, 1, 5), service_id=2, status="cancelling",
                  cancel_at=local(2028, 2, 1))
        # Its free trial ends in February: new then.
        subscribe(uow, 500, local(2028, 1, 20), service_id=3, trial_ends_at=local(2028, 2, 20))
        # Moved from 10.00 to 15.00 from February on.
        subscribe(uow, 1000, local(2027, 11, 3), service_id=4, next_price_minor=1500,
                  next_price_from="2028-02")
        # Withdrawn: never paid, in no month.
        subscribe(uow, 9900, local(2027, 12, 1), service_id=5, status="ended",
                  ended_at=local(2028, 2, 2), end_reason="withdrawn")
        uow.commit()
    found = dashboard.dashboard(world.ctx, months=3)
    assert [str(month.period) for month in found.revenue] == ["2027-12", "2028-01", "2028-02"]
    december, january, february = found.revenue
    assert (december.mrr, december.new) == (eur(2000), eur(1000))
    assert (january.mrr, january.new, january.churned) == (eur(4000), eur(2000), eur(0))
    assert (february.mrr, february.new, february.churned, february.moved) == (
        eur(3000), eur(500), eur(2000), eur(500))
    assert january.mrr.amount + february.new.amount - february.churned.amount \
        + february.moved.amount == february.mrr.amount


def test_orders_by_status_and_their_time_from_reservation_to_delivery(world):
    def order(reference):
        return Order(reference=reference, customer_id=1, model="urbano", plan="standard",
                     options=[], price=eur(3_000_000), reservation=eur(100_000), owner={})
    with world.ctx.uow() as uow:
        uow.orders.add(order("A"))
        delivered = uow.orders.add(order("B"))
        delivered.status = Status.IN_TRANSIT  # its earlier steps matter not here
        delivered.pending.append(Transition(Status.CREATED, Status.RESERVED))
        uow.orders.save(delivered)
        uow.commit()
    world.clock.advance(days=10)
    with world.ctx.uow() as uow:
        delivered = uow.orders.get(delivered.id)
        delivered.move_to(Status.DELIVERED)
        uow.orders.save(delivered)
        uow.commit()
    found = dashboard.dashboard(world.ctx)
    assert found.orders["created"] == 1 and found.orders["delivered"] == 1
    assert list(found.orders) == [status.value for status in Status]
    assert found.delivery.count == 1 and found.delivery.median == timedelta(days=10)
    assert [bucket.count for bucket in found.delivery.buckets] == [0, 1, 0, 0]
    assert found.delivery.buckets[1].low == timedelta(days=7)


def test_activations_their_success_rate_time_and_failures_by_reason(world):
    def bought(number):
        return Service(customer_id=1, vin=f"VIN{number}", option="heated_seats", billing="one_time",
                       price=eur(24900), card_token="tok_ok", status=ServiceStatus.ACTIVATING)
    with world.ctx.uow() as uow:
        ids = [uow.services.add(bought(number)).id for number in range(3)]
        uow.commit()
    world.clock.advance(seconds=90)
    with world.ctx.uow() as uow:
        activated, *failing = [uow.services.get(service_id) for service_id in ids]
        activated.activated(uow.now(), None)
        for service, error in zip(failing, ("the vehicle reported a failure: fault",
                                            "something unforeseen")):
            service.move_to(ServiceStatus.FAILED, error)
            service.last_error = error
        for service in (activated, *failing):
            uow.services.save(service)
        uow.commit()
    found = dashboard.dashboard(world.ctx)
    this_month = found.activations[-1]
    assert (this_month.activated, this_month.failed) == (1, 2)
    assert this_month.success_rate == Decimal(1) / 3
    assert found.activations[0].success_rate is None  # nothing finished then
    assert found.activation_times.median == timedelta(seconds=90)
    assert [bucket.count for bucket in found.activation_times.buckets] == [0, 1, 0, 0]
    assert found.failures == {"other": 1, "vehicle_failed": 1}


def test_charges_that_failed_or_are_unconfirmed_and_what_was_invoiced(world):
    with world.ctx.uow() as uow:
        for status, total, issued in (("failed", 1372, date(2028, 2, 1)),
                                      ("failed", 1990, date(2028, 2, 1)),
                                      ("unconfirmed", 500, date(2028, 2, 1)),
                                      ("paid", 1990, date(2028, 2, 1)),
                                      ("failed", 700, date(2028, 1, 31))):
            uow.table("invoices").insert({"kind": "invoice", "period": "2028-01",
                                          "status": status, "total_minor": total,
                                          "issue_date": issued})
        uow.commit()
    found = dashboard.dashboard(world.ctx, months=3)
    january, february = found.charges[1:]
    assert (february.failed, february.failed_amount) == (2, eur(3362))
    assert (february.unconfirmed, february.unconfirmed_amount) == (1, eur(500))
    assert (january.failed, january.unconfirmed) == (1, 0)
    assert found.revenue[1].invoiced == eur(6552) and found.revenue[1].paid == eur(1990)


def test_only_the_ranges_offered(world):
    with pytest.raises(Invalid) as refused:
        dashboard.dashboard(world.ctx, months=7)
    assert "months" in refused.value.errors
    assert len(dashboard.dashboard(world.ctx, months=12).months) == 12

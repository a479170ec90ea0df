"""The dealership's work queue: orders grouped by what staff do next, counted in one query."""
import pytest

from caas.domain.countries import RegistrationError, RegistrationResult
from caas.service_layer import payments, work_queue
from tests.support.fakes.sales import catalog_of_the_shop, ready_for_final_payment, sale


@pytest.fixture
def shop(world):
    catalog_of_the_shop(world)
    return world


def _registering(shop, vin: str, *, permanent: bool):
    order, _, _ = ready_for_final_payment(shop, vin)
    # A refusal is not tried again; an outage is, while the employee waits.
    attempts = 1 if permanent else shop.settings["CAAS_REGISTRATION_SYNC_ATTEMPTS"]
    shop.gateways.registration_body.will(
        "register", *[RegistrationError("refused" if permanent else "down",
                                        permanent=permanent)] * attempts)
    assert payments.pay_final(shop.ctx, order.id, "tok_ok") == "succeeded"
    return order


def test_orders_are_grouped_by_what_staff_do_next(shop):
    unpaid, _ = sale(shop)
    ready, _, _ = ready_for_final_payment(shop, "VSSZZZ6JZ9R000001")
    delivering, _, _ = ready_for_final_payment(shop, "VSSZZZ6JZ9R000002")
    shop.gateways.registration_body.will("register", RegistrationResult("1234 BCD", "DGT-1"))
    payments.pay_final(shop.ctx, delivering.id, "tok_ok")
    refused = _registering(shop, "VSSZZZ6JZ9R000003", permanent=True)
    _registering(shop, "VSSZZZ6JZ9R000004", permanent=False)  # still being retried: not late

    counts = work_queue.counts(shop.ctx)
    assert counts.groups == {"reservation_unpaid": 1, "final_payment_due": 1,
                             "delivery_due": 1, "registration_delayed": 1}
    assert counts.statuses["registering"] == 2 and counts.statuses["in_transit"] == 1
    assert counts.waiting == 4 and counts.orders == 5
    orders, total = work_queue.waiting_page(shop.ctx, 0, 10)
    assert [order.id for order in orders] == [refused.id, delivering.id, ready.id, unpaid.id]
    assert total == 4
    late, total = work_queue.waiting_page(shop.ctx, 0, 10, "registration_delayed")
    assert [order.id for order in late] == [refused.id] and total == 1


def test_a_registration_is_late_once_it_has_taken_longer_than_the_escalation_time(shop):
    order = _registering(shop, "VSSZZZ6JZ9R000005", permanent=False)
    assert work_queue.counts(shop.ctx).groups["registration_delayed"] == 0
    shop.clock.advance(seconds=shop.settings["CAAS_REGISTRATION_ESCALATE_SECONDS"] + 1)
    assert work_queue.counts(shop.ctx).groups["registration_delayed"] == 1
    [late], _ = work_queue.waiting_page(shop.ctx, 0, 10, "registration_delayed")
    assert late.id == order.id


def test_the_waiting_orders_come_a_page_at_a_time(shop):
    made = [sale(shop)[0].id for _ in range(5)]
    first, total = work_queue.waiting_page(shop.ctx, 0, 2, "reservation_unpaid")
    second, _ = work_queue.waiting_page(shop.ctx, 2, 2, "reservation_unpaid")
    assert total == 5
    assert [order.id for order in first + second] == made[::-1][:4]


def test_an_unknown_group_is_refused(shop):
    with pytest.raises(KeyError):
        work_queue.waiting_page(shop.ctx, 0, 10, "nonsense")

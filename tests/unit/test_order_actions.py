"""The steps an order's status admits: one per waiting status, none once it is over."""
import pytest

from caas.domain.orders import Status
from caas.service_layer import order_actions

EXPECTED = {
    Status.CREATED: {"reservation_payment"},
    Status.PENDING_FINAL_PAYMENT: {"final_payment"},
    Status.REGISTERING: {"registration_retry"},
    Status.IN_TRANSIT: {"delivery"},
    Status.AT_DEALERSHIP: {"pickup"},
}


@pytest.mark.parametrize("status", list(Status))
def test_each_status_admits_only_its_own_step(status):
    assert order_actions.allowed(status) == EXPECTED.get(status, set())
    assert order_actions.allowed(status.value) == EXPECTED.get(status, set())

"""The order state machine: every legal transition works, every illegal one is refused and changes nothing."""
import itertools

import pytest

from caas.domain.money import Money
from caas.domain.orders import TRANSITIONS, IllegalTransition, Order, Status
from tests.support.journey import order, pay, sell, set_up_catalog, to_in_transit, to_vehicle_ready

#: The spec's state diagram (plus the stock shortcut and the reservation step of the issue).
SPEC_EDGES = {
    ("created", "reserved"), ("reserved", "factory_ordered"), ("reserved", "vehicle_ready"),
    ("factory_ordered", "manufacturing"), ("factory_ordered", "vehicle_ready"),
    ("manufacturing", "vehicle_ready"), ("vehicle_ready", "pending_final_payment"),
    ("pending_final_payment", "registering"), ("pending_final_payment", "cancelled"),
    ("registering", "registered"), ("registered", "in_transit"), ("in_transit", "delivered"),
    ("in_transit", "at_dealership"), ("at_dealership", "delivered"), ("delivered", "operational"),
}


def _order(status: Status) -> Order:
    return Order(reference="ORD-1", customer_id=1, model="m", plan="p", options=[],
                 price=Money("100", "EUR"), reservation=Money("10", "EUR"), owner={},
                 status=status)


def test_the_transition_table_is_the_spec_diagram():
    table = {(source.value, target.value) for source, targets in TRANSITIONS.items()
             for target in targets}
    assert table == SPEC_EDGES
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize("source, target", list(itertools.product(Status, Status)))
def test_every_pair_of_states(source, target):
    subject = _order(source)
    if target in TRANSITIONS[source]:
        step = subject.move_to(target, "why")
        assert (step.source, step.target, step.note) == (source, target, "why")
        assert subject.status is target and subject.pending == [step]
    else:
        with pytest.raises(IllegalTransition) as refused:
            subject.move_to(target)
        assert refused.value.current is source
        assert subject.status is source and subject.pending == []


def test_factory_reports_out_of_order_late_or_twice():
    subject = _order(Status.FACTORY_ORDERED)
    steps = subject.apply_factory_status("READY", "VSSZZZ5FZR1234567")
    assert [s.target for s in steps] == [Status.MANUFACTURING, Status.VEHICLE_READY,
                                         Status.PENDING_FINAL_PAYMENT]
    assert subject.apply_factory_status("IN_PROGRESS", None) == []
    assert subject.apply_factory_status("READY", "VSSZZZ5FZR1234567") == []
    with pytest.raises(ValueError):
        _order(Status.MANUFACTURING).apply_factory_status("READY", None)


# --- the same rules through the API -------------------------------------------

ACTIONS = {
    "reservation": ("reservation-payment", {"card_token": "tok_ok"}),
    "final": ("final-payment", {"card_token": "tok_ok"}),
    "deliver": ("delivery", {"outcome": "delivered"}),
    "absent": ("delivery", {"outcome": "customer_absent"}),
    "pickup": ("pickup", None),
}
#: Which actions each reachable status allows.
LEGAL = {
    "created": {"reservation"},
    "factory_ordered": set(),
    "pending_final_payment": {"final"},
    "in_transit": {"deliver", "absent"},
    "at_dealership": {"pickup"},
    "delivered": set(),
    "cancelled": set(),
}


def _reach(shop, operator, status: str) -> dict:
    if status == "created":
        return sell(shop)["order"]
    if status == "factory_ordered":
        sold = sell(shop)["order"]
        pay(shop, sold["id"])
        return order(shop, sold["id"])
    if status == "pending_final_payment":
        return to_vehicle_ready(shop, operator)
    if status == "cancelled":
        ready = to_vehicle_ready(shop, operator)
        pay(shop, ready["id"], "final", token="tok_decline")
        return order(shop, ready["id"])
    transit = to_in_transit(shop, operator)
    if status == "at_dealership":
        shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery",
                           json={"outcome": "customer_absent"})
    elif status == "delivered":
        shop.employee.post(f"/api/v1/orders/{transit['id']}/delivery",
                           json={"outcome": "delivered"})
    return order(shop, transit["id"])


@pytest.mark.parametrize("status", sorted(LEGAL))
def test_actions_outside_their_state_are_409_with_the_current_state(make_tenant, operator,
                                                                    status):
    shop = make_tenant("ES")
    set_up_catalog(shop)
    for action, (path, body) in ACTIONS.items():
        if action in LEGAL[status]:
            continue
        subject = _reach(shop, operator, status)
        assert subject["status"] == status
        response = shop.employee.post(f"/api/v1/orders/{subject['id']}/{path}", json=body)
        assert response.status_code == 409, (status, action, response.json)
        assert response.json["current_status"] == status
        after = order(shop, subject["id"])
        assert after["status"] == status and after["history"] == subject["history"]
        assert after["payments"] == subject["payments"]

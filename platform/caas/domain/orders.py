"""Vehicle orders: the state machine from a dealership sale to a delivered, app-linked vehicle.

Every change of status goes through :meth:`Order.move_to`, which refuses what the
table :data:`TRANSITIONS` does not allow and returns the transition for the record.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from caas.domain.money import Money


class Status(StrEnum):
    CREATED = "created"                              # sale registered; reservation unpaid
    RESERVED = "reserved"                            # reservation paid; factory order queued
    FACTORY_ORDERED = "factory_ordered"              # the factory accepted the order
    MANUFACTURING = "manufacturing"
    VEHICLE_READY = "vehicle_ready"                  # a vehicle (VIN) is assigned
    PENDING_FINAL_PAYMENT = "pending_final_payment"
    REGISTERING = "registering"                      # paid; registration with the authority
    REGISTERED = "registered"                        # the vehicle has its plate
    IN_TRANSIT = "in_transit"
    AT_DEALERSHIP = "at_dealership"                  # customer was absent at delivery
    DELIVERED = "delivered"
    OPERATIONAL = "operational"                      # the customer linked the mobile app
    CANCELLED = "cancelled"                          # final payment failed; vehicle to stock


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.CREATED: frozenset({Status.RESERVED}),
    # A stock vehicle may be assigned to any order still waiting for its own.
    Status.RESERVED: frozenset({Status.FACTORY_ORDERED, Status.VEHICLE_READY}),
    Status.FACTORY_ORDERED: frozenset({Status.MANUFACTURING, Status.VEHICLE_READY}),
    Status.MANUFACTURING: frozenset({Status.VEHICLE_READY}),
    Status.VEHICLE_READY: frozenset({Status.PENDING_FINAL_PAYMENT}),
    Status.PENDING_FINAL_PAYMENT: frozenset({Status.REGISTERING, Status.CANCELLED}),
    Status.REGISTERING: frozenset({Status.REGISTERED}),
    Status.REGISTERED: frozenset({Status.IN_TRANSIT}),
    Status.IN_TRANSIT: frozenset({Status.DELIVERED, Status.AT_DEALERSHIP}),
    Status.AT_DEALERSHIP: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset({Status.OPERATIONAL}),
    Status.OPERATIONAL: frozenset(),
    Status.CANCELLED: frozenset(),
}

#: Orders that have paid their reservation and still wait for a vehicle.
AWAITING_VEHICLE = frozenset({Status.RESERVED, Status.FACTORY_ORDERED, Status.MANUFACTURING})

#: The factory's status names, in the order manufacturing goes through them.
FACTORY_STEPS = {"IN_PROGRESS": Status.MANUFACTURING, "READY": Status.VEHICLE_READY}


class IllegalTransition(Exception):
    """The order cannot go from its current status to the requested one."""

    def __init__(self, current: Status, target: Status | str):
        super().__init__(f"an order in status {current} cannot move to {target}")
        self.current = current
        self.target = target


@dataclass(frozen=True)
class Transition:
    source: Status
    target: Status
    note: str = ""


@dataclass
class Vehicle:
    """A manufactured vehicle: assigned to an order, or in stock "sin asignar" for sale."""

    vin: str
    model: str
    status: str = "assigned"  # assigned | unassigned | delivered
    order_id: int | None = None
    plate: str | None = None
    linked_user_id: int | None = None
    linked_at: datetime | None = None
    #: When its status last changed: for a stock vehicle, since when it is unassigned.
    updated_at: datetime | None = None

    UNASSIGNED = "unassigned"


@dataclass
class Order:
    """A vehicle sold to a customer at a dealership."""

    reference: str
    customer_id: int
    model: str
    plan: str
    options: list[str]
    price: Money
    reservation: Money
    owner: dict[str, Any]  # name, tax id and address, as registered with the authority
    status: Status = Status.CREATED
    id: int | None = None
    vin: str | None = None
    plate: str | None = None
    factory_order_id: str | None = None
    estimated_date: date | None = None
    created_by: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    registration_escalated_at: datetime | None = None
    version: int = 1
    pending: list[Transition] = field(default_factory=list, repr=False)

    @property
    def final_amount(self) -> Money:
        """What is left to pay once the reservation has been paid."""
        return Money(self.price.amount - self.reservation.amount, self.price.currency).rounded()

    def can_move_to(self, target: Status) -> bool:
        return target in TRANSITIONS[self.status]

    def move_to(self, target: Status | str, note: str = "") -> Transition:
        """Change status; raises :class:`IllegalTransition` and changes nothing if not allowed."""
        try:
            target = Status(target)
        except ValueError:
            raise IllegalTransition(self.status, target) from None
        if not self.can_move_to(target):
            raise IllegalTransition(self.status, target)
        transition = Transition(self.status, target, note)
        self.status = target
        self.pending.append(transition)
        return transition

    def require(self, *allowed: Status, action: str) -> None:
        """Raise :class:`IllegalTransition` unless the order is in one of ``allowed``."""
        if self.status not in allowed:
            raise IllegalTransition(self.status, action)

    def apply_factory_status(self, factory_status: str, vin: str | None) -> list[Transition]:
        """Follow the factory's report, which may arrive late, twice or out of order.

        A step the order has already passed is ignored; a READY that overtakes
        IN_PROGRESS moves through manufacturing on the way; a ready vehicle goes
        on to wait for the final payment. Returns what changed.
        """
        target = FACTORY_STEPS[factory_status]
        steps = []
        if target is Status.VEHICLE_READY:
            if not vin:
                raise ValueError("a READY report needs the vehicle's VIN")
            if self.status is Status.FACTORY_ORDERED:
                steps.append(self.move_to(Status.MANUFACTURING, "inferred from the READY report"))
            if self.status is Status.MANUFACTURING:
                steps += self.assign_vehicle(vin, "reported ready by the factory")
        elif self.status is Status.FACTORY_ORDERED:
            steps.append(self.move_to(Status.MANUFACTURING))
        return steps

    def assign_vehicle(self, vin: str, note: str) -> list[Transition]:
        """Give the order a vehicle (from the factory or from stock) and ask for the final payment."""
        if self.status not in AWAITING_VEHICLE:
            raise IllegalTransition(self.status, Status.VEHICLE_READY)
        self.vin = vin
        return [self.move_to(Status.VEHICLE_READY, note),
                self.move_to(Status.PENDING_FINAL_PAYMENT, "customer asked for the final payment")]


def order_price(base_price: Decimal, option_prices: list[Decimal], currency: str) -> Money:
    """The vehicle's price: base plus the chosen factory options, rounded per currency."""
    return Money(base_price + sum(option_prices, Decimal(0)), currency).rounded()

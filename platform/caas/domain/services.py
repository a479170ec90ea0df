"""Services bought for a vehicle: eligibility, activation outcomes, withdrawal.

The rules that protect the customer's money live here, framework-free:

* a service is paid by an *authorization*, captured only once the vehicle
  confirmed the activation (:data:`PAYMENT_ON_SUCCESS`);
* an activation that fails for good releases the payment in full
  (:data:`PAYMENT_ON_FAILURE`): the customer is never charged for what was
  not delivered;
* withdrawal follows the country's policy (:func:`withdrawal_refusal`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from caas.domain.countries import WithdrawalPolicy
from caas.domain.money import Money


class ServiceStatus(StrEnum):
    PAYING = "paying"            # authorization being asked of the gateway
    ACTIVATING = "activating"    # authorized; OTA activation queued or running
    ACTIVE = "active"
    FAILED = "failed"            # activation failed for good; payment released
    CANCELLED = "cancelled"      # payment failed before the activation finished
    WITHDRAWN = "withdrawn"      # the customer exercised the right of withdrawal
    PAYMENT_FAILED = "payment_failed"  # declined, or the gateway was unavailable
    ENDED = "ended"              # a subscription that ended (cancelled, unpaid), or expired


TRANSITIONS = {
    ServiceStatus.PAYING: {ServiceStatus.ACTIVATING, ServiceStatus.PAYMENT_FAILED},
    ServiceStatus.ACTIVATING: {ServiceStatus.ACTIVE, ServiceStatus.FAILED,
                               ServiceStatus.CANCELLED},
    ServiceStatus.ACTIVE: {ServiceStatus.WITHDRAWN, ServiceStatus.ENDED},
    ServiceStatus.FAILED: set(),
    ServiceStatus.CANCELLED: set(),
    ServiceStatus.WITHDRAWN: set(),
    ServiceStatus.PAYMENT_FAILED: set(),
    ServiceStatus.ENDED: set(),
}

#: Statuses in which the option counts as bought for the vehicle (one at a time).
LIVE = frozenset({ServiceStatus.PAYING, ServiceStatus.ACTIVATING, ServiceStatus.ACTIVE})

#: What happens to the authorization when the activation succeeds: a one-time
#: purchase is captured; a monthly one is billed in arrears, so its hold (a
#: check that the card is good) is released.
PAYMENT_ON_SUCCESS = {"one_time": "capture", "monthly": "void"}
#: And when it fails for good: released, whatever the billing. Never captured.
PAYMENT_ON_FAILURE = "void"


class IllegalServiceTransition(Exception):
    def __init__(self, current: ServiceStatus, target):
        super().__init__(f"a service in status {current} cannot move to {target}")
        self.current = current
        self.target = target


@dataclass
class Service:
    customer_id: int
    vin: str
    option: str
    billing: str
    price: Money
    card_token: str
    status: ServiceStatus = ServiceStatus.PAYING
    id: int | None = None
    payment_id: str | None = None
    # none | unknown | authorized | capturing | captured | capture_declined | releasing |
    # voided | refunded
    payment_status: str = "none"
    refunded: Money | None = None
    #: What the customer is owed back (a withdrawal), until :attr:`refunded` reaches it.
    refund_due: Money | None = None
    attempts: int = 0
    max_attempts: int = 5
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    activated_at: datetime | None = None
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    pending: list[tuple[ServiceStatus | None, ServiceStatus, str]] = field(default_factory=list,
                                                                          repr=False)

    @property
    def live_key(self) -> str | None:
        return f"{self.vin}:{self.option}" if self.status in LIVE else None

    def move_to(self, target: ServiceStatus, note: str = "") -> None:
        if target not in TRANSITIONS[self.status]:
            raise IllegalServiceTransition(self.status, target)
        self.pending.append((self.status, target, note))
        self.status = target

    def refund(self) -> dict | None:
        """The money on its way back to the customer, and whether it has arrived."""
        if not self.refund_due:
            return None
        arrived = self.refunded is not None and self.refunded.amount >= self.refund_due.amount
        return {"status": "refunded" if arrived else "pending", "amount": self.refund_due}

    def owe_back(self, amount: Money) -> None:
        """Add ``amount`` to what the customer is owed back."""
        if amount.amount > 0:
            self.refund_due = amount if self.refund_due is None else Money(
                self.refund_due.amount + amount.amount, amount.currency)

    def refunded_more(self, amount: Money) -> None:
        self.refunded = amount if not self.refunded else Money(
            self.refunded.amount + amount.amount, amount.currency)

    def activated(self, at: datetime, duration_days: int | None) -> None:
        self.move_to(ServiceStatus.ACTIVE, "the vehicle confirmed the activation")
        self.activated_at = at
        self.expires_at = at + timedelta(days=duration_days) if duration_days else None
        self.last_error = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter over a bounded number of attempts."""

    max_attempts: int
    base_seconds: float
    command_timeout_seconds: float
    cap_seconds: float = 3600.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based): full jitter."""
        return backoff(attempt, self.base_seconds, self.cap_seconds, rng)


def backoff(attempt: int, base_seconds: float, cap_seconds: float,
            rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): doubling from
    ``base_seconds`` up to ``cap_seconds``, drawn from its upper half so that jobs
    failing together do not come back together."""
    ceiling = min(cap_seconds, base_seconds * 2 ** (attempt - 1))
    return (rng or random).uniform(ceiling / 2, ceiling)


# --- what the customer may buy ---------------------------------------------------

BLOCKED_INCOMPATIBLE = "incompatible"
BLOCKED_ACTIVE = "already_active"
BLOCKED_MAINTENANCE = "maintenance_overdue"


def blocking_reason(*, compatible: bool, live: bool, needs_maintenance: bool,
                    maintenance_overdue: bool | None) -> str | None:
    """Why the option cannot be bought now, or ``None``.

    :param maintenance_overdue: ``None`` when the maintenance system could not
        answer: the spec's fallback is to allow the purchase.
    """
    if not compatible:
        return BLOCKED_INCOMPATIBLE
    if live:
        return BLOCKED_ACTIVE
    if needs_maintenance and maintenance_overdue:
        return BLOCKED_MAINTENANCE
    return None


# --- withdrawal ("desistimiento") ------------------------------------------------

NO_RIGHT = "no_statutory_right"
NOT_QUALIFYING = "not_qualifying"
WINDOW_OVER = "window_over"
NOT_ACTIVE = "not_active"


def withdrawal_refusal(policy: WithdrawalPolicy, status: ServiceStatus,
                       duration_days: int | None, bought_on: date, today: date) -> str | None:
    """Why the withdrawal is refused, or ``None`` when it is granted.

    The window counts calendar days in the tenant's time zone: bought on day 0,
    the last day to withdraw is day ``policy.days``.
    """
    if status is not ServiceStatus.ACTIVE:
        return NOT_ACTIVE
    if not policy.has_right:
        return NO_RIGHT
    if not policy.qualifies(duration_days):
        return NOT_QUALIFYING
    if (today - bought_on).days > policy.days:
        return WINDOW_OVER
    return None


def withdrawal_refund(policy: WithdrawalPolicy, paid: Money, duration_days: int | None,
                      used_days: int) -> Money:
    """What goes back to the customer under the country's refund rule."""
    if policy.refund_rule == "full" or (policy.refund_rule == "prorated" and not duration_days):
        return paid.rounded()
    if policy.refund_rule == "prorated" and duration_days:
        unused = max(0, duration_days - used_days)
        return Money(paid.amount * unused / duration_days, paid.currency).rounded()
    return Money(0, paid.currency)

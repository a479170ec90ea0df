"""The steps staff may take on an order now, for pages that offer only those: each step with
the status its use case requires (the use cases' own constants, so the two cannot differ)."""
from __future__ import annotations

from caas.domain.orders import Status
from caas.service_layer import delivery, payments, registration

#: Each step and the status its use case requires.
REQUIRES = {
    "reservation_payment": payments.KINDS["reservation"],
    "final_payment": payments.KINDS["final"],
    "registration_retry": registration.RETRY_FROM,
    "delivery": delivery.DELIVERY_FROM,
    "pickup": delivery.PICKUP_FROM,
}


def allowed(status: Status | str) -> frozenset[str]:
    """The steps an order in ``status`` admits (none once it is delivered or cancelled)."""
    status = Status(status)
    return frozenset(step for step, required in REQUIRES.items() if required is status)

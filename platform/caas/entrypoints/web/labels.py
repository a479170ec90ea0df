"""Names of the states the pages show, in the reader's language."""
from __future__ import annotations

from caas.domain.orders import Status
from caas.domain.services import ServiceStatus
from caas.domain.tickets import TicketStatus
from caas.i18n import lazy_gettext

ORDER_STATUS = {
    Status.CREATED: lazy_gettext("Reservation unpaid"),
    Status.RESERVED: lazy_gettext("Reserved"),
    Status.FACTORY_ORDERED: lazy_gettext("Ordered from the factory"),
    Status.MANUFACTURING: lazy_gettext("Being manufactured"),
    Status.VEHICLE_READY: lazy_gettext("Vehicle ready"),
    Status.PENDING_FINAL_PAYMENT: lazy_gettext("Final payment due"),
    Status.REGISTERING: lazy_gettext("Being registered"),
    Status.REGISTERED: lazy_gettext("Registered"),
    Status.IN_TRANSIT: lazy_gettext("In transit"),
    Status.AT_DEALERSHIP: lazy_gettext("Waiting at the dealership"),
    Status.DELIVERED: lazy_gettext("Delivered"),
    Status.OPERATIONAL: lazy_gettext("Operational"),
    Status.CANCELLED: lazy_gettext("Cancelled"),
}

SERVICE_STATUS = {
    ServiceStatus.PAYING: lazy_gettext("Payment being authorized"),
    ServiceStatus.ACTIVATING: lazy_gettext("Activating"),
    ServiceStatus.ACTIVE: lazy_gettext("Active"),
    ServiceStatus.FAILED: lazy_gettext("Activation failed"),
    ServiceStatus.CANCELLED: lazy_gettext("Cancelled"),
    ServiceStatus.WITHDRAWN: lazy_gettext("Withdrawn"),
    ServiceStatus.PAYMENT_FAILED: lazy_gettext("Payment failed"),
    ServiceStatus.ENDED: lazy_gettext("Ended"),
}

TICKET_STATUS = {
    TicketStatus.OPEN: lazy_gettext("Open"),
    TicketStatus.IN_PROGRESS: lazy_gettext("In progress"),
    TicketStatus.RESOLVED: lazy_gettext("Resolved"),
}

STAFF_ROLE = {
    "admin": lazy_gettext("Administrator"),
    "employee": lazy_gettext("Dealership employee"),
}

TENANT_STATUS = {
    "provisioning": lazy_gettext("Being set up"),
    "active": lazy_gettext("Active"),
}

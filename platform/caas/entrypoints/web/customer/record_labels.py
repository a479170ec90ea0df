"""Names of what the customer's records hold (kinds, states, channels, events), in the
reader's language. A value the platform does not name yet is shown as it is."""
from __future__ import annotations

from caas.domain import notifications as events
from caas.i18n import lazy_gettext

INVOICE_KIND = {"invoice": lazy_gettext("Invoice"), "credit_note": lazy_gettext("Credit note")}

INVOICE_STATUS = {
    "open": lazy_gettext("to be charged"), "paid": lazy_gettext("paid"),
    "failed": lazy_gettext("payment failed"),
    "unconfirmed": lazy_gettext("payment being confirmed"),
    "refunding": lazy_gettext("being refunded"), "refunded": lazy_gettext("refunded"),
    "credited": lazy_gettext("credited"),
}

DOCUMENT_KIND = {"contract": lazy_gettext("Purchase contract"),
                 "manual": lazy_gettext("Owner's manual")}

MAINTENANCE_STATUS = {"current": lazy_gettext("Up to date"),
                      "overdue": lazy_gettext("Overdue")}

CHANNEL = {
    events.EMAIL: lazy_gettext("Email message"), events.PUSH: lazy_gettext("Push notification"),
    events.SMS: lazy_gettext("SMS"), events.DISPLAY: lazy_gettext("Vehicle display"),
}

EVENT = {
    events.ORDER_STATUS_UPDATE: lazy_gettext("Order status update"),
    events.VEHICLE_READY: lazy_gettext("Vehicle ready"),
    events.OTA_SUCCESS: lazy_gettext("Option activated"),
    events.OTA_FAILED: lazy_gettext("Option activation failed"),
    events.CREDENTIALS_GENERATED: lazy_gettext("Your account"),
    events.PAYMENT_CONFIRMATION: lazy_gettext("Payment confirmation"),
    events.MAINTENANCE_DUE: lazy_gettext("Maintenance due"),
    events.WITHDRAWAL: lazy_gettext("Withdrawal"),
    events.SUBSCRIPTION: lazy_gettext("Subscription"),
}

#: A notification's outcome; a skipped one says why (its ``error``).
DELIVERY = {
    "queued": lazy_gettext("Being sent"), "sending": lazy_gettext("Being sent"),
    "retrying": lazy_gettext("Being sent again"), "sent": lazy_gettext("Sent"),
    "failed": lazy_gettext("Not delivered"), "skipped": lazy_gettext("Not sent"),
    events.NO_ADDRESS: lazy_gettext("Not sent: no address for this channel"),
    events.OPTED_OUT: lazy_gettext("Not sent: you switched this channel off"),
    events.QUIET_HOURS: lazy_gettext("Not sent: in your quiet hours"),
}


def named(names: dict, value):
    """``value``'s name in ``names``, or the value itself."""
    return names.get(value, value)


def delivery(notification: dict):
    """What became of a notification; a skipped one, why."""
    reason = notification.get("error") if notification["status"] == "skipped" else None
    return DELIVERY.get(reason) or named(DELIVERY, notification["status"])

"""What the message of each event says: its subject and its sentences, in the reader's
language, still with their ``%(...)s`` placeholders (:mod:`caas.service_layer.messages` fills
them in)."""
from __future__ import annotations

from collections.abc import Callable, Mapping

from babel.support import NullTranslations


# Order updates. Each event gives its subject and body sentences, still with their
# %(...)s placeholders; a None sentence is left out. Values that may be missing choose
# between two literal messages so that every msgid stays extractable by pybabel.
_Texts = tuple[str, list[str | None]]


def _paragraph_final_payment(t: NullTranslations, v: Mapping) -> str:
    if v["amount"]:
        return t.gettext("Please make the final payment of %(amount)s at the dealership so that "
                         "we can proceed with registration and delivery.")
    return t.gettext("Please make the final payment at the dealership so that we can proceed "
                     "with registration and delivery.")


def _reservation_received(t: NullTranslations) -> str:
    return t.gettext("Thank you, we have received the reservation payment for your order "
                     "%(reference)s.")


def _factory_ordered(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your order %(reference)s has been placed with the factory"), [
        _reservation_received(t),
        t.gettext("We have ordered your %(model)s from the factory.") if v["model"]
        else t.gettext("We have ordered your vehicle from the factory."),
        t.gettext("The estimated production date is %(estimated_date)s.")
        if v["estimated_date"] else None,
    ]


def _factory_delayed(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Payment received for your order %(reference)s"), [
        _reservation_received(t),
        t.gettext("We could not pass your order on to the factory just now, so it has been "
                  "queued and will be placed automatically."),
        t.gettext("You do not need to do anything; we will write to you again as soon as the "
                  "factory confirms it."),
    ]


def _manufacturing(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your vehicle for order %(reference)s is being manufactured"), [
        t.gettext("Good news: the vehicle for your order %(reference)s is now being "
                  "manufactured."),
        t.gettext("We will let you know as soon as it is ready."),
    ]


def _vehicle_ready(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your vehicle for order %(reference)s is ready"), [
        t.gettext("The vehicle for your order %(reference)s is ready (VIN %(vin)s).") if v["vin"]
        else t.gettext("The vehicle for your order %(reference)s is ready."),
        _paragraph_final_payment(t, v),
    ]


def _final_payment_received(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Final payment received for your order %(reference)s"), [
        t.gettext("Thank you, we have received the final payment of %(amount)s for your order "
                  "%(reference)s.") if v["amount"]
        else t.gettext("Thank you, we have received the final payment for your order "
                       "%(reference)s."),
        t.gettext("We are now registering your vehicle and will let you know as soon as it is "
                  "on its way."),
    ]


def _final_payment_failed(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your order %(reference)s has been cancelled"), [
        t.gettext("Unfortunately, the final payment for your order %(reference)s could not be "
                  "completed."),
        t.gettext("The order has therefore been cancelled and the vehicle released."),
        t.gettext("Please contact your dealership; they will be happy to help you."),
    ]


def _registration_delayed(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Delivery of your order %(reference)s is delayed"), [
        t.gettext("Registering the vehicle for your order %(reference)s with the national "
                  "vehicle authority is taking longer than expected."),
        t.gettext("Delivery will therefore be delayed."),
        t.gettext("Our team is already working on it, and we will write to you again as soon "
                  "as there is news."),
        t.gettext("We apologise for the inconvenience."),
    ]


def _registered(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your vehicle for order %(reference)s is registered and on its way"), [
        t.gettext("The vehicle for your order %(reference)s has been registered with the "
                  "number plate %(plate)s.") if v["plate"]
        else t.gettext("The vehicle for your order %(reference)s has been registered."),
        t.gettext("It is now on its way to you."),
    ]


def _at_dealership(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your vehicle for order %(reference)s is waiting for you at the "
                     "dealership"), [
        t.gettext("We tried to deliver the vehicle for your order %(reference)s, but nobody "
                  "was available to receive it."),
        t.gettext("Your vehicle is safe at the dealership, waiting for you to collect it."),
    ]


def _delivered(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your vehicle for order %(reference)s has been delivered"), [
        t.gettext("The vehicle for your order %(reference)s has been delivered."),
        t.gettext("Link it to your account in the mobile app to use the connected services."),
        t.gettext("Enjoy your new vehicle!"),
    ]


def _vehicle_assigned(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("A vehicle has been assigned to your order %(reference)s"), [
        t.gettext("We have assigned a vehicle from our stock to your order %(reference)s "
                  "(VIN %(vin)s).") if v["vin"]
        else t.gettext("We have assigned a vehicle from our stock to your order %(reference)s."),
        _paragraph_final_payment(t, v),
    ]


ORDER_EVENTS: dict[str, Callable[[NullTranslations, Mapping], _Texts]] = {
    "factory_ordered": _factory_ordered,
    "factory_delayed": _factory_delayed,
    "manufacturing": _manufacturing,
    "vehicle_ready": _vehicle_ready,
    "final_payment_received": _final_payment_received,
    "final_payment_failed": _final_payment_failed,
    "registration_delayed": _registration_delayed,
    "registered": _registered,
    "at_dealership": _at_dealership,
    "delivered": _delivered,
    "vehicle_assigned": _vehicle_assigned,
}


# Services bought for a vehicle (catalog options activated over the air). What the
# customer pays differs by billing (``SERVICE_BILLINGS``): a one-time price is taken when
# the vehicle confirms the option; a monthly one is billed in arrears (the purchase's hold
# is released); a free trial costs nothing until it ends.

#: The billings a service message is written for; ``trial``: a monthly option in its trial.
SERVICE_BILLINGS = ("one_time", "monthly", "trial")


def _service_active(t: NullTranslations, v: Mapping) -> _Texts:
    payment = {
        "one_time": t.gettext("The payment of %(amount)s has been confirmed."),
        "monthly": t.gettext("It is billed monthly in arrears: %(amount)s a month, charged "
                             "at the end of each month of use. Nothing has been charged now."),
        "trial": t.gettext("Your free trial runs until %(trial_ends)s. After that it costs "
                           "%(amount)s a month, billed at the end of each month, unless you "
                           "cancel it before. Nothing has been charged now."),
    }[v["billing"]]
    return t.gettext("%(option)s is now active on your vehicle"), [
        t.gettext("%(option)s has been activated on your vehicle %(vin)s and is ready to use."),
        t.gettext("It has been active since %(activated_at)s.") if v["activated_at"] else None,
        payment,
    ]


def _service_failed(t: NullTranslations, v: Mapping) -> _Texts:
    released = (
        t.gettext("You have not been charged: the payment of %(amount)s has been released.")
        if v["billing"] == "one_time"
        else t.gettext("You have not been charged and no subscription has started: the hold "
                       "of %(amount)s on your card has been released."))
    return t.gettext("We could not activate %(option)s"), [
        t.gettext("We could not activate %(option)s on your vehicle %(vin)s because of a "
                  "technical problem."),
        released,
        t.gettext("Our technical support team has been informed and will look into it."),
    ]


def _service_withdrawn(t: NullTranslations, v: Mapping) -> _Texts:
    refund = {
        "one_time": t.gettext("The service is being switched off and any amount paid will be "
                              "refunded to your card under the applicable law."),
        "monthly": t.gettext("The subscription is being switched off and the month under way "
                             "will not be billed; what you paid for it is credited and "
                             "refunded to your card."),
        "trial": t.gettext("The service is being switched off during its free trial: nothing "
                           "has been charged, and nothing will be."),
    }[v["billing"]]
    return t.gettext("Your withdrawal from %(option)s"), [
        t.gettext("We have received your withdrawal from %(option)s on your vehicle %(vin)s."),
        refund,
    ]


def _service_expired(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("%(option)s has ended"), [
        t.gettext("The period of %(option)s on your vehicle %(vin)s is over, and it has been "
                  "switched off."),
        t.gettext("You can buy it again at any time from your account."),
    ]


SERVICE_EVENTS: dict[str, Callable[[NullTranslations, Mapping], _Texts]] = {
    "service_active": _service_active,
    "service_failed": _service_failed,
    "service_withdrawn": _service_withdrawn,
    "service_expired": _service_expired,
}


# Subscriptions and invoices.

def _invoice_paid(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your invoice %(number)s"), [
        t.gettext("Your invoice %(number)s for %(period)s comes to %(amount)s.") if v["period"]
        else t.gettext("Your invoice %(number)s comes to %(amount)s."),
        t.gettext("The amount has been charged to your card. Thank you."),
        t.gettext("You can see the invoice with its lines and VAT in your account."),
    ]


def _invoice_payment_failed(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Payment of your invoice %(number)s failed"), [
        t.gettext("We could not charge your card the %(amount)s of invoice %(number)s."),
        t.gettext("Your subscriptions on that invoice (%(options)s) have therefore been "
                  "cancelled and switched off; nothing more will be charged for them."),
        t.gettext("You can subscribe again at any time from your account."),
    ]


def _subscription_cancelled(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your subscription to %(options)s ends on %(date)s"), [
        t.gettext("We have received the cancellation of your subscription to %(options)s."),
        t.gettext("It stays on until %(date)s, the end of this month, which will be billed "
                  "as usual; after that nothing more will be charged."),
    ]


def _credit_note(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Credit note %(number)s"), [
        t.gettext("We have issued credit note %(number)s of %(amount)s for your invoice "
                  "%(invoice)s."),
        t.gettext("The amount is being refunded to your card."),
    ]


def _trial_ending(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your free trial of %(options)s ends on %(date)s"), [
        t.gettext("Your free trial of %(options)s ends on %(date)s."),
        t.gettext("From then on it continues as a subscription at %(amount)s a month, billed "
                  "at the end of each month, unless you cancel it before."),
    ]


def _trial_cancelled(t: NullTranslations, v: Mapping) -> _Texts:
    return t.gettext("Your free trial of %(options)s ends on %(date)s"), [
        t.gettext("We have received the cancellation of your subscription to %(options)s."),
        t.gettext("It ends with your free trial on %(date)s, and nothing will be charged."),
    ]


def _price_change(t: NullTranslations, v: Mapping) -> _Texts:
    usage = [t.gettext("From then on, use beyond %(included)s a month costs %(usage_price)s "
                       "per %(unit)s.") % v] if v.get("usage_price") else []
    return t.gettext("New price for %(options)s from %(date)s"), [
        t.gettext("The monthly price of your subscription to %(options)s changes to "
                  "%(amount)s from %(date)s."), *usage,
        t.gettext("Until then you keep your current price. You may cancel at any time "
                  "before that date."),
    ]


BILLING_EVENTS: dict[str, Callable[[NullTranslations, Mapping], _Texts]] = {
    "invoice_paid": _invoice_paid,
    "invoice_payment_failed": _invoice_payment_failed,
    "subscription_cancelled": _subscription_cancelled,
    "credit_note": _credit_note,
    "price_change": _price_change,
    "trial_ending": _trial_ending,
    "trial_cancelled": _trial_cancelled,
}

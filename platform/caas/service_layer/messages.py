"""Localised messages the platform sends: an email's subject and body, and the short forms
(:func:`short_text`) the push, SMS and vehicle-display channels carry."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_currency
from babel.support import NullTranslations

from caas.i18n import formatting_locale, translations
from caas.quantities import format_quantity, unit_symbol


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    locale: str


def credentials_email(to: str, locale: str, fallback_locale: str, *, name: str, tenant_name: str,
                      role: str, password: str, login_hint: str) -> Email:
    """The message carrying a new account's generated password."""
    t = translations(locale, fallback_locale)
    roles = {"admin": t.gettext("administrator"), "employee": t.gettext("dealership employee"),
             "customer": t.gettext("customer")}
    values = {"name": name, "tenant": tenant_name, "role": roles.get(role, role), "email": to,
              "password": password, "login": login_hint}
    subject = t.gettext("Your %(tenant)s account") % values
    body = "\n\n".join([
        t.gettext("Hello %(name)s,") % values,
        t.gettext("An account has been created for you at %(tenant)s as %(role)s.") % values,
        t.gettext("Sign in with your email address %(email)s and this password: %(password)s")
        % values,
        t.gettext("Tenant for sign-in: %(login)s") % values,
        t.gettext("Please change the password after your first sign-in. "
                  "Nobody from %(tenant)s will ever ask you for it.") % values,
    ])
    return Email(to=to, subject=subject, body=body, locale=locale)


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


def _format_amount(amount: Mapping | None, where: str) -> str | None:
    if not amount:
        return None
    return format_currency(Decimal(str(amount["amount"])), amount["currency"], locale=where)


def _format_date(value: str | date | None, where: str) -> str | None:
    if not value:
        return None
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return format_date(day, format="long", locale=where)


def _format_moment(value: str | datetime | None, where: str, zone: str | None) -> str | None:
    """A long local date and a short time, in the tenant's time zone (``zone``, else UTC)."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    try:
        tzinfo = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tzinfo = ZoneInfo("UTC")
    local = moment.astimezone(tzinfo)
    return (get_datetime_format("long", locale=where).replace("'", "")
            .replace("{0}", format_time(local, "short", locale=where))
            .replace("{1}", format_date(local.date(), "long", locale=where)))


def order_update_email(to: str, locale: str, fallback_locale: str, *, name: str,
                       tenant_name: str, reference: str, event: str, model: str | None = None,
                       amount: Mapping | None = None, plate: str | None = None,
                       vin: str | None = None, estimated_date: str | None = None,
                       reason: str | None = None) -> Email:
    """The message telling a customer where their vehicle order stands.

    ``amount`` is ``{"amount": "49.00", "currency": "EUR"}``; ``estimated_date`` an ISO
    date. Both are formatted for ``locale``. ``reason`` is accepted with the payload but
    not shown: it is internal, untranslated text.
    """
    texts = ORDER_EVENTS.get(event)
    if texts is None:
        raise ValueError(f"unknown order event {event!r}")
    t = translations(locale, fallback_locale)
    where = formatting_locale(locale, fallback_locale)
    values = {"name": name, "tenant": tenant_name, "reference": reference, "model": model,
              "plate": plate, "vin": vin, "amount": _format_amount(amount, where),
              "estimated_date": _format_date(estimated_date, where)}
    subject, sentences = texts(t, values)
    return _compose(t, values, subject, sentences, to, locale)


def _compose(t: NullTranslations, values: Mapping, subject: str, sentences: list[str | None],
             to: str, locale: str) -> Email:
    paragraphs = [t.gettext("Hello %(name)s,"), *sentences,
                  t.gettext("Kind regards,\nThe %(tenant)s team")]
    body = "\n\n".join(paragraph % values for paragraph in paragraphs if paragraph)
    return Email(to=to, subject=subject % values, body=body, locale=locale)


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


def service_update_email(to: str, locale: str, fallback_locale: str, *, name: str,
                         tenant_name: str, event: str, option: str, vin: str,
                         amount: Mapping, activated_at: str | None = None,
                         timezone: str | None = None, billing: str = "one_time",
                         trial_ends: str | None = None) -> Email:
    """The message about a service bought for a vehicle; ``option`` is its localised name.

    ``activated_at`` (ISO 8601) is shown in the tenant's ``timezone``. ``billing`` is one of
    :data:`SERVICE_BILLINGS` (``amount`` is then the price, or the monthly price);
    ``trial_ends`` (an ISO date) the last day of a trial.
    """
    texts = SERVICE_EVENTS.get(event)
    if texts is None:
        raise ValueError(f"unknown service event {event!r}")
    if billing not in SERVICE_BILLINGS or (billing == "trial") != bool(trial_ends):
        raise ValueError(f"billing {billing!r} with trial_ends {trial_ends!r}")
    t = translations(locale, fallback_locale)
    where = formatting_locale(locale, fallback_locale)
    values = {"name": name, "tenant": tenant_name, "option": option, "vin": vin,
              "amount": _format_amount(amount, where), "billing": billing,
              "trial_ends": _format_date(trial_ends, where),
              "activated_at": _format_moment(activated_at, where, timezone)}
    subject, sentences = texts(t, values)
    return _compose(t, values, subject, sentences, to, locale)


def maintenance_due_email(to: str, locale: str, fallback_locale: str, *, name: str,
                          tenant_name: str, vin: str, due_date: str, plate: str | None = None,
                          overdue: bool = False) -> Email:
    """The reminder that a vehicle's maintenance is due (``due_date``, ISO) or overdue."""
    t = translations(locale, fallback_locale)
    values = {"name": name, "tenant": tenant_name, "vehicle": plate or vin,
              "due_date": _format_date(due_date, formatting_locale(locale, fallback_locale))}
    subject = (t.gettext("The maintenance of your vehicle %(vehicle)s is overdue") if overdue
               else t.gettext("Your vehicle %(vehicle)s is due for maintenance"))
    sentences = [
        t.gettext("According to the workshop records, the maintenance of your vehicle "
                  "%(vehicle)s is overdue: it was due on %(due_date)s.") if overdue
        else t.gettext("According to the workshop records, the next maintenance of your "
                       "vehicle %(vehicle)s is due on %(due_date)s."),
        t.gettext("Please book an appointment with an authorised workshop."),
        t.gettext("Some connected services, such as driving assistance, are only available "
                  "while the maintenance is up to date."),
    ]
    return _compose(t, values, subject, sentences, to, locale)


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


def billing_update_email(to: str, locale: str, fallback_locale: str, *, name: str,
                         tenant_name: str, event: str, amount: Mapping | None = None,
                         number: str | None = None, period: str | None = None,
                         options: list[str] | None = None, date: str | None = None,
                         invoice: str | None = None, usage: Mapping | None = None) -> Email:
    """The message about a customer's subscriptions and invoices.

    ``options`` are the localised names of the options concerned; ``date`` an ISO date;
    ``usage`` a usage price (``{"price": money dict, "included": "10.000", "unit": "GB"}``),
    its quantity written by the locale's rules ("10 GB").
    """
    texts = BILLING_EVENTS.get(event)
    if texts is None:
        raise ValueError(f"unknown billing event {event!r}")
    t = translations(locale, fallback_locale)
    where = formatting_locale(locale, fallback_locale)
    values = {"name": name, "tenant": tenant_name, "number": number, "period": period,
              "invoice": invoice, "amount": _format_amount(amount, where),
              "options": ", ".join(options or ()), "date": _format_date(date, where)}
    if usage:
        values.update(unit=unit_symbol(usage["unit"], where),
                      usage_price=_format_amount(usage["price"], where),
                      included=format_quantity(usage["included"], usage["unit"], where))
    subject, sentences = texts(t, values)
    return _compose(t, values, subject, sentences, to, locale)


BUILDERS: dict[str, Callable[..., Email]] = {
    "credentials": credentials_email,
    "order_update": order_update_email,
    "service_update": service_update_email,
    "maintenance_due": maintenance_due_email,
    "billing_update": billing_update_email,
}


def short_text(email: Email) -> str:
    """The message's main sentence: what a push, a text message or a display has room for."""
    paragraphs = email.body.split("\n\n")
    return paragraphs[1] if len(paragraphs) > 2 else email.subject


def build(message: str, to: str, locale: str, fallback_locale: str, **context) -> Email:
    """The email named ``message`` (a key of ``BUILDERS``); KeyError for an unknown name."""
    return BUILDERS[message](to, locale, fallback_locale, **context)

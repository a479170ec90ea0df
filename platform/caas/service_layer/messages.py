"""Localised messages the platform sends, whatever the channel: a subject and a body
(:class:`Message`), which each channel renders the way it can carry it (an email whole, a push
or a text message :func:`short_text`, a vehicle's display :func:`display_text`)."""
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
from caas.service_layer.message_texts import (BILLING_EVENTS, ORDER_EVENTS, SERVICE_BILLINGS,
                                              SERVICE_EVENTS)


@dataclass(frozen=True)
class Message:
    """A message to one person in their language: ``to`` is their address on the channel
    that carries it (an email address; empty where the channel addresses a device)."""

    to: str
    subject: str
    body: str
    locale: str


def credentials_message(to: str, locale: str, fallback_locale: str, *, name: str, tenant_name: str,
                        role: str, password: str, login_hint: str) -> Message:
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
    return Message(to=to, subject=subject, body=body, locale=locale)


def password_reset_message(to: str, locale: str, fallback_locale: str, *, name: str,
                           tenant_name: str, minutes: int, link: str) -> Message:
    """The message carrying a password-reset link, which works once within ``minutes``."""
    t = translations(locale, fallback_locale)
    values = {"name": name, "tenant": tenant_name, "minutes": minutes, "link": link}
    return _compose(t, values, t.gettext("Reset your %(tenant)s password"), [
        t.gettext("We received a request to reset the password of your %(tenant)s account."),
        t.gettext("To choose a new password, open this link within %(minutes)s minutes; it "
                  "works only once: %(link)s"),
        t.gettext("If you did not ask for this, ignore this email: your password stays as "
                  "it is."),
    ], to, locale)


def password_changed_message(to: str, locale: str, fallback_locale: str, *, name: str,
                             tenant_name: str) -> Message:
    """The notice that an account's password was changed through a reset link."""
    t = translations(locale, fallback_locale)
    values = {"name": name, "tenant": tenant_name}
    return _compose(t, values, t.gettext("Your %(tenant)s password has been changed"), [
        t.gettext("The password of your %(tenant)s account has just been changed with a reset "
                  "link."),
        t.gettext("If you did not do this, reset your password again at once and contact "
                  "%(tenant)s."),
    ], to, locale)


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


def order_update_message(to: str, locale: str, fallback_locale: str, *, name: str,
                         tenant_name: str, reference: str, event: str, model: str | None = None,
                         amount: Mapping | None = None, plate: str | None = None,
                         vin: str | None = None, estimated_date: str | None = None,
                         reason: str | None = None) -> Message:
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
             to: str, locale: str) -> Message:
    paragraphs = [t.gettext("Hello %(name)s,"), *sentences,
                  t.gettext("Kind regards,\nThe %(tenant)s team")]
    body = "\n\n".join(paragraph % values for paragraph in paragraphs if paragraph)
    return Message(to=to, subject=subject % values, body=body, locale=locale)


def service_update_message(to: str, locale: str, fallback_locale: str, *, name: str,
                           tenant_name: str, event: str, option: str, vin: str,
                           amount: Mapping, activated_at: str | None = None,
                           timezone: str | None = None, billing: str = "one_time",
                           trial_ends: str | None = None) -> Message:
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


def maintenance_due_message(to: str, locale: str, fallback_locale: str, *, name: str,
                            tenant_name: str, vin: str, due_date: str, plate: str | None = None,
                            overdue: bool = False) -> Message:
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


def billing_update_message(to: str, locale: str, fallback_locale: str, *, name: str,
                           tenant_name: str, event: str, amount: Mapping | None = None,
                           number: str | None = None, period: str | None = None,
                           options: list[str] | None = None, date: str | None = None,
                           invoice: str | None = None, usage: Mapping | None = None) -> Message:
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


BUILDERS: dict[str, Callable[..., Message]] = {
    "credentials": credentials_message,
    "password_reset": password_reset_message,
    "password_changed": password_changed_message,
    "order_update": order_update_message,
    "service_update": service_update_message,
    "maintenance_due": maintenance_due_message,
    "billing_update": billing_update_message,
}


def short_text(message: Message) -> str:
    """The message's main sentence: what a push or a text message has room for."""
    paragraphs = message.body.split("\n\n")
    return paragraphs[1] if len(paragraphs) > 2 else message.subject


def display_text(message: Message) -> str:
    """What a vehicle's display shows: the subject, cut to the display's 200 characters."""
    return message.subject[:200]


def build(message: str, to: str, locale: str, fallback_locale: str, **context) -> Message:
    """The message named ``message`` (a key of ``BUILDERS``); KeyError for an unknown name."""
    return BUILDERS[message](to, locale, fallback_locale, **context)

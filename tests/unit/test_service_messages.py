"""Service texts: the service-update emails, why an option is blocked and why a withdrawal
is refused, in every tenant language.

They read the compiled catalogs in ``translations/`` (``make install`` compiles them).
"""
import datetime

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from caas.i18n import babel_locale, option_name
from caas.service_layer.catalog import reason_text
from caas.service_layer.messages import SERVICE_EVENTS, build, service_update_message
from caas.service_layer.withdrawal import refusal
from tests.support.fakes import plugins
from tests.support.languages import core_locales, unspoken_locale

LOCALES = core_locales()
TRANSLATED = [locale for locale in LOCALES if locale != "en"]
EVENTS = ("service_active", "service_failed", "service_withdrawn", "service_expired")
VIN = "WVWZZZ1JZXW000001"
AMOUNT = {"amount": "249.00", "currency": "EUR"}
BLOCKING_REASONS = ("incompatible", "already_active", "maintenance_overdue")
REFUSALS = ("no_statutory_right", "not_qualifying", "window_over", "not_active")
LAST_DAY = datetime.date(2026, 3, 15)


def _option(locale):
    """The option's name, which reaches the message already localised."""
    return option_name(plugins().catalog_options["heated_seats"], locale)


def _email(locale, event, fallback="en", option=None):
    return service_update_message("ana@example.test", locale, fallback, name="Ana",
                                  tenant_name="CaaS Demo", event=event,
                                  option=option or _option(locale), vin=VIN, amount=AMOUNT)


def _paragraphs(email):
    return [email.subject, *email.body.split("\n\n")]


def _refusal(reason, locale, fallback="en"):
    return refusal(reason, country="ES", days=14, last_day=LAST_DAY).render(locale, fallback)


def test_the_events_are_the_documented_ones():
    assert set(SERVICE_EVENTS) == set(EVENTS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_translated_in_every_locale(event, locale):
    email = _email(locale, event)
    assert email.to == "ana@example.test" and email.locale == locale
    assert "Ana" in email.body and "CaaS Demo" in email.body
    assert _option(locale) in email.subject and _option(locale) in email.body
    assert VIN in email.body
    for text in (email.subject, email.body):
        assert "%(" not in text and "None" not in text
        assert text.strip() == text and text
    if locale != "en":
        # The same option name in English: what differs is the translation.
        english = _email("en", event, option=_option(locale))
        assert email.subject != english.subject
        assert not set(_paragraphs(email)) & set(_paragraphs(english))
    if locale == "de-CH":
        # de-CH reads the de catalog: Swiss spelling has no "ß", so its texts avoid it.
        assert "ß" not in email.subject + email.body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("event", ["service_active", "service_failed"])
def test_the_amount_is_formatted_for_the_locale(event, locale):
    expected = format_currency(249, "EUR", locale=babel_locale(locale))
    assert expected in _email(locale, event).body


@pytest.mark.parametrize("event", EVENTS)
def test_events_have_their_own_subjects(event):
    others = {_email("en", other).subject for other in EVENTS if other != event}
    assert _email("en", event).subject not in others


def test_unknown_event_is_a_value_error():
    with pytest.raises(ValueError, match="service_exploded"):
        _email("es-ES", "service_exploded")


def test_a_language_without_catalog_falls_back_to_the_fallback_locale():
    spanish = _email("es-ES", "service_active", option="Heated seats")
    fallback = _email(unspoken_locale(), "service_active", fallback="es-ES",
                      option="Heated seats")
    assert (fallback.subject, fallback.body) == (spanish.subject, spanish.body)


def test_build_dispatches_on_the_message_name():
    email = build("service_update", "ana@example.test", "it-CH", "de-CH", name="Ana",
                  tenant_name="CaaS Demo", event="service_withdrawn",
                  option=_option("it-CH"), vin=VIN, amount=AMOUNT)
    assert email == _email("it-CH", "service_withdrawn", fallback="de-CH")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("reason", BLOCKING_REASONS)
def test_blocking_reasons_render_translated_in_every_locale(reason, locale):
    text = reason_text(reason, locale, "en")
    assert text and text.strip() == text and "%(" not in text
    if locale != "en":
        assert text != reason_text(reason, "en", "en")
    if locale == "de-CH":
        assert "ß" not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_blocking_reasons_are_distinct(locale):
    texts = {reason_text(reason, locale, "en") for reason in BLOCKING_REASONS}
    assert len(texts) == len(BLOCKING_REASONS)


def test_an_unknown_blocking_reason_is_a_key_error():
    with pytest.raises(KeyError):
        reason_text("out_of_fuel", "en", "en")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("reason", REFUSALS)
def test_withdrawal_refusals_render_translated_in_every_locale(reason, locale):
    text = _refusal(reason, locale)
    assert text and text.strip() == text and "%(" not in text
    if locale != "en":
        assert text != _refusal(reason, "en")
    if locale == "de-CH":
        assert "ß" not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_window_over_names_the_last_day_as_a_long_local_date(locale):
    text = _refusal("window_over", locale)
    assert format_date(LAST_DAY, format="long", locale=babel_locale(locale)) in text
    assert "14" in text and "2026-03-15" not in text


@pytest.mark.parametrize("locale, expected", [
    ("en", "March 15, 2026"),
    ("es-ES", "15 de marzo de 2026"),
    ("fr-FR", "15 mars 2026"),
    ("de-DE", "15. März 2026"),
    ("de-CH", "15. März 2026"),
    ("it-CH", "15 marzo 2026"),
])
def test_window_over_dates_read_naturally(locale, expected):
    assert expected in _refusal("window_over", locale)


@pytest.mark.parametrize("locale, country", [
    ("en", "Spain"), ("es-ES", "España"), ("fr-FR", "Espagne"), ("de-DE", "Spanien"),
    ("de-CH", "Spanien"), ("fr-CH", "Espagne"), ("it-CH", "Spagna")])
def test_refusals_carry_their_values(locale, country):
    # The country's name in the customer's language, not the plugin's English one.
    assert country in _refusal("no_statutory_right", locale)
    assert "14" in _refusal("not_qualifying", locale)
    texts = {_refusal(reason, locale) for reason in REFUSALS}
    assert len(texts) == len(REFUSALS)


# --- what the customer pays, by billing ----------------------------------------------------

def _billed(event, billing, locale="en"):
    trial = {"trial_ends": "2026-03-15"} if billing == "trial" else {}
    return service_update_message("ana@example.test", locale, "en", name="Ana",
                                  tenant_name="CaaS Demo", event=event, option="Range+", vin=VIN,
                                  amount={"amount": "19.90", "currency": "EUR"},
                                  billing=billing, **trial).body


def test_an_active_one_time_option_says_its_payment_was_taken():
    assert "The payment of €19.90 has been confirmed." in _billed("service_active", "one_time")


def test_an_active_monthly_option_says_it_is_billed_in_arrears_and_nothing_was_charged():
    body = _billed("service_active", "monthly")
    assert "billed monthly in arrears: €19.90 a month" in body
    assert "Nothing has been charged now." in body and "confirmed" not in body


def test_an_option_in_its_free_trial_says_until_when_and_what_it_costs_after():
    body = _billed("service_active", "trial")
    assert "Your free trial runs until March 15, 2026. After that it costs €19.90 a month" in body
    assert "confirmed" not in body


def test_a_failed_subscription_says_none_started_and_the_hold_was_released():
    assert "the payment of €19.90 has been released" in _billed("service_failed", "one_time")
    for billing in ("monthly", "trial"):
        body = _billed("service_failed", billing)
        assert "no subscription has started" in body and "hold of €19.90" in body


def test_a_withdrawal_says_what_happens_to_the_money_for_each_billing():
    texts = {billing: _billed("service_withdrawn", billing)
             for billing in ("one_time", "monthly", "trial")}
    assert "refunded to your card under the applicable law" in texts["one_time"]
    assert "the month under way will not be billed" in texts["monthly"]
    assert "nothing has been charged, and nothing will be" in texts["trial"]


@pytest.mark.parametrize("billing, trial_ends", [("trial", None), ("monthly", "2026-03-15"),
                                                 ("yearly", None)])
def test_a_billing_and_its_trial_date_go_together(billing, trial_ends):
    with pytest.raises(ValueError):
        service_update_message("a@b.c", "en", "en", name="Ana", tenant_name="CaaS",
                               event="service_active", option="X", vin=VIN, amount=AMOUNT,
                               billing=billing, trial_ends=trial_ends)


def test_the_overdue_maintenance_reminder_says_overdue_not_due():
    from caas.service_layer.messages import maintenance_due_message
    for locale in LOCALES:
        due, overdue = (maintenance_due_message("a@b.c", locale, "en", name="Ana",
                                                tenant_name="CaaS", vin=VIN, plate="1234 KLM",
                                                due_date="2026-03-01", overdue=flag)
                          for flag in (False, True))
        assert due.subject != overdue.subject
        assert due.body.split("\n\n")[1] != overdue.body.split("\n\n")[1]
    english = maintenance_due_message("a@b.c", "en", "en", name="Ana", tenant_name="CaaS",
                                      vin=VIN, plate="1234 KLM", due_date="2026-03-01",
                                      overdue=True)
    assert english.subject == "The maintenance of your vehicle 1234 KLM is overdue"
    assert "is overdue: it was due on March 1, 2026." in english.body

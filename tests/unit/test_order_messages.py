"""Order-update emails: every event in every tenant language, with locale-aware amounts and dates.

They read the compiled catalogs in ``translations/`` (``make install`` compiles them).
"""
import pytest

from caas.service_layer import messages
from caas.service_layer.messages import ORDER_EVENTS, build, order_update_message
from tests.support.languages import core_locales, unspoken_locale

LOCALES = core_locales()
EVENTS = ("factory_ordered", "factory_delayed", "manufacturing", "vehicle_ready",
          "final_payment_received", "final_payment_failed", "registration_delayed", "registered",
          "at_dealership", "delivered", "vehicle_assigned")
FULL = {"name": "Ana", "tenant_name": "CaaS Demo", "reference": "ORD-2026-0042",
        "model": "Roadster GT", "amount": {"amount": "1234.50", "currency": "EUR"},
        "plate": "1234 KLM", "vin": "WVWZZZ1JZXW000001", "estimated_date": "2026-03-01"}
MINIMAL = {"name": "Ana", "tenant_name": "CaaS Demo", "reference": "ORD-2026-0042"}


def _email(locale, event, fallback="en", **context):
    return order_update_message("ana@example.test", locale, fallback, event=event,
                                **(context or FULL))


def _paragraphs(email):
    return [email.subject, *email.body.split("\n\n")]


def test_the_events_are_the_documented_ones():
    assert set(ORDER_EVENTS) == set(EVENTS)


@pytest.mark.parametrize("context", [FULL, MINIMAL], ids=["full", "minimal"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_translated_in_every_locale(event, locale, context):
    email = _email(locale, event, **context)
    english = _email("en", event, **context)
    assert email.to == "ana@example.test" and email.locale == locale
    assert "Ana" in email.body and "CaaS Demo" in email.body
    assert "ORD-2026-0042" in email.subject and "ORD-2026-0042" in email.body
    for text in (email.subject, email.body):
        assert "%(" not in text and "None" not in text
        assert text.strip() == text and text
    if locale != "en":
        assert email.subject != english.subject
        # Every paragraph is translated, not only the subject.
        assert not set(_paragraphs(email)) & set(_paragraphs(english))
    if locale == "de-CH":
        # de-CH reads the de catalog: Swiss spelling has no "ß", so its texts avoid it.
        assert "ß" not in email.subject + email.body


@pytest.mark.parametrize("event", EVENTS)
def test_events_have_their_own_subjects(event):
    others = {_email("en", other).subject for other in EVENTS if other != event}
    assert _email("en", event).subject not in others


def test_optional_values_appear_in_their_events():
    body = {event: _email("en", event).body for event in EVENTS}
    assert "Roadster GT" in body["factory_ordered"]
    assert "March 1, 2026" in body["factory_ordered"]
    assert "WVWZZZ1JZXW000001" in body["vehicle_ready"]
    assert "WVWZZZ1JZXW000001" in body["vehicle_assigned"]
    assert "1234 KLM" in body["registered"]
    for event in ("vehicle_ready", "final_payment_received", "vehicle_assigned"):
        assert "€1,234.50" in body[event]


@pytest.mark.parametrize("locale, currency, expected", [
    ("en", "EUR", "€1,234.50"),
    ("es-ES", "EUR", "1.234,50\xa0€"),
    ("de-DE", "EUR", "1.234,50\xa0€"),
    ("fr-FR", "EUR", "1\u202f234,50\xa0€"),
    ("de-CH", "CHF", "CHF\xa01'234.50"),
    ("fr-CH", "CHF", "1'234,50\xa0CHF"),
    ("it-CH", "CHF", "CHF\xa01'234.50"),
])
def test_amounts_are_formatted_for_the_locale(locale, currency, expected):
    context = dict(MINIMAL, amount={"amount": "1234.50", "currency": currency})
    for event in ("vehicle_ready", "final_payment_received", "vehicle_assigned"):
        assert expected in _email(locale, event, **context).body


@pytest.mark.parametrize("locale, expected", [
    ("en", "March 1, 2026"),
    ("es-ES", "1 de marzo de 2026"),
    ("fr-FR", "1 mars 2026"),
    ("de-DE", "1. März 2026"),
    ("de-CH", "1. März 2026"),
    ("it-CH", "1 marzo 2026"),
])
def test_estimated_production_date_is_a_long_local_date(locale, expected):
    context = dict(MINIMAL, estimated_date="2026-03-01")
    assert expected in _email(locale, "factory_ordered", **context).body
    assert "2026-03-01" not in _email(locale, "factory_ordered", **MINIMAL).body


def test_unknown_event_is_a_value_error():
    with pytest.raises(ValueError, match="shipped_to_mars"):
        _email("es-ES", "shipped_to_mars")


def test_a_language_without_catalog_falls_back_to_the_fallback_locale():
    spanish = _email("es-ES", "delivered")
    unspoken = unspoken_locale()
    fallback = _email(unspoken, "delivered", fallback="es-ES")
    assert fallback.subject == spanish.subject
    assert fallback.body == spanish.body
    assert fallback.locale == unspoken


def test_english_recipients_get_english_whatever_the_fallback():
    assert _email("en", "registered", fallback="es-ES") == _email("en", "registered")


def test_build_dispatches_on_the_message_name():
    email = build("order_update", "ana@example.test", "de-CH", "de-CH", event="manufacturing",
                  **MINIMAL)
    assert email == _email("de-CH", "manufacturing", fallback="de-CH", **MINIMAL)
    credentials = build("credentials", "ana@example.test", "it-CH", "de-CH", name="Ana",
                        tenant_name="CaaS Demo", role="employee", password="s3cret",
                        login_hint="ch-demo")
    assert credentials.subject == "Il suo account CaaS Demo"
    assert set(messages.BUILDERS) == {"credentials", "order_update", "service_update",
                                      "maintenance_due", "billing_update", "password_reset",
                                      "password_changed"}
    with pytest.raises(KeyError):
        build("newsletter", "ana@example.test", "en", "en")

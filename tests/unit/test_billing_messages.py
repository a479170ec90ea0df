"""Billing emails and invoice documents in every tenant language."""
import pytest
from babel.numbers import format_currency

from caas.i18n import babel_locale
from caas.service_layer.messages import BILLING_EVENTS, billing_update_message
from tests.support.languages import core_locales

LOCALES = core_locales()
AMOUNT = {"amount": "19.90", "currency": "CHF"}


def _email(locale, event, fallback="en"):
    return billing_update_message("ana@example.test", locale, fallback, name="Ana",
                                  tenant_name="CaaS Demo", event=event, amount=AMOUNT,
                                  number="CH-INV-2028-000007", period="2028-02",
                                  options=["Range+"], date="2028-03-31",
                                  invoice="CH-INV-2028-000001")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("event", sorted(BILLING_EVENTS))
def test_every_billing_event_renders_translated_in_every_locale(event, locale):
    email = _email(locale, event)
    assert "Ana" in email.body and "CaaS Demo" in email.body
    for text in (email.subject, email.body):
        assert text and "%(" not in text and "None" not in text
    if event not in ("subscription_cancelled", "trial_cancelled"):
        assert format_currency(19.90, "CHF", locale=babel_locale(locale)) in email.body
    if event in ("invoice_paid", "invoice_payment_failed", "credit_note"):
        assert "CH-INV-2028-000007" in email.subject
    if locale != "en":
        english = _email("en", event)
        assert email.subject != english.subject
        assert not set(email.body.split("\n\n")) & set(english.body.split("\n\n"))
    if locale == "de-CH":
        assert "ß" not in email.subject + email.body


def test_an_unknown_billing_event_is_a_value_error():
    with pytest.raises(ValueError, match="invoice_exploded"):
        _email("es-ES", "invoice_exploded")

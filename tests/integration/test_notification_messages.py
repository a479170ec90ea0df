"""Every notification text in every tenant language and on every channel, with fallbacks and
plugins' own catalogs.

They read the compiled catalogs in ``translations/`` (``make install`` compiles them).
"""
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from caas import CatalogOption, hookimpl, i18n
from caas.service_layer import messages
from caas.service_layer.messages import (BILLING_EVENTS, ORDER_EVENTS, SERVICE_EVENTS, build,
                                         short_text)
from caas.service_layer.notifications import ROUTED_AS, option_name
from tests.support.languages import core_locales, unspoken_locale

LOCALES = core_locales()
BASE = {"name": "Ana", "tenant_name": "CaaS Demo"}
AMOUNT = {"amount": "1234.50", "currency": "EUR"}
VIN = "WVWZZZ1JZXW000001"
#: Sample data of every message the engine sends, with every optional value given.
SAMPLES = {
    **{("order_update", event): dict(BASE, event=event, reference="ORD-2026-0042",
                                     model="Roadster GT", amount=AMOUNT, plate="1234 KLM",
                                     vin=VIN, estimated_date="2026-03-01")
       for event in ORDER_EVENTS},
    **{("service_update", event): dict(BASE, event=event, option="Heated seats", vin=VIN,
                                       amount=AMOUNT, activated_at="2026-03-01T09:05:00+00:00",
                                       timezone="Europe/Madrid")
       for event in SERVICE_EVENTS},
    **{("billing_update", event): dict(BASE, event=event, amount=AMOUNT, number="ES-2026-000042",
                                       period="2026-02", options=["Extended range"],
                                       date="2026-03-01", invoice="ES-2026-000041")
       for event in BILLING_EVENTS},
    ("credentials", None): dict(BASE, role="customer", password="s3cret-Pass",
                                login_hint="es-demo"),
    ("password_reset", None): dict(BASE, minutes=60,
                                   link="https://caas.example/t/es-demo/password-reset/t0k3n"),
    ("password_changed", None): dict(BASE),
    ("maintenance_due", None): dict(BASE, vin=VIN, plate="1234 KLM", due_date="2026-03-01"),
    ("maintenance_due", "overdue"): dict(BASE, vin=VIN, plate="1234 KLM",
                                         due_date="2026-03-01", overdue=True),
}
IDS = [f"{message}-{variant}" for message, variant in SAMPLES]


def _render(key, locale, fallback="en"):
    return build(key[0], "ana@example.test", locale, fallback, **SAMPLES[key])


def test_every_message_the_engine_sends_has_a_sample():
    assert set(ROUTED_AS) == set(ORDER_EVENTS) | set(SERVICE_EVENTS) | set(BILLING_EVENTS)
    assert {message for message, _ in SAMPLES} == set(messages.BUILDERS)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", list(SAMPLES), ids=IDS)
def test_every_message_renders_on_every_channel_in_every_locale(key, locale):
    email = _render(key, locale)
    english = _render(key, "en")
    forms = {"email subject": email.subject, "email body": email.body,
             "push, sms": short_text(email)}
    for channel, text in forms.items():
        assert text and text.strip() == text, channel
        assert "%(" not in text and "%s" not in text and "None" not in text, (channel, text)
    assert "Ana" in email.body and "CaaS Demo" in email.body
    if locale != "en":
        assert email.subject != english.subject
        assert short_text(email) != short_text(english)
    if locale == "de-CH":
        assert "ß" not in email.subject + email.body


@pytest.mark.parametrize("locale, expected", [
    ("en", "March 1, 2026, 10:05\u202fAM"), ("es-ES", "1 de marzo de 2026, 10:05"),
    ("de-CH", "1. März 2026, 10:05"), ("it-CH", "1 marzo 2026 10:05")])
def test_times_are_local_to_the_tenant_and_formatted_for_the_customer(locale, expected):
    body = _render(("service_update", "service_active"), locale).body
    assert expected in body.replace(" ", "\u202f") or expected in body
    assert "09:05" not in body  # UTC would be an hour early in Madrid


def test_the_maintenance_reminder_names_the_vehicle_and_the_local_due_date():
    assert "1. März 2026" in _render(("maintenance_due", None), "de-DE").body
    assert "1234 KLM" in _render(("maintenance_due", None), "fr-CH").subject
    due, overdue = (_render(("maintenance_due", key), "es-ES").body for key in (None, "overdue"))
    assert due != overdue
    without_plate = build("maintenance_due", "a@b.test", "en", "en",
                          **dict(SAMPLES[("maintenance_due", None)], plate=None))
    assert VIN in without_plate.subject


@pytest.mark.parametrize("key", list(SAMPLES), ids=IDS)
def test_a_language_without_catalog_gets_the_tenants_default_language(key):
    for default in LOCALES[1:]:
        fallback = _render(key, unspoken_locale(), fallback=default)
        assert (fallback.subject, fallback.body) == (_render(key, default).subject,
                                                      _render(key, default).body)


def test_a_message_missing_in_one_catalog_falls_back_to_the_default_language(tmp_path,
                                                                              monkeypatch):
    """A catalog lacking a message (a translation not done yet) shows the tenant's default
    language for it, never the message id or an error."""
    monkeypatch.setattr(i18n, "translations_dir", lambda: tmp_path)
    i18n.clear_caches()
    try:
        for language, texts in (("es", {"Hello %(name)s,": "Hola, %(name)s:"}),
                                ("fr", {})):  # French: nothing translated yet
            _compile(tmp_path, language, texts)
        french_customer = build("maintenance_due", "a@b.test", "fr-FR", "es-ES",
                                **SAMPLES[("maintenance_due", None)])
        assert french_customer.body.startswith("Hola, Ana:")
    finally:
        i18n.clear_caches()


def _compile(folder, language, texts):
    catalog = Catalog(locale=language, domain="messages")
    for source, translated in texts.items():
        catalog.add(source, translated)
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)


class _Sauna:
    """A throwaway option plugin that ships its own catalog instead of names per language."""

    def __init__(self, folder):
        self.folder = folder

    @hookimpl
    def register_catalog_options(self):
        return [CatalogOption(code="sauna_mode", names={"en": "Sauna mode"},
                              descriptions={"en": "Hot."}, billing_modes=("one_time",),
                              activation_payload=lambda vin: {}, deactivation_payload=lambda vin: {})]

    @hookimpl
    def register_translations(self):
        return [self.folder]


def test_plugins_ship_their_own_translations_and_the_engine_finds_them(platform, tmp_path):
    _compile(tmp_path, "es", {"Sauna mode": "Modo sauna",
                              # A plugin cannot change the platform's own translations.
                              "Hello %(name)s,": "Buenas, %(name)s"})
    _compile(tmp_path, "de", {"Sauna mode": "Saunamodus"})
    plugin = _Sauna(tmp_path)
    platform.plugins.register(plugin, "sauna")
    try:
        option = platform.plugins.catalog_options["sauna_mode"]
        assert option_name(option, "sauna_mode", "es-ES", "es-ES") == "Modo sauna"
        assert option_name(option, "sauna_mode", "de-CH", "de-CH") == "Saunamodus"
        # No Italian in the plugin: the tenant's default language, then English.
        assert option_name(option, "sauna_mode", "it-CH", "de-CH") == "Saunamodus"
        assert option_name(option, "sauna_mode", "it-CH", "it-CH") == "Sauna mode"
        email = build("service_update", "a@b.test", "es-ES", "es-ES",
                      **dict(SAMPLES[("service_update", "service_active")],
                             option=option_name(option, "sauna_mode", "es-ES", "es-ES")))
        assert "Modo sauna" in email.subject and email.body.startswith("Hola, Ana:")
    finally:
        platform.plugins.pm.unregister(plugin)
        del platform.plugins.loaded["sauna"]
        platform.plugins._collect()

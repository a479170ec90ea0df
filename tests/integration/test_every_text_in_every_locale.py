"""Every text the platform produces, in every language it speaks: nothing missing, nothing
left in English.

The set of texts is derived, not listed: the messages are extracted from the code as
``make translations-extract`` does (``gettext``, ``lazy_gettext`` and ``N_`` calls, the
platform's and each bundled plugin's), the validation messages are provoked from every
input schema, and the notifications are rendered for every event and billing. Adding a
message without translating it in every catalog fails here.
"""
from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import marshmallow
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from marshmallow import fields, validate

import caas.entrypoints.http.api
from caas import i18n
from caas.entrypoints.http.api import field_messages
from caas.i18n import (LazyText, catalog_gaps, core_languages, translation, translations,
                       translations_dir)
from caas.plugins import Plugins
from caas.quantities import format_quantity
from caas.service_layer import catalog, documents, messages
from caas.service_layer.withdrawal import refusal
from tests.support.languages import core_locales, country_speaking, translated_languages

# Same on every backend (catalogs and rendered texts, not databases):
# the PostgreSQL run leaves it to SQLite's.
pytestmark = pytest.mark.same_on_every_backend

REPO = Path(__file__).resolve().parents[2]
API = "/api/v1"
#: The core's languages (its own catalogs': a language only a plugin brings is checked by
#: that plugin's conformance kit), and the tenant locales that read them, an English one too.
LANGUAGES = core_languages()
LOCALES = (*core_locales(), "en-GB")
TRANSLATED = translated_languages()
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.fixture(scope="module")
def plugins():
    return Plugins(None).load()


#: What ``babel.cfg`` has pybabel extract: the Python sources, and the pages' templates.
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _extracted(folder: Path) -> set[str]:
    """The message ids of the sources and templates under ``folder``, as pybabel extracts them."""
    found = set()
    for _, _, message, _, _ in extract_from_dir(folder, METHODS, options_map=OPTIONS,
                                                keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return {message for message in found if message}


def _template(folder: Path) -> set[str]:
    with (folder / "messages.pot").open("rb") as source:
        return {message.id for message in read_po(source) if message.id}


def _plugin_catalogs() -> list[Path]:
    """The packages of the bundled plugins that ship catalogs."""
    return sorted(path.parent.parent for path in REPO.glob("plugins/*/*/*/translations/*.pot"))


# --- (a) the catalogs hold every message of the code, translated ------------------------------

def test_the_template_holds_every_message_of_the_platforms_code():
    code, template = _extracted(REPO / "platform"), _template(translations_dir())
    assert code - template == set(), "run `make translations-update` and translate them"
    assert template - code == set(), "messages no code uses any more"


@pytest.mark.parametrize("package", _plugin_catalogs(), ids=lambda path: path.name)
def test_each_plugins_template_holds_every_message_of_its_code(package):
    code, template = _extracted(package), _template(package / "translations")
    assert code and code == template


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("folder", [translations_dir(), *(
    package / "translations" for package in _plugin_catalogs())], ids=lambda path: path.parent.name)
def test_every_message_is_translated_in_every_language(folder, language):
    assert catalog_gaps(folder, language) == []
    with (folder / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    for message in catalog:
        if not message.id:
            continue
        # The same placeholders, so that every value reaches the reader.
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)), (language, message.id)
        if language == "de":
            assert "ß" not in message.string, message.id  # de-CH reads de: no "ß" in Swiss


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_reads_translated_through_the_platform(language):
    """What the platform loads (compiled catalogs, plugins' included) translates each one."""
    Plugins(None).load()
    for folder in (translations_dir(), *(p / "translations" for p in _plugin_catalogs())):
        for msgid in _template(folder):
            assert translation(msgid, language), (language, msgid)


# --- (b) every notification, for every event and billing, in every language -----------------

def _recording(monkeypatch) -> set[str]:
    """Record every message id the rendering asks the catalogs for."""
    asked: set[str] = set()
    real = messages.translations

    def recorded(locale, fallback="en"):
        chosen = real(locale, fallback)

        class Recorder:
            def gettext(self, msgid):
                asked.add(msgid)
                return chosen.gettext(msgid)
        return Recorder()
    monkeypatch.setattr(messages, "translations", recorded)
    return asked


def _samples(plugins, locale: str) -> list[tuple[str, dict]]:
    """Each message with every optional value, in each of its variants."""
    base = {"name": "Ana", "tenant_name": "CaaS Demo"}
    amount = {"amount": "1234.50", "currency": "EUR"}
    option = i18n.option_name(plugins.catalog_options["premium_connectivity"], locale)
    samples = [("credentials", dict(base, role=role, password="s3cret-Pass", login_hint="demo"))
               for role in ("admin", "employee", "customer")]
    samples += [("order_update", dict(base, event=event, reference="ORD-1", model="Urbano EV",
                                      amount=amount, plate="1234 KLM", vin="VIN0000000000001",
                                      estimated_date="2026-03-01"))
                for event in messages.ORDER_EVENTS]
    samples += [("service_update", dict(
        base, event=event, option=option, vin="VIN0000000000001", amount=amount,
        activated_at="2026-03-01T09:05:00+00:00", timezone="Europe/Madrid", billing=billing,
        trial_ends="2026-03-15" if billing == "trial" else None))
        for event in messages.SERVICE_EVENTS for billing in messages.SERVICE_BILLINGS]
    samples += [("billing_update", dict(
        base, event=event, amount=amount, number="ES-2026-000042", period="2026-02",
        options=[option], date="2026-03-01", invoice="ES-2026-000041",
        usage={"price": {"amount": "1.50", "currency": "EUR"}, "included": "10.000",
               "unit": "GB"})) for event in messages.BILLING_EVENTS]
    samples += [("maintenance_due", dict(base, vin="VIN0000000000001", plate="1234 KLM",
                                         due_date="2026-03-01", overdue=overdue))
                for overdue in (False, True)]
    samples += [("password_reset", dict(base, minutes=60,
                                        link="http://127.0.0.1:5000/t/demo/password-reset/x")),
                ("password_changed", base)]
    return samples


def test_the_samples_cover_every_message_the_engine_sends(plugins):
    assert {name for name, _ in _samples(plugins, "en")} == set(messages.BUILDERS)


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale[:2] != "en"])
def test_every_notification_renders_translated_in_every_locale(plugins, monkeypatch, locale):
    asked = _recording(monkeypatch)
    english = [messages.build(name, "ana@example.test", "en", "en", **context)
               for name, context in _samples(plugins, "en")]
    asked.clear()
    for (name, context), in_english in zip(_samples(plugins, locale), english):
        email = messages.build(name, "ana@example.test", locale, locale, **context)
        paragraphs = [email.subject, *email.body.split("\n\n")]
        for text in paragraphs:
            assert text.strip() == text and "%(" not in text and "None" not in text, text
        # No sentence left as the English one.
        assert not set(paragraphs) & {in_english.subject, *in_english.body.split("\n\n")}, (
            name, context.get("event"), context.get("billing"))
    language = i18n.language_of(locale)
    untranslated = {msgid for msgid in asked if not translation(msgid, language)}
    assert untranslated == set()


@pytest.mark.parametrize("event, distinct", [
    ("service_active", 3),     # paid, billed monthly in arrears, free until the trial ends
    ("service_withdrawn", 3),  # refunded, month credited, nothing charged in the trial
    ("service_failed", 2),     # a payment released, or a subscription never started
])
def test_each_billing_has_its_own_service_message(plugins, event, distinct):
    texts = {context["billing"]: messages.build(name, "a@b.c", "en", "en", **context).body
             for name, context in _samples(plugins, "en") if context.get("event") == event}
    assert set(texts) == set(messages.SERVICE_BILLINGS)
    assert len(set(texts.values())) == distinct, texts


# --- (c) every API text, in every language --------------------------------------------------

def _input_schemas():
    """Every input schema of the API (``StrictSchema`` and the sandboxes' own)."""
    for module in pkgutil.walk_packages(caas.entrypoints.http.api.__path__, "caas.entrypoints.http.api."):
        importlib.import_module(module.name)
    seen, pending = set(), list(marshmallow.Schema.__subclasses__())
    while pending:
        schema = pending.pop()
        pending += schema.__subclasses__()
        if schema.__module__.startswith("caas.entrypoints.http.api") and schema not in seen:
            seen.add(schema)
    from caas.entrypoints.http.api.schemas import OutputSchema
    return sorted((schema for schema in seen if not issubclass(schema, OutputSchema)),
                  key=lambda schema: schema.__qualname__)


def _provoked(field: fields.Field) -> set[str]:
    """The messages ``field`` answers bad input with: wrong type, null, missing, and each of
    its validators refused."""
    found = set()
    for bad in (object(), None, marshmallow.missing, "not-a-value", 10**100, "", "x" * 5000):
        try:
            field.deserialize(bad)
            for validator in field.validators:
                validator(bad)
        except marshmallow.ValidationError as error:
            found |= _flat(error.messages)
        except (TypeError, AttributeError, ValueError):
            pass  # a validator that does not take this kind of value
    for validator in field.validators:
        for bad in _refused_by(validator):
            try:
                validator(bad)
            except marshmallow.ValidationError as error:
                found |= _flat(error.messages)
    inner = getattr(field, "inner", None) or getattr(field, "value_field", None)
    if isinstance(inner, fields.Field):
        found |= _provoked(inner)
    if isinstance(field, fields.Nested):
        for nested in field.schema.fields.values():
            found |= _provoked(nested)
    return found


def _refused_by(validator) -> list:
    if isinstance(validator, validate.Length):
        return [[0] * ((validator.min or 1) - 1), "x" * ((validator.max or 0) + 1)]
    if isinstance(validator, validate.Range):
        return [x for x in ((validator.min or 0) - 1, (validator.max or 0) + 1)]
    return ["\x00 not \x00 valid \x00"]


def _flat(messages_) -> set[str]:
    if isinstance(messages_, str):
        return {messages_}
    if isinstance(messages_, dict):
        return set().union(*map(_flat, messages_.values())) if messages_ else set()
    return set().union(*map(_flat, messages_)) if messages_ else set()


def test_every_validation_message_of_every_input_schema_is_translated():
    provoked = set()
    for schema in _input_schemas():
        for field in schema().fields.values():
            provoked |= _provoked(field)
    provoked |= {message for message in field_messages.PLAIN}
    provoked |= {"Unknown field.", "Invalid input type.", "Invalid JSON body."}
    assert len(provoked) > 20
    for language in TRANSLATED:
        catalog = translations(language, "")
        untranslated = {message for message in provoked
                        if field_messages.translate(message, catalog) == message}
        assert untranslated == set(), (language, untranslated)


@pytest.mark.parametrize("language", LANGUAGES)
def test_generic_errors_are_in_the_callers_language(tenant, operator, language):
    """Callers without a locale of their own: anonymous, and an operator in the tenant."""
    headers = {"Accept-Language": language}
    as_operator = {**headers, "X-Tenant": tenant.slug}
    cases = [
        (tenant.anonymous.get(f"{API}/no-such-thing", headers=headers), 404,
         "The requested URL was not found on the server."),
        (operator.delete(f"{API}/audit", headers=as_operator), 405,
         "The method is not allowed for the requested URL."),
        (tenant.anonymous.get(f"{API}/staff", headers=headers), 401, "Missing bearer token."),
        (tenant.anonymous.get(f"{API}/staff", headers={**headers,
                                                       "Authorization": "Bearer nope"}),
         401, "Invalid or expired token."),
        (tenant.anonymous.post(f"{API}/auth/token", data="{not json", headers={
            **headers, "Content-Type": "application/json"}), 400,
         "The request has invalid fields; see errors."),
        (operator.post(f"{API}/models/urbano/manual?title=M&filename=m.exe", data=b"x",
                       headers={**as_operator, "Content-Type": "application/x-msdownload"}),
         415, None),
        (operator.get(f"{API}/orders/999999", headers=as_operator), 404, None),
    ]
    english = {"415": LazyText("A manual is one of %(types)s.",
                               types=", ".join(documents.MANUAL_TYPES)),
               "404": LazyText("Order %(id)s not found.", id=999999)}
    for response, status, msgid in cases:
        assert response.status_code == status, response.json
        expected = LazyText(msgid) if msgid else english[str(status)]
        assert response.json["message"] == expected.render(language), response.json
        assert (response.json["message"] == expected.render("en")) is (language == "en")


@pytest.mark.parametrize("language", TRANSLATED)
def test_field_errors_of_the_validation_libraries_and_the_use_cases_are_translated(
        make_tenant, language):
    # The admin reads the tenant's language, whatever Accept-Language asks.
    country = country_speaking(language)
    if country is None:
        pytest.skip(f"no installed country's tenants read {language}")
    shop = make_tenant(country)
    invalid = shop.admin.post(f"{API}/staff", json={"email": "not-an-email", "name": "",
                                                    "role": 7, "colour": "red"},
                              headers={"Accept-Language": "en"})
    assert invalid.status_code == 422
    errors = invalid.json["errors"]["json"]
    catalog = translations(language, "")
    assert errors["email"] == [catalog.gettext("Not a valid email address.")]
    assert errors["name"] == [catalog.gettext("Length must be between %(min)s and %(max)s.")
                              % {"min": 1, "max": 200}]
    assert errors["role"] == [catalog.gettext("Not a valid string.")]
    assert errors["colour"] == [catalog.gettext("Unknown field.")]
    assert invalid.json["message"] == catalog.gettext(
        "The request has invalid fields; see errors.")
    refused = shop.admin.put(f"{API}/catalog/options/heated_seats", json={
        "enabled": True, "price": "0", "billing": "one_time"})
    assert refused.status_code == 422
    assert refused.json["message"] == catalog.gettext("An enabled option needs a price.")
    assert refused.json["errors"]["json"]["price"] == [catalog.gettext("Must be above zero.")]
    missing = shop.admin.get(f"{API}/orders/999999")
    assert missing.json["message"] == catalog.gettext("Order %(id)s not found.") % {
        "id": 999999}


@pytest.mark.parametrize("language", LANGUAGES)
def test_option_names_and_descriptions_are_in_the_callers_language(operator, tenant, plugins,
                                                                   language):
    listed = operator.get(f"{API}/catalog/options", headers={
        "X-Tenant": tenant.slug, "Accept-Language": language}).json
    assert {item["code"] for item in listed} == set(plugins.catalog_options)
    for item in listed:
        option = plugins.catalog_options[item["code"]]
        texts = [(item["name"], option.name), (item["description"], option.description)]
        if option.usage:
            texts.append((item["usage"]["name"], option.usage.name))
        for shown, english in texts:
            assert shown == (translation(english, language) or english)
            assert (shown == english) is (language == "en"), (language, shown)


@pytest.mark.parametrize("locale", LOCALES)
def test_blocking_reasons_and_withdrawal_refusals_in_every_locale(locale):
    texts = {reason: catalog.reason_text(reason, locale, locale) for reason in catalog.REASONS}
    texts |= {reason: refusal(reason, country="CH", days=14,
                              last_day=datetime.date(2026, 3, 15)).render(locale, locale)
              for reason in ("no_statutory_right", "not_qualifying", "window_over",
                             "not_active")}
    for reason, text in texts.items():
        assert "%(" not in text and text.strip() == text
        english = (catalog.reason_text(reason, "en", "en") if reason in catalog.REASONS
                   else refusal(reason, country="CH", days=14,
                                last_day=datetime.date(2026, 3, 15)).render("en", "en"))
        if locale[:2] != "en":  # (en-GB writes its dates its own way)
            assert text != english, (locale, reason)
    assert i18n.CountryName("CH").render(locale) in texts["no_statutory_right"]


@pytest.mark.parametrize("locale", LOCALES)
def test_quantities_are_never_written_with_insignificant_zeros(locale):
    for value in ("10.000", "0.800", "1234.500", "12.000001"):
        written = format_quantity(value, "GB", locale)
        number = written.rsplit(maxsplit=1)[0] if " " in written else written
        assert not re.search(r"[.,]\d*0(\D|$)", number.replace("\u202f", "").replace(
            "\u00a0", " ")), written
    assert format_quantity("10.000", "GB", locale).replace("\u00a0", " ").replace(
        "\u202f", " ") in ("10 GB", "10 Go")


def test_the_test_sees_every_input_schema():
    names = {schema.__name__ for schema in _input_schemas()}
    assert {"StaffCreateSchema", "SaleCreateSchema", "PurchaseSchema", "OptionSettingSchema",
            "TenantCreateSchema"} <= names, names
    assert all(inspect.isclass(schema) for schema in _input_schemas())

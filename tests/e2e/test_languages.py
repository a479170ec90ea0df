"""Which language a response is written in, English for tenants, locales however spelt,
quantities by the locale's rules and email subjects that decode as they were written.

API.md's order: the signed-in person's locale, then ``Accept-Language`` (the tenant's
locales first, then the platform's languages), then the tenant's default.
"""
from __future__ import annotations

import email
import email.policy
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from caas import i18n
from caas.adapters import mail
from caas.i18n import translation, translations
from caas.quantities import format_quantity
from caas.sandboxes import smtp
from caas.service_layer.messages import Message, build
from tests.support.api import login, password_in
from tests.support.journey import customer, enable_options, linked_vehicle, sell, set_up_catalog
from tests.support.languages import unspoken_locale
from tests.support.platform import new_slug

API = "/api/v1"
SWISS = ["fr-CH", "it-CH", "de-CH", "en-CH"]  # French first: the tenant's default


def _in(language: str, msgid: str) -> str:
    """``msgid`` as ``language``'s catalog has it (English is the message id)."""
    return translations(language, "").gettext(msgid)


@pytest.fixture
def swiss(make_tenant):
    """A Swiss shop whose default is French, offering Italian, German and English too."""
    shop = make_tenant("CH", locales=SWISS)
    set_up_catalog(shop)
    enable_options(shop)
    return shop


# --- the order of languages ------------------------------------------------------------------

@pytest.mark.parametrize("accept, language", [
    (None, "fr"),                                # the tenant's default
    ("it", "it"),                                # one of the tenant's locales
    ("de-CH;q=0.9, it;q=0.8", "de"),             # the best match
    ("en-US", "en"),                             # English, offered by this tenant
    ("es-ES, es;q=0.9", "es"),                   # a language the platform speaks
    ("pt-BR", "fr"),                             # nobody speaks it: the default again
])
def test_an_anonymous_caller_reads_accept_language_else_the_tenant_default(swiss, accept,
                                                                           language):
    headers = {"Accept-Language": accept} if accept else {}
    answer = swiss.anonymous.get(f"{API}/staff", headers=headers)
    assert answer.status_code == 401
    assert answer.json["message"] == _in(language, "Missing bearer token.")


def test_a_signed_in_persons_locale_wins_over_accept_language(swiss, client, drain, mailbox):
    address = f"hans@{swiss.slug}.test"
    assert swiss.admin.post(f"{API}/staff", json={
        "email": address, "name": "Hans", "role": "employee",
        "locale": "de_CH"}).status_code == 201  # any spelling: stored as de-CH
    drain()
    [credentials] = mailbox.messages(address)
    hans = login(client, address, password_in(credentials), swiss.slug)
    assert hans.get(f"{API}/me").json["locale"] == "de-CH"
    refused = hans.post(f"{API}/staff", json={"email": "x@y.test", "name": "X",
                                               "role": "admin"},
                        headers={"Accept-Language": "it"})
    assert refused.status_code == 403
    assert refused.json["message"] == _in("de", "Your role may not do this.")


@pytest.mark.parametrize("accept, language", [(None, "en"), ("de", "de"), ("it-CH", "it"),
                                              (unspoken_locale(), "en")])
def test_an_operator_without_tenant_reads_accept_language_else_english(operator, accept,
                                                                       language):
    headers = {"Accept-Language": accept} if accept else {}
    answer = operator.post(f"{API}/platform/tenants", json={
        "slug": "x", "name": "X", "country": "CH"}, headers=headers)
    assert answer.status_code == 422
    assert answer.json["message"] == _in(language, "Invalid tenant slug.")
    assert answer.json["errors"]["json"]["slug"] == [_in(language, (
        "Slug must be 3 to 40 characters: lower-case letters, digits and single hyphens, "
        "starting with a letter."))]


# --- the customer's catalog, in the customer's language --------------------------------------

def test_an_italian_speaking_customer_of_a_french_default_tenant_reads_italian(
        swiss, operator, client, mailbox, drain, app):
    """The issue: an it-CH customer saw French names and English descriptions."""
    buyer, vin = linked_vehicle(swiss, operator, client, mailbox, drain, "CH", locale="it_CH")
    assert buyer.get(f"{API}/me").json["locale"] == "it-CH"
    app.extensions["caas_sandboxes"].vss.set_vehicle(vin, "overdue")
    plugins = app.extensions["caas"].plugins.catalog_options
    for accept in (None, "fr-CH"):  # the customer's own locale wins over the header
        answer = buyer.get(f"{API}/vehicles/{vin}/catalog",
                           headers={"Accept-Language": accept} if accept else {})
        items = {item["code"]: item for item in answer.json}
        for code, item in items.items():
            option = plugins[code]
            assert item["name"] == translation(option.name, "it") != option.name
            assert item["description"] == translation(option.description, "it")
        seats = items["heated_seats"]
        assert seats["price"]["display"] == format_currency(Decimal("249"), "CHF",
                                                            locale="it_CH")
        blocked = items["driving_assistance"]
        assert blocked["reason_text"] == _in("it", (
            "Your vehicle's maintenance is overdue. Please complete the scheduled service "
            "first."))
        assert items["premium_connectivity"]["usage"]["name"] == "dati"


# --- English besides the country's languages -------------------------------------------------

def test_a_tenant_may_offer_english_besides_its_countrys_languages(operator):
    created = operator.post(f"{API}/platform/tenants", json={
        "slug": new_slug("en"), "name": "CaaS Schweiz", "country": "CH",
        "locales": ["de_CH", "en-GB", "fr-ch"]})
    assert created.status_code == 201, created.json
    assert created.json["locales"] == ["de-CH", "en-GB", "fr-CH"]


@pytest.mark.parametrize("locales, field_error", [
    (["en-GB"], "Give one of %(choices)s too (English may come besides)."),
    ([unspoken_locale(), "es-ES"], "'%(locale)s' is not one of %(choices)s, nor English."),
    (["xx-YY"], "Unknown locale '%(locale)s'."),
])
def test_english_comes_besides_the_countrys_languages_never_instead(operator, locales,
                                                                   field_error):
    answer = operator.post(f"{API}/platform/tenants", json={
        "slug": new_slug("en"), "name": "X", "country": "ES", "locales": locales})
    assert answer.status_code == 422
    [message] = answer.json["errors"]["json"]["locales"]
    assert message.startswith(field_error.split("%")[0].rstrip("'"))


def test_english_speaking_customers_read_english_everywhere(make_tenant, operator, client,
                                                           mailbox, drain):
    shop = make_tenant("ES", locales=["es-ES", "en-GB"])
    set_up_catalog(shop)
    enable_options(shop)
    buyer, vin = linked_vehicle(shop, operator, client, mailbox, drain, locale="en-GB")
    me = buyer.get(f"{API}/me").json
    assert me["locale"] == "en-GB"
    [credentials] = [m for m in mailbox.messages(me["email"]) if me["email"] in m["body"]]
    assert credentials["language"] == "en-GB" and credentials["body"].startswith("Hello")
    items = {item["code"]: item for item in buyer.get(f"{API}/vehicles/{vin}/catalog",
                                                      headers={"Accept-Language": "es"}).json}
    assert items["heated_seats"]["name"] == "Heated seats"
    assert items["heated_seats"]["price"]["display"] == "€249.00"
    missing = buyer.get(f"{API}/vehicles/{vin}/nothing-here")
    assert missing.json["message"] == "The requested URL was not found on the server."


def test_the_command_line_creates_a_tenant_offering_english(cli):  # noqa: F811
    created = cli("tenants", "create", new_slug("cli"), "--name", "CaaS", "--country", "CH",
                  "--locale", "it_CH", "--locale", "en-CH")
    assert created.exit_code == 0, created.output
    assert "it-CH, en-CH" in created.output
    refused = cli("tenants", "create", new_slug("cli"), "--name", "CaaS", "--country", "CH",
                  "--locale", "en-CH")
    assert refused.exit_code != 0 and "English may come besides" in refused.output


# --- quantities ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, locale, expected", [
    ("10.000", "en", "10 GB"), ("10.000", "es-ES", "10 GB"), ("10.000", "it-IT", "10 GB"),
    ("10.000", "de-DE", "10 GB"), ("10.000", "fr-FR", "10 Go"),
    ("0.800", "en", "0.8 GB"), ("0.800", "es-ES", "0,8 GB"), ("0.800", "fr-FR", "0,8 Go"),
    ("0.800", "de-DE", "0,8 GB"), ("0.800", "it-IT", "0,8 GB"),
    ("1234.5", "en", "1,234.5 GB"), ("1234.5", "es-ES", "1.234,5 GB"),
    ("1234.5", "de-DE", "1.234,5 GB"), ("1234.5", "it-IT", "1.234,5 GB"),
    ("0.000125", "en", "0.000125 GB"),  # every significant decimal kept
    ("3.50", "en", "3.5\u00a0zz"),     # a unit Babel does not know, as declared
])
def test_quantities_are_written_by_the_locales_rules_with_their_unit(value, locale, expected):
    unit = "zz" if "zz" in expected else "GB"
    written = format_quantity(value, unit, locale)
    assert written.replace("\u202f", " ").replace("\u00a0", " ") == expected.replace(
        "\u00a0", " ")


def test_a_price_move_states_the_included_quantity_without_insignificant_zeros():
    move = build("billing_update", "ana@example.test", "es-ES", "es-ES", name="Ana",
                 tenant_name="CaaS", event="price_change", options=["Conectividad premium"],
                 amount={"amount": "9.90", "currency": "EUR"}, date="2028-03-01",
                 usage={"price": {"amount": "1.50", "currency": "EUR"}, "included": "10.000",
                        "unit": "GB"})
    assert "10 GB" in move.body.replace("\u00a0", " ") and "10.000" not in move.body


# --- email subjects --------------------------------------------------------------------------

@pytest.mark.parametrize("subject", [
    # Folded by the email package onto a line of its own, it decoded with a leading space.
    "Ihr Fahrzeug zur Bestellung ORD-2026-0042 ist zugelassen und unterwegs",
    "Il veicolo del suo ordine ORD-2026-0042 la attende presso la concessionaria",
    "Überfällige Wartung Ihres Fahrzeugs 1234 KLM: bitte vereinbaren Sie einen Termin",
    "Votre véhicule",
    "x" * 200,
])
def test_a_subject_decodes_exactly_as_written(subject, mailbox):
    to = f"subject-{abs(hash(subject))}@example.test"
    mail.send({"CAAS_MAIL_FROM": "CaaS <no-reply@caas.example>"},
              Message(to=to, subject=subject, body="Grüße", locale="de-DE"),
              address=smtp.server().address)
    [received] = mailbox.messages(to)
    raw = received["raw"].encode("ascii")
    headers = raw.split(b"\r\n\r\n", 1)[0].splitlines()
    assert all(len(line) <= 78 for line in headers), headers
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(parsed["Subject"]) == subject and received["subject"] == subject
    assert parsed.get_body(("plain",)).get_content().strip() == "Grüße"


# --- locales however spelt -------------------------------------------------------------------

@pytest.mark.parametrize("spelt", ["de-CH", "de_CH", "de-ch", "DE_ch"])
def test_a_locale_is_normalized_once(spelt):
    assert i18n.normalize_locale(spelt) == "de-CH"
    assert i18n.babel_locale(spelt) == "de_CH" and i18n.language_of(spelt) == "de"


def test_a_sale_takes_the_locale_however_spelt_and_refuses_one_the_tenant_lacks(swiss):
    sold = sell(swiss, "CH", locale="it_CH")
    assert sold["customer"]["locale"] == "it-CH"
    refused = swiss.employee.post(f"{API}/sales", json={
        "customer": customer("CH", locale=unspoken_locale()), "model": "urbano", "plan": "standard",
        "options": []})
    assert refused.status_code == 422
    assert "locale" in refused.json["errors"]["json"]["customer"]

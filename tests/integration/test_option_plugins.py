"""The bundled catalog-option plugins (plugins/services/*), as the platform loads them."""
import re

import pytest

from caas.i18n import core_languages, option_name, translation
from caas.plugins import Plugins
from tests.support.languages import translated_languages, unspoken_locale

LANGUAGES = core_languages()
ALL_MODELS = ()
ELECTRIFIED = ("urbano", "familiar")
# code: billing modes, duration_days, requires_maintenance, compatible models (() = all)
OPTIONS = {
    "heated_seats": (("one_time",), None, False, ALL_MODELS),
    "extended_range": (("monthly",), None, False, ELECTRIFIED),
    "driving_assistance": (("monthly",), None, True, ALL_MODELS),
    "performance_boost": (("one_time",), 30, False, ELECTRIFIED),
    "premium_connectivity": (("monthly",), None, False, ALL_MODELS),
}
CODES = sorted(OPTIONS)
VINS = ("WVWZZZ1JZXW000001", "VF1AAAAA555000002")
SETTING_KEY = re.compile(r"[a-z0-9_.]{1,64}")


@pytest.fixture(scope="module")
def plugins():
    return Plugins(None).load()


@pytest.fixture(params=CODES)
def option(request, plugins):
    return plugins.catalog_options[request.param]


def distribution(code):
    return f"caas-option-{code.replace('_', '-')}"


def test_each_option_is_its_own_distribution_on_the_entry_point(plugins):
    for code in CODES:
        record = plugins.loaded[code]
        assert (record.distribution, record.version) == (distribution(code), "1.1.0")
        assert record.catalog_options == [code] and record.error is None


def test_the_plugins_endpoint_lists_them(operator):
    by_name = {p["name"]: p for p in operator.get("/api/v1/platform/plugins").json["plugins"]}
    for code in CODES:
        assert by_name[code]["distribution"] == distribution(code)
        assert by_name[code]["version"] == "1.1.0"
        assert by_name[code]["catalog_options"] == [code]
        assert by_name[code]["countries"] == [] and by_name[code]["error"] is None


def test_names_and_descriptions_are_english_translated_by_the_plugins_catalogs(option):
    texts = [option.name, option.description] + ([option.usage.name] if option.usage else [])
    for english in texts:
        assert isinstance(english, str) and english and english == english.strip()
        translated = {language: translation(english, language) for language in LANGUAGES}
        assert all(translated.values()), translated
        # Translated, not copied from English.
        assert len(set(translated.values())) == len(LANGUAGES)
    # The texts come from the catalogs, not from a dict per language.
    assert not option.names and not option.descriptions
    for language in LANGUAGES:
        assert (option_name(option, f"{language}-CH") == option_name(option, f"{language}_CH")
                == option_name(option, language) == translation(option.name, language))
    unspoken = unspoken_locale()
    language = unspoken.split("-")[0]
    assert option_name(option, unspoken) == option_name(option, language) == option.name
    # A language no catalog has: the tenant's default language, then English.
    default = translated_languages()[0]
    assert option_name(option, unspoken, default) == translation(option.name, default)


def test_billing_duration_and_maintenance(option):
    billing_modes, duration_days, requires_maintenance, _ = OPTIONS[option.code]
    assert option.billing_modes == billing_modes
    assert option.duration_days == duration_days
    assert option.requires_maintenance is requires_maintenance


def test_compatible_models(option):
    models = OPTIONS[option.code][3]
    assert option.compatible_models == models
    assert all(option.fits(model) for model in ELECTRIFIED)
    assert option.fits("grande") is (models == ALL_MODELS)


def assert_settings(settings):
    assert isinstance(settings, dict) and 1 <= len(settings) <= 20
    for key, value in settings.items():
        assert SETTING_KEY.fullmatch(key) and "." in key, key
        assert type(value) in (bool, int, float, str), (key, value)


def test_settings_follow_the_convention(option):
    on, off = option.activation_payload(VINS[0]), option.deactivation_payload(VINS[0])
    assert_settings(on)
    assert_settings(off)
    assert on != off
    for build, settings in ((option.activation_payload, on), (option.deactivation_payload, off)):
        assert all(build(vin) == settings for vin in VINS)  # deterministic
        assert build(VINS[0]) is not settings  # a fresh dict: the caller may keep or change it


def test_deactivation_turns_off_what_activation_turned_on(option):
    on, off = option.activation_payload(VINS[0]), option.deactivation_payload(VINS[0])
    assert set(off) <= set(on)
    assert all(off[key] != on[key] for key in off)
    assert {key for key, value in on.items() if value is True} <= set(off)

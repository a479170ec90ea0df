"""The conformance suites: subclass one in a plugin's tests and name the plugin.

Each test reads the plugin's declarations (samples, examples, policies) and
checks them against the platform's rules, through the same objects and
sandboxes the platform uses. See ``docs/plugins/testing.md``.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from importlib import resources

import babel
import babel.numbers
import httpx
import pytest

from caas import InvalidTaxId, RegistrationError, RegistrationRequest
from caas.plugins import COVERAGE_ATTRIBUTE, check_api_version

#: A VAT rate above this is a typo (0.22 written as 22, or as 0.222).
HIGHEST_SANE_VAT = Decimal("0.30")
VINS = ("WVWZZZ1JZXW000001", "VF1AAAAA555000002")
CATALOG_HINT = ("(`caas plugins catalog <package> --language <language>` writes every message "
                "to translate into the plugin's catalog)")


class _PluginConformance:
    #: The entry-point name of the plugin under test.
    plugin: str = ""

    def test_plugin_loads_without_error(self, caas_loaded):
        assert caas_loaded.error is None, caas_loaded.error

    def test_plugin_declares_a_compatible_plugin_api(self, caas_loaded):
        assert caas_loaded.api_version, (
            "declare `caas_plugin_api = \"<version>\"` in the plugin module "
            "(see caas.PLUGIN_API_VERSION)")
        check_api_version(caas_loaded.name, caas_loaded.api_version)

    def test_plugin_translations_are_complete(self, caas_platform, caas_plugin, languages):
        """A plugin that ships ``translations/`` translates every message for every
        language it is used in."""
        module = caas_platform.plugins.pm.get_plugin(caas_plugin)
        package = module.__name__.partition(".")[0]
        folder = resources.files(package) / "translations"
        if not (folder / "messages.pot").is_file():
            pytest.skip("the plugin ships no message catalog (translations/messages.pot)")
        _assert_complete(folder, languages, package)


class CountryConformance(_PluginConformance):
    """What every country plugin must satisfy."""

    #: The owner's address in the registrations the kit sends: set one the country's
    #: registration body accepts if it reads the address (Switzerland's needs the canton).
    address = {"street": "Test street 1", "city": "Capital", "postal_code": "00000"}

    @pytest.fixture(scope="class")
    @classmethod
    def countries(cls, caas_platform, caas_loaded):
        return _registered(caas_platform, caas_loaded, "countries")

    @pytest.fixture(scope="class")
    @classmethod
    def languages(cls, countries):
        return sorted({babel.Locale.parse(locale, sep="-").language
                       for country in countries for locale in country.locales})

    def test_currency_is_known_to_babel(self, countries):
        for country in countries:
            assert country.currency in babel.numbers.list_currencies(), country.currency
            assert babel.numbers.get_currency_name(country.currency, locale="en") != country.currency

    def test_locales_parse_and_belong_to_the_country(self, countries):
        for country in countries:
            for locale in country.locales:
                parsed = babel.Locale.parse(locale, sep="-")
                assert parsed.territory == country.code, (
                    f"{locale} is not a locale of {country.code}")
            assert country.default_locale == country.locales[0]

    def test_vat_rates_are_sane_decimals(self, countries):
        for country in countries:
            for name, rate in country.vat_rates.items():
                assert isinstance(rate, Decimal), f"VAT {name}: {rate!r} is not a Decimal"
                assert rate.is_finite() and Decimal(0) <= rate <= HIGHEST_SANE_VAT, (name, rate)
                assert -rate.as_tuple().exponent <= 4, f"VAT {name}: {rate} has too many decimals"
            assert country.vat_rates["standard"] == max(country.vat_rates.values())

    def test_withdrawal_policy_is_consistent(self, countries):
        for country in countries:
            policy = country.withdrawal
            assert policy.legal_reference, "name the law the withdrawal policy comes from"
            assert 0 <= policy.days <= 365
            if policy.has_right:
                assert policy.refund_rule in ("full", "prorated")
                assert policy.qualifies(None) and policy.qualifies(policy.days + 1)
                assert not policy.qualifies(policy.days)
            else:
                assert policy.refund_rule == "none"
                assert not policy.qualifies(None) and not policy.qualifies(30)

    def test_tax_id_validator_accepts_the_declared_valid_samples(self, countries):
        for country in countries:
            valid = country.tax_id_samples.get("valid", ())
            assert len(valid) >= 2, "declare at least two valid tax_id_samples"
            for sample in valid:
                normalised = country.validate_tax_id(sample)
                assert isinstance(normalised, str) and normalised, sample
                assert country.validate_tax_id(normalised) == normalised, (
                    f"{sample}: the normalised form {normalised!r} does not validate as itself")

    def test_tax_id_validator_rejects_the_declared_invalid_samples(self, countries):
        for country in countries:
            invalid = country.tax_id_samples.get("invalid", ())
            assert len(invalid) >= 2, "declare at least two invalid tax_id_samples"
            for sample in invalid:
                with pytest.raises(InvalidTaxId):
                    country.validate_tax_id(sample)

    def test_plate_example_matches_the_declared_format(self, countries):
        for country in countries:
            assert country.is_valid_plate(country.plate_example), country.plate_example
            assert not country.is_valid_plate(country.plate_example + "X")
            assert not country.is_valid_plate("")

    def test_registration_round_trips_through_its_sandbox(self, caas_platform, caas_tenant):
        country = caas_platform.plugins.countries[caas_tenant.country]
        adapter = caas_platform.external.registration(caas_tenant, country)
        first = adapter.register(_registration(country, VINS[0], owner_address=self.address))
        second = adapter.register(_registration(country, VINS[1], owner_address=self.address))
        for result in (first, second):
            assert country.is_valid_plate(result.plate), (
                f"the sandbox issued {result.plate!r}, which plate_pattern refuses")
            assert result.reference
        assert first.plate != second.plate and first.reference != second.reference

    def test_registration_refusal_is_permanent(self, caas_platform, caas_tenant):
        country = caas_platform.plugins.countries[caas_tenant.country]
        adapter = caas_platform.external.registration(caas_tenant, country)
        with pytest.raises(RegistrationError) as refused:
            adapter.register(_registration(country, VINS[0], owner_tax_id="",
                                           owner_address=self.address))
        assert refused.value.permanent

    def test_demo_customer_passes_the_country_rules(self, countries):
        """A declared ``demo_customer`` is someone a sale in the country accepts."""
        for country in countries:
            customer = country.demo_customer
            if customer is None:
                continue
            missing = [key for key in ("name", "tax_id", "phone", "address")
                       if not customer.get(key)]
            assert not missing, f"demo_customer lacks {', '.join(missing)}"
            country.validate_tax_id(customer["tax_id"])
            country.normalised_address(customer["address"])
            assert customer.get("locale", country.default_locale) in country.locales

    def test_registration_outage_is_retryable(self, countries):
        def unreachable(request):
            raise httpx.ConnectError("connection refused", request=request)

        for country in countries:
            for transport in (httpx.MockTransport(unreachable),
                              httpx.MockTransport(lambda request: httpx.Response(503))):
                adapter = country.registration_adapter("http://registration.invalid",
                                                       transport=transport)
                try:
                    with pytest.raises(RegistrationError) as failed:
                        adapter.register(_registration(country, VINS[0]))
                finally:
                    adapter.close()
                assert not failed.value.permanent

    def test_translation_coverage_threshold_is_a_share(self, caas_platform, caas_plugin):
        _coverage_threshold(caas_platform.plugins.pm.get_plugin(caas_plugin))

    def test_translations_cover_the_country_languages(self, caas_platform, caas_plugin,
                                                      languages, caas_report):
        """Each language of the country's locales reads at least the declared share
        (``caas_translation_coverage``) of the platform's messages translated, by the
        platform's catalogs or the plugin's, merged as at run time."""
        from caas.i18n import coverage

        threshold = _coverage_threshold(caas_platform.plugins.pm.get_plugin(caas_plugin))
        directories = caas_platform.plugins.call_one(caas_plugin, "register_translations") or []
        below = []
        for language in languages:
            total, missing = coverage(language, directories)
            translated = total - len(missing)
            share = translated / total if total else 1.0
            line = (f"{caas_plugin}: translation coverage {language}: {translated} of {total} "
                    f"messages ({share:.1%}), threshold {threshold * 100:g}%")
            caas_report(line)
            if share < threshold:
                below.append(f"{line}; untranslated: {', '.join(map(repr, missing[:5]))}"
                             + (", ..." if len(missing) > 5 else ""))
        assert not below, "\n".join([*below, CATALOG_HINT])


class OptionConformance(_PluginConformance):
    """What every catalog-option plugin must satisfy."""

    @pytest.fixture(scope="class")
    @classmethod
    def options(cls, caas_platform, caas_loaded):
        return _registered(caas_platform, caas_loaded, "catalog_options")

    @pytest.fixture(scope="class")
    @classmethod
    def languages(cls):
        from caas.i18n import core_languages
        return list(core_languages())

    def test_names_and_descriptions_in_every_platform_language(self, options, languages):
        """The English name and description (and the usage metric's name) are translated
        into every language of the platform's own catalogs: by the plugin's catalogs
        (``register_translations``), or the older way, by ``names``/``descriptions``."""
        from caas.i18n import translation

        for option in options:
            texts = [(option.name, option.names), (option.description, option.descriptions)]
            if option.usage:
                texts.append((option.usage.name, option.usage.names))
            for english, by_language in texts:
                assert english.strip(), f"{option.code}: give the name and description in English"
                missing = [lang for lang in languages if lang != "en" and not (
                    translation(english, lang) or str(by_language.get(lang, "")).strip())]
                assert not missing, (f"{option.code}: {english!r} is not translated in "
                                     f"{', '.join(missing)}")

    def test_billing_and_duration_are_consistent(self, options):
        for option in options:
            assert option.duration_days is None or option.duration_days > 0
            assert len(set(option.billing_modes)) == len(option.billing_modes)

    def test_payloads_validate_against_the_iot_command_schema(self, options):
        import jsonschema

        from caas.sandboxes.iot import COMMAND_SCHEMA

        for option in options:
            for build in (option.activation_payload, option.deactivation_payload):
                settings = build(VINS[0])
                command = {"command_id": "conformance-1", "type": "configure",
                           "settings": settings}
                jsonschema.validate(command, COMMAND_SCHEMA)
                assert build(VINS[0]) == settings, "payloads must be deterministic"

    def test_deactivation_undoes_activation(self, options):
        for option in options:
            on, off = option.activation_payload(VINS[0]), option.deactivation_payload(VINS[0])
            assert off and set(off) <= set(on), "deactivate only what activation set"
            assert all(off[key] != on[key] for key in off)

    def test_payloads_round_trip_through_the_iot_sandbox(self, caas_platform, options):
        iot = caas_platform.external.iot(None)
        for option in options:
            vin = f"CONF{uuid.uuid4().hex[:13].upper()}"
            on, off = option.activation_payload(vin), option.deactivation_payload(vin)
            iot.run(vin, f"conf-{uuid.uuid4().hex}", on, timeout_seconds=5)
            assert iot.vehicle_status(vin).configuration.items() >= on.items()
            iot.run(vin, f"conf-{uuid.uuid4().hex}", off, timeout_seconds=5)
            assert iot.vehicle_status(vin).configuration.items() >= off.items()


def _registered(caas_platform, caas_loaded, kind: str) -> list:
    """The plugin's countries or catalog options (``kind``), as the platform loaded them."""
    codes = getattr(caas_loaded, kind)
    assert codes, f"the plugin registers no {kind.replace('_', ' ')}"
    return [getattr(caas_platform.plugins, kind)[code] for code in codes]


def _coverage_threshold(module) -> float:
    """The plugin's declared ``caas_translation_coverage`` (1.0 when it declares none)."""
    declared = getattr(module, COVERAGE_ATTRIBUTE, 1.0)
    is_number = isinstance(declared, (int, float, Decimal)) and not isinstance(declared, bool)
    assert is_number and 0 <= declared <= 1, (
        f"{COVERAGE_ATTRIBUTE} must be a number from 0 to 1 (the share of the platform's "
        f"messages translated), not {declared!r}")
    return float(declared)


def _assert_complete(folder, languages, whose: str) -> None:
    from caas.i18n import catalog_gaps

    for language in languages:
        gaps = catalog_gaps(folder, language)
        assert gaps == [], f"{whose}: the {language} catalog leaves untranslated: {gaps[:5]}"


def _registration(country, vin: str, **changes) -> RegistrationRequest:
    fields = dict(vin=vin, model="conformance", owner_name="Conformance Kit",
                  owner_tax_id=country.tax_id_samples["valid"][0],
                  owner_address={"street": "Test street 1", "city": "Capital",
                                 "postal_code": "00000"})
    fields.update(changes)
    return RegistrationRequest(**fields)

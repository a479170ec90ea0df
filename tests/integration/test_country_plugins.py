"""The country plugins, discovered through their installed entry points."""
import importlib
import re
from decimal import Decimal

import babel
import babel.numbers
import httpx
import pluggy
import pytest

import caas
import caas.hookspecs
from caas import InvalidTaxId

CODES = ("ES", "FR", "DE", "CH", "IT")
BASE_URL = "http://registration.sandbox"

#: A valid and an invalid postal code for each country.
POSTAL_CODES = {
    "ES": ("28013", "53001"),
    "FR": ("75008", "7500"),
    "DE": ("10115", "1011"),
    "CH": ("8001", "80010"),
    "IT": ("00186", "0018"),
}
#: A registration body the sandboxes' plate functions read: a Swiss plate needs the canton.
PLATE_BODY = {"address": {"street": "Bahnhofstrasse 1", "city": "Zürich", "postal_code": "8001",
                          "canton": "ZH"}}


@pytest.fixture(scope="module")
def plugin_manager():
    pm = pluggy.PluginManager("caas")
    pm.add_hookspecs(caas.hookspecs)
    pm.load_setuptools_entrypoints("caas")
    return pm


@pytest.fixture(scope="module")
def countries(plugin_manager):
    found = [c for batch in plugin_manager.hook.register_countries() for c in batch]
    by_code = {c.code: c for c in found}
    assert len(by_code) == len(found), "two plugins register the same country"
    return by_code


@pytest.fixture(params=CODES)
def country(request, countries):
    return countries[request.param]


def registration_request(country, **changes):
    fields = dict(
        vin="WVWZZZ1JZXW000001",
        model="Model S",
        owner_name="Ana García",
        owner_tax_id=country.tax_id_samples["valid"][0],
        owner_address={"street": "Main street 1", "city": "Capital",
                       "postal_code": POSTAL_CODES[country.code][0]},
    )
    fields.update(changes)
    return caas.RegistrationRequest(**fields)


def sandbox_adapter(country):
    transport = httpx.WSGITransport(app=country.registration_sandbox())
    return country.registration_adapter(BASE_URL, transport=transport)


@pytest.mark.parametrize("code", CODES)
def test_each_country_comes_from_its_own_distribution(plugin_manager, code):
    by_distribution = {
        dist.project_name: plugin for plugin, dist in plugin_manager.list_plugin_distinfo()
    }
    plugin = by_distribution[f"caas-country-{code.lower()}"]
    assert [c.code for c in plugin.register_countries()] == [code]


def test_currency_locales_and_vat_are_well_formed(country):
    assert babel.numbers.get_currency_name(country.currency, locale="en") != country.currency
    for locale in country.locales:
        assert babel.Locale.parse(locale, sep="-").territory == country.code
    assert country.default_locale == country.locales[0]
    assert all(isinstance(rate, Decimal) for rate in country.vat_rates.values())
    assert country.vat_rates["standard"] == max(country.vat_rates.values())


def test_valid_tax_ids_are_accepted_and_normalised(country):
    assert len(country.tax_id_samples["valid"]) >= 2
    for sample in country.tax_id_samples["valid"]:
        normalised = country.validate_tax_id(sample)
        assert re.fullmatch(r"[0-9A-Z]+", normalised), normalised
        assert country.validate_tax_id(normalised) == normalised


def test_invalid_tax_ids_are_rejected(country):
    assert len(country.tax_id_samples["invalid"]) >= 2
    for sample in country.tax_id_samples["invalid"]:
        with pytest.raises(InvalidTaxId):
            country.validate_tax_id(sample)


def test_plate_example_matches_the_pattern(country):
    assert country.is_valid_plate(country.plate_example)
    assert not country.is_valid_plate(country.plate_example + "X")
    assert not country.is_valid_plate(country.plate_example.lower())


@pytest.mark.parametrize("number", [1, 2, 998, 999, 1000, 9999, 10_000, 10_001, 123_456,
                                    999_999, 1_000_000, 79_999_999, 10**9])
def test_sandbox_plates_match_the_pattern_across_rollovers(country, number):
    registration = importlib.import_module(f"caas_country_{country.code.lower()}.registration")
    assert country.is_valid_plate(registration.plate_for(number, PLATE_BODY))


def test_sandbox_plates_are_unique_over_a_long_run(country):
    registration = importlib.import_module(f"caas_country_{country.code.lower()}.registration")
    plates = {registration.plate_for(n, PLATE_BODY) for n in range(1, 30_001)}
    assert len(plates) == 30_000


def test_registration_round_trips_through_the_sandbox(country):
    adapter = sandbox_adapter(country)
    try:
        first = adapter.register(registration_request(country))
        second = adapter.register(registration_request(country, vin="WVWZZZ1JZXW000002"))
    finally:
        adapter.close()
    assert country.is_valid_plate(first.plate), first.plate
    assert country.is_valid_plate(second.plate), second.plate
    assert first.plate != second.plate
    assert first.reference and first.reference != second.reference


def test_missing_field_is_a_permanent_refusal(country):
    adapter = sandbox_adapter(country)
    try:
        with pytest.raises(caas.RegistrationError) as refused:
            adapter.register(registration_request(country, owner_tax_id=""))
    finally:
        adapter.close()
    assert refused.value.permanent


def _unreachable(request):
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize("transport", [
    httpx.MockTransport(_unreachable),
    httpx.MockTransport(lambda request: httpx.Response(503)),
], ids=["unreachable", "503"])
def test_outage_is_a_retryable_failure(country, transport):
    adapter = country.registration_adapter(BASE_URL, transport=transport)
    try:
        with pytest.raises(caas.RegistrationError) as failed:
            adapter.register(registration_request(country))
    finally:
        adapter.close()
    assert not failed.value.permanent


def test_withdrawal_right(country):
    policy = country.withdrawal
    assert policy.legal_reference
    if country.code == "CH":
        assert not policy.has_right
        assert not policy.qualifies(None)
        assert not policy.qualifies(30)
    else:
        assert policy.has_right and policy.days == 14 and policy.refund_rule == "full"
        assert policy.qualifies(30)
        assert not policy.qualifies(7)


def test_address_validation_checks_the_postal_code(country):
    good, bad = POSTAL_CODES[country.code]
    address = {"street": "Main street 1", "city": "Capital", "postal_code": good}
    assert country.address_errors(address) == {}
    assert "postal_code" in country.address_errors({**address, "postal_code": bad})


def test_an_address_is_kept_as_given_where_the_country_adds_nothing(countries):
    address = {"street": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013",
               "floor": "3"}
    assert countries["ES"].normalised_address(address) == address
    with pytest.raises(caas.InvalidAddress) as refused:
        countries["ES"].normalised_address({**address, "city": " "})
    assert {field: [str(text) for text in texts] for field, texts in refused.value.errors.items()
            } == {"city": ["Missing data for required field."]}


@pytest.mark.parametrize("postal_code, city, canton", [
    ("8001", "Zürich", "ZH"), ("3011", "Bern", "BE"), ("1204", "Genève", "GE"),
    ("1003", "Lausanne", "VD"), ("4051", "Basel", "BS"), ("6900", "Lugano", "TI"),
    ("6003", "Luzern", "LU"), ("9000", "St. Gallen", "SG"), ("1700", "Fribourg", "FR"),
    ("2000", "Neuchâtel", "NE"), ("1950", "Sion", "VS"), ("7000", "Chur", "GR"),
    ("8400", "Winterthur", "ZH"), ("6300", "Zug", "ZG"), ("5000", "Aarau", "AG"),
    ("4500", "Solothurn", "SO"), ("4410", "Liestal", "BL"), ("2800", "Delémont", "JU"),
    ("8500", "Frauenfeld", "TG"), ("8200", "Schaffhausen", "SH"), ("6430", "Schwyz", "SZ"),
    ("6460", "Altdorf", "UR"), ("6370", "Stans", "NW"), ("6060", "Sarnen", "OW"),
    ("8750", "Glarus", "GL"), ("9100", "Herisau", "AR"), ("9050", "Appenzell", "AI"),
])
def test_a_swiss_address_gets_the_canton_of_its_postal_code(countries, postal_code, city, canton):
    address = {"street": "Hauptstrasse 1", "city": city, "postal_code": postal_code}
    assert countries["CH"].normalised_address(address) == {**address, "canton": canton}


def test_a_swiss_canton_given_is_kept_when_it_contradicts_nothing(countries):
    switzerland = countries["CH"]
    geneva = {"street": "Rue du Rhône 1", "city": "Genève", "postal_code": "1204"}
    assert switzerland.normalised_address({**geneva, "canton": " ge "})["canton"] == "GE"
    # Versoix (GE) and Mies (VD) share the 129x codes: the address says which.
    border = {"street": "Route de Suisse 1", "city": "Mies", "postal_code": "1295"}
    assert switzerland.normalised_address({**border, "canton": "VD"})["canton"] == "VD"
    # A code the table does not know (Liechtenstein's) takes the canton as given.
    assert switzerland.normalised_address(
        {"street": "Städtle 1", "city": "Vaduz", "postal_code": "9490", "canton": "SG"}
    )["canton"] == "SG"


@pytest.mark.parametrize("changes, message", [
    ({"postal_code": "9490", "city": "Vaduz"}, "Give the canton: postal code 9490 is in no canton"),
    ({"postal_code": "1290", "city": "Versoix"}, "Give the canton: postal code 1290 may be in GE/VD"),
    ({"canton": "XX"}, "Not a Swiss canton: XX"),
    ({"canton": "ZH"}, "Postal code 1204 is in GE, not ZH."),
])
def test_a_swiss_address_without_a_canton_it_can_have_is_refused(countries, changes, message):
    address = {"street": "Rue du Rhône 1", "city": "Genève", "postal_code": "1204", **changes}
    errors = countries["CH"].address_errors(address)
    assert list(errors) == ["canton"] and str(errors["canton"][0]).startswith(message), errors


@pytest.mark.parametrize("canton, postal_code, prefix", [
    ("GE", "1204", "GE "), ("ti", "6900", "TI "),
    (None, "1204", "GE "), (None, "3011", "BE "), (None, "1003", "VD "),
])
def test_swiss_plate_comes_from_the_holders_canton(countries, canton, postal_code, prefix):
    """Given, or (an address recorded without one) the canton its postal code lies in."""
    switzerland = countries["CH"]
    address = {"street": "Rue du Rhône 1", "city": "Genève", "postal_code": postal_code}
    if canton:
        address["canton"] = canton
    adapter = sandbox_adapter(switzerland)
    try:
        result = adapter.register(registration_request(switzerland, owner_address=address))
    finally:
        adapter.close()
    assert result.plate.startswith(prefix) and switzerland.is_valid_plate(result.plate)


@pytest.mark.parametrize("address", [
    {"street": "Städtle 1", "city": "Vaduz", "postal_code": "9490"},  # Liechtenstein
    {"street": "Route de Suisse 1", "city": "Versoix", "postal_code": "1290"},  # GE or VD
    {"street": "Rue du Rhône 1", "city": "Genève", "postal_code": "1204", "canton": "XX"},
])
def test_the_swiss_office_refuses_a_holder_without_a_canton(countries, address):
    """Never a plate of a canton nobody named: the sandbox refuses, for good."""
    switzerland = countries["CH"]
    adapter = sandbox_adapter(switzerland)
    try:
        with pytest.raises(caas.RegistrationError, match="canton") as refused:
            adapter.register(registration_request(switzerland, owner_address=address))
    finally:
        adapter.close()
    assert refused.value.permanent


@pytest.mark.parametrize("address", [None, "GE", ["GE"], {"canton": None}, {}, {"canton": "XX"}])
def test_swiss_plate_function_refuses_odd_addresses(address):
    from caas_country_ch.registration import plate_for

    with pytest.raises(ValueError, match="canton"):
        plate_for(1, {"address": address})
    with pytest.raises(ValueError, match="canton"):
        plate_for(7, {})


def test_swiss_plate_function_reads_the_body_not_the_http_request():
    import caas_country_ch.registration as registration

    assert registration.plate_for(42, {"address": {"canton": "vd"}}) == "VD 42"
    assert "flask" not in vars(registration) and "http_request" not in vars(registration)


@pytest.mark.parametrize("code", CODES)
def test_plate_functions_take_the_number_and_the_body(code):
    import inspect

    registration = importlib.import_module(f"caas_country_{code.lower()}.registration")
    assert len(inspect.signature(registration.plate_for).parameters) == 2


def test_sandbox_refuses_a_body_that_is_not_an_object(countries):
    app = countries["ES"].registration_sandbox()
    response = app.test_client().post("/matriculaciones", json=["not", "an", "object"])
    assert response.status_code == 422


def test_stdnum_validator_tries_each_module_and_names_the_kinds():
    from stdnum.fr import nir, siren

    validate = caas.stdnum_validator(nir, siren, kinds=("NIR", "SIREN"))
    assert validate("732 829 320") == "732829320"
    assert validate("2 95 10 99 126 111 93") == "295109912611193"
    with pytest.raises(InvalidTaxId, match=r"NIR or SIREN: '12345'"):
        validate("12345")
    assert issubclass(InvalidTaxId, ValueError)


def test_stdnum_validator_defaults_kinds_to_the_module_names():
    from stdnum.ch import ssn, uid
    from stdnum.de import idnr

    with pytest.raises(InvalidTaxId, match="SSN or UID"):
        caas.stdnum_validator(ssn, uid)("1234")
    with pytest.raises(InvalidTaxId, match="IDNR"):
        caas.stdnum_validator(idnr)("1234")
    with pytest.raises(TypeError):
        caas.stdnum_validator()


def test_invalid_tax_id_message_names_the_country_kinds(country):
    with pytest.raises(InvalidTaxId) as refused:
        country.validate_tax_id(country.tax_id_samples["invalid"][-1])
    assert all(kind in str(refused.value) for kind in country.tax_id_kinds)


@pytest.mark.parametrize("sample, compact", [
    ("X-1234567-L", "X1234567L"), ("Y1234567X", "Y1234567X"), ("Z1234567R", "Z1234567R"),
    ("esx1234567l", "X1234567L"), ("12345678Z", "12345678Z"), ("A58818501", "A58818501"),
])
def test_spanish_nif_validator_covers_dni_cif_and_every_nie_kind(countries, sample, compact):
    assert countries["ES"].validate_tax_id(sample) == compact


def test_caas_exports_the_plugin_helpers():
    assert {"InvalidTaxId", "stdnum_validator"} <= set(caas.__all__)
    from caas.domain.countries import InvalidTaxId as domain_error

    assert caas.InvalidTaxId is domain_error

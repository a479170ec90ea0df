"""A country plugin brings a language the platform's own catalogs lack (the test country NL,
Dutch): the platform speaks it while the plugin is loaded, reads the plugin's catalog for its
own messages and for the options' names, falls back for the rest, and the conformance kit
reports the plugin's translation coverage against the share it declares."""
import importlib
import math
import os
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from caas import i18n
from tests.support.api import login, password_in
from tests.support.distributions import PACKAGES, install_package

API = "/api/v1"
DISTRIBUTION = "caas-test-country-nl"
CATALOG = PACKAGES / "caas_test_country_nl" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def dutch(msgid: str) -> str:
    """``msgid`` as the test plugin's catalog translates it."""
    with CATALOG.open("rb") as source:
        return read_po(source)[msgid].string


@pytest.fixture
def netherlands(site, platform):
    """The test country, installed and loaded in the running platform; unloaded after."""
    entry, module = install_package(site, DISTRIBUTION)
    platform.plugins.register(importlib.import_module(module), entry)
    try:
        yield entry
    finally:
        platform.plugins.unregister(entry)


def test_the_platform_speaks_the_language_while_the_plugin_is_loaded(site, platform):
    spoken = i18n.languages()
    entry, module = install_package(site, DISTRIBUTION)
    platform.plugins.register(importlib.import_module(module), entry)
    try:
        assert "nl" in i18n.languages() and "nl" not in i18n.core_languages()
    finally:
        platform.plugins.unregister(entry)
    assert i18n.languages() == spoken


def test_api_errors_and_option_names_read_the_plugins_catalog(netherlands, make_tenant,
                                                              platform):
    shop = make_tenant("NL")
    missing = shop.admin.get(f"{API}/orders/999999")
    assert missing.status_code == 404
    assert missing.json["message"] == dutch("Order %(id)s not found.") % {"id": 999999}
    options = {item["code"]: item for item in shop.admin.get(f"{API}/catalog/options").json}
    assert options["heated_seats"]["name"] == dutch("Heated seats")
    assert options["heated_seats"]["description"] == dutch(
        "Warm front seats in seconds, with three heat levels.")
    # Neither the plugin nor the tenant's default language translates the others: English.
    assert options["extended_range"]["name"] == (
        platform.plugins.catalog_options["extended_range"].name)
    # A message the catalog lacks falls back the same way, never to an error.
    anonymous = shop.anonymous.get(f"{API}/staff", headers={"Accept-Language": "nl"})
    assert anonymous.status_code == 401 and anonymous.json["message"] == "Missing bearer token."


def test_any_tenants_caller_may_ask_for_the_language(netherlands, tenant, operator):
    """Accept-Language asks for a language the tenant (Spanish here) does not offer: it is
    matched against the languages the platform speaks, the plugin's among them."""
    answer = operator.get(f"{API}/orders/999999", headers={
        "X-Tenant": tenant.slug, "Accept-Language": "nl-NL"})
    assert answer.json["message"] == dutch("Order %(id)s not found.") % {"id": 999999}


def test_emails_read_the_plugins_catalog(netherlands, make_tenant, client, drain, mailbox):
    shop = make_tenant("NL")
    address = f"sanne@{shop.slug}.test"
    created = shop.admin.post(f"{API}/staff", json={"email": address, "name": "Sanne",
                                                    "role": "employee", "locale": "nl-NL"})
    assert created.status_code == 201, created.json
    drain()
    [message] = mailbox.messages(address)
    assert message["subject"] == dutch("Your %(tenant)s account") % {"tenant": shop.tenant.name}
    assert message["body"].startswith(dutch("Hello %(name)s,") % {"name": "Sanne"})
    assert login(client, address, password_in(message), shop.slug).get(
        f"{API}/me").json["locale"] == "nl-NL"


# --- the conformance kit --------------------------------------------------------------------

KIT = '''
from caas.testing import CountryConformance


class TestConformance(CountryConformance):
    plugin = "test-country-nl"
'''


def run_kit(site, tmp_path, threshold: str) -> subprocess.CompletedProcess:
    """Install the test country declaring ``threshold`` and run the kit against it, as its
    author would, in a process of its own."""
    _, module = install_package(site, DISTRIBUTION)
    declaration = site / module / "__init__.py"
    declaration.write_text(declaration.read_text().replace(
        "caas_translation_coverage = 0.05", f"caas_translation_coverage = {threshold}"))
    tests = tmp_path / "kit"
    tests.mkdir()
    (tests / "test_conformance.py").write_text(KIT)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tests)], cwd=tests, env={**os.environ, "PYTHONPATH": str(site)},
                          capture_output=True, text=True, timeout=300)


def expected_coverage() -> tuple[int, int]:
    """(translated, total): the platform's messages the test plugin's catalog translates."""
    with (i18n.translations_dir() / "messages.pot").open("rb") as source:
        core = {message.id for message in read_po(source) if message.id}
    with CATALOG.open("rb") as source:
        translated = {message.id for message in read_po(source) if message.string}
    return len(core & translated), len(core)


def test_a_partial_catalog_passes_the_kit_at_its_declared_threshold(site, tmp_path):
    translated, total = expected_coverage()
    # Just under what the catalog covers (the share falls as the platform's messages grow).
    threshold = math.floor(1000 * translated / total) / 1000
    run = run_kit(site, tmp_path, str(threshold))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (f"translation coverage nl: {translated} of {total} messages "
            f"({translated / total:.1%}), threshold {threshold * 100:g}%") in run.stdout


def test_a_partial_catalog_fails_the_kit_above_it_listing_what_is_untranslated(site, tmp_path):
    run = run_kit(site, tmp_path, "0.5")
    assert run.returncode != 0
    assert "1 failed" in run.stdout, run.stdout
    translated, total = expected_coverage()
    report = f"translation coverage nl: {translated} of {total} messages"
    assert f"{report} ({translated / total:.1%}), threshold 50%; untranslated: " in run.stdout


@pytest.mark.parametrize("threshold, shown", [('"most"', "'most'"), ("1.5", "1.5")])
def test_a_threshold_that_is_not_a_share_fails_the_kit_saying_so(site, tmp_path, threshold,
                                                                 shown):
    run = run_kit(site, tmp_path, threshold)
    assert run.returncode != 0
    assert ("caas_translation_coverage must be a number from 0 to 1 (the share of the "
            f"platform's messages translated), not {shown}") in run.stdout, run.stdout

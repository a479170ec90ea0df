"""A plugin's own message catalogs: completeness (what the kit checks) and loading."""
import importlib
import textwrap

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from caas.i18n import catalog_gaps, core_languages, plugin_translations, translations_dir
from tests.support.languages import unspoken_locale

MESSAGES = ("Your registration is on its way", "Registration office")


def write_catalogs(folder, translated: dict[str, dict[str, str]], fuzzy=()):
    template = Catalog(project="caas-test")
    for message in MESSAGES:
        template.add(message)
    with (folder / "messages.pot").open("wb") as out:
        write_po(out, template)
    for language, strings in translated.items():
        catalog = Catalog(locale=language)
        for message in MESSAGES:
            catalog.add(message, strings.get(message, ""),
                        flags=("fuzzy",) if message in fuzzy else ())
        target = folder / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.po").open("wb") as out:
            write_po(out, catalog)
        with (target / "messages.mo").open("wb") as out:
            write_mo(out, catalog)


ITALIAN = {"Your registration is on its way": "La sua immatricolazione è in corso",
           "Registration office": "Ufficio della Motorizzazione"}


@pytest.fixture
def package(tmp_path, monkeypatch):
    root = tmp_path / "caas_test_i18n_plugin"
    (root / "translations").mkdir(parents=True)
    (root / "__init__.py").write_text(textwrap.dedent('"""A plugin with its own texts."""\n'))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return root


def test_a_complete_catalog_has_no_gaps_and_is_loaded_with_fallback(package):
    write_catalogs(package / "translations", {"it": ITALIAN, "en": {}})
    assert catalog_gaps(package / "translations", "it") == []
    italian = plugin_translations("caas_test_i18n_plugin", "it-IT")
    assert italian.gettext("Registration office") == "Ufficio della Motorizzazione"
    # A language without a catalog falls back to the source text.
    assert plugin_translations("caas_test_i18n_plugin", unspoken_locale()).gettext(
        "Registration office") == "Registration office"


def test_missing_empty_and_fuzzy_messages_are_gaps(package):
    write_catalogs(package / "translations",
                   {"it": {"Your registration is on its way": ITALIAN[MESSAGES[0]],
                           "Registration office": "Ufficio"}},
                   fuzzy=("Registration office",))
    assert catalog_gaps(package / "translations", "it") == ["Registration office"]
    assert catalog_gaps(package / "translations", "de") == [
        f"<no de catalog in {package / 'translations'}>"]


def test_the_platform_catalogs_are_complete_in_each_of_their_languages():
    for language in core_languages():
        assert catalog_gaps(translations_dir(), language) == []

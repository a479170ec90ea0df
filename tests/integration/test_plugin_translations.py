"""A plugin's own message catalogs: completeness (what the kit checks) and loading."""
import importlib
import textwrap

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from caas import hookimpl
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


class _ShipsCatalogs:
    """A throwaway plugin whose catalogs are in ``folder``."""

    def __init__(self, folder):
        self.folder = folder

    @hookimpl
    def register_translations(self):
        return [self.folder]


def _po(folder, language, texts, template=()):
    """Write ``folder``'s ``language`` catalog of ``texts`` (and its messages.pot, listing
    the messages in ``template``: those it owns)."""
    catalog = Catalog(locale=language)
    for msgid, text in texts.items():
        catalog.add(msgid, text)
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.po").open("wb") as out:
        write_po(out, catalog)
    if template:
        owned = Catalog()
        for msgid in template:
            owned.add(msgid)
        with (folder / "messages.pot").open("wb") as out:
            write_po(out, owned)


def test_a_message_is_read_from_the_catalog_that_owns_it_first(platform, tmp_path):
    """A plugin's own text from its own catalog, whatever another plugin loaded before says;
    the platform's message from the platform's catalog, whatever a plugin says."""
    from caas.i18n import translation

    core_message = "Order %(id)s not found."
    early, owner = tmp_path / "early", tmp_path / "owner"
    _po(early, "es", {"Sauna mode": "Sauna (otra)", "Lights show": "Luces"})
    _po(owner, "es", {"Sauna mode": "Modo sauna", core_message: "Pedido %(id)s: no está."},
        template=("Sauna mode", core_message))
    for name, folder in (("early", early), ("owner", owner)):
        platform.plugins.register(_ShipsCatalogs(folder), name)
    try:
        assert translation("Sauna mode", "es") == "Modo sauna"
        assert translation("Lights show", "es-ES") == "Luces"  # no owner: any catalog's
        assert translation(core_message, "es") == "No se ha encontrado el pedido %(id)s."
    finally:
        for name in ("early", "owner"):
            platform.plugins.unregister(name)
    assert translation("Sauna mode", "es") is None

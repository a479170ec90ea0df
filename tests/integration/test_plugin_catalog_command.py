"""``caas plugins catalog``: a plugin's catalog for a language, with every message the platform
would read from it, updated without losing translations."""
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from caas import i18n
from caas.entrypoints.cli import main
from caas.plugins import Plugins

# Same on every backend (catalog files, not databases):
# the PostgreSQL run leaves it to SQLite's.
pytestmark = pytest.mark.same_on_every_backend

ORDER_NOT_FOUND = "Order %(id)s not found."


@pytest.fixture
def package(tmp_path):
    folder = tmp_path / "caas_country_xx"
    folder.mkdir()
    (folder / "__init__.py").write_text('"""A country plugin in the making."""\n')
    return folder


def catalog_command(package, language):
    return CliRunner().invoke(main, ["plugins", "catalog", str(package), "--language", language])


def read(package, folder="nl") -> Catalog:
    with (package / "translations" / folder / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_the_catalog_holds_the_platforms_messages_and_the_options_texts(package):
    result = catalog_command(package, "nl")
    assert result.exit_code == 0, result.output
    messages = {message.id: message.string for message in read(package) if message.id}
    with (i18n.translations_dir() / "messages.pot").open("rb") as source:
        assert {message.id for message in read_po(source) if message.id} <= set(messages)
    for option in Plugins(None).load().catalog_options.values():
        assert {option.name, option.description} <= set(messages)
    assert not any(messages.values())
    assert f"{len(messages)} messages, 0 translated" in result.output


def test_running_it_again_keeps_the_translations_and_adds_the_plugins_own_texts(package):
    assert catalog_command(package, "nl-BE").exit_code == 0
    catalog = read(package, "nl_BE")
    catalog[ORDER_NOT_FOUND].string = "Bestelling %(id)s niet gevonden."
    with (package / "translations" / "nl_BE" / "LC_MESSAGES" / "messages.po").open("wb") as po:
        write_po(po, catalog)
    own = Catalog()
    own.add("Registration office")
    with (package / "translations" / "messages.pot").open("wb") as pot:
        write_po(pot, own)

    result = catalog_command(package, "nl-BE")
    assert result.exit_code == 0, result.output
    assert "1 translated" in result.output
    updated = read(package, "nl_BE")
    assert updated[ORDER_NOT_FOUND].string == "Bestelling %(id)s niet gevonden."
    assert "Registration office" in updated
    # The platform reads it as it is.
    total, missing = i18n.coverage("nl-BE", [package / "translations"])
    assert ORDER_NOT_FOUND not in missing and len(missing) == total - 1


@pytest.mark.parametrize("language, message", [
    ("xx-zz", "'xx-zz' is not a language or locale Babel knows"),
    ("en-GB", "English is the language of the message ids"),
])
def test_a_language_it_cannot_write_is_refused_saying_why(package, language, message):
    result = catalog_command(package, language)
    assert result.exit_code != 0 and message in result.output
    assert not (package / "translations").exists()


def test_a_folder_that_is_not_a_package_is_refused(tmp_path):
    result = catalog_command(tmp_path / "nowhere", "nl")
    assert result.exit_code != 0 and "is not a Python package folder" in result.output
    assert "Traceback" not in result.output

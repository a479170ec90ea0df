"""``caas plugins new``: what it generates installs and passes the conformance kit once filled in."""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from caas.entrypoints.cli import main
from caas.entrypoints.tooling.scaffold import MARKER, fill_in
from caas.i18n import core_languages
from tests.support.languages import translated_languages

# Same on every backend (generated plugins are checked by the kit, whatever the test database):
# the PostgreSQL run leaves it to SQLite's.
pytestmark = pytest.mark.same_on_every_backend

AUSTRIA = {
    "tax_id_kinds": '("UID", "TIN")',
    "validate_tax_id": "stdnum_validator(__import__('stdnum.at.uid').at.uid, "
                       "__import__('stdnum.at.tin').at.tin, kinds=TAX_ID_KINDS)",
    "name": '"Austria"',
    "currency": '"EUR"',
    "locales": '("de-AT",)',
    "timezone": '"Europe/Vienna"',
    "vat_rates": '{"standard": Decimal("0.20"), "reduced": Decimal("0.10")}',
    "withdrawal.days": "14",
    "withdrawal.refund_rule": '"full"',
    "withdrawal.legal_reference": '"FAGG § 11"',
    "plate_pattern": r'r"W [0-9]{1,5} [A-Z]"',
    "plate_example": '"W 12345 A"',
    "postal_code_pattern": r'r"[1-9][0-9]{3}"',
    "tax_id_samples.valid": '("ATU13585627", "59-119/9013")',
    "tax_id_samples.invalid": '("ATU13585626", "1234")',
    "required_fields": '("fin", "halter", "uid")',
    "path": '"/zulassungen"',
    "to_body": '{"fin": request.vin, "modell": request.model, "halter": request.owner_name, '
               '"uid": request.owner_tax_id, "adresse": dict(request.owner_address)}',
    "from_response": 'RegistrationResult(plate=payload["kennzeichen"], reference=payload["akt"])',
    "plate_for": 'f"W {(number - 1) % 99_999 + 1} {chr(65 + (number - 1) // 99_999 % 26)}"',
    "answer": '{"kennzeichen": plate, "akt": reference}',
    "demo_customer": '{"name": "Lukas Gruber", "tax_id": "59-119/9013", '
                     '"phone": "+43 664 1234567", "locale": "de-AT", "address": '
                     '{"street": "Stephansplatz 1", "city": "Wien", "postal_code": "1010"}}',
}

SEAT_MASSAGE = {
    "activate": '{"comfort.seat_massage.enabled": True, "comfort.seat_massage.programs": 5}',
    "deactivate": '{"comfort.seat_massage.enabled": False}',
    "billing_modes": '("monthly",)',
    "name": '"Seat massage"',
    "description": '"Five massage programs."',
}


def generate(tmp_path, *args) -> Path:
    result = CliRunner().invoke(main, ["plugins", "new", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "FILL_IN markers to complete" in result.output
    return tmp_path / args[-1]


def fill(folder: Path, values: dict) -> None:
    names = set()
    for path in folder.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= {match["name"] for match in MARKER.finditer(text)}
        path.write_text(fill_in(text, values), encoding="utf-8")
    assert names == set(values), "the test fills exactly the marked pieces"
    assert not any(MARKER.search(path.read_text()) for path in folder.rglob("*.py"))


def install_and_test(folder: Path, site: Path) -> subprocess.CompletedProcess:
    """pip-install the distribution into ``site`` and run its own tests from there."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(folder)], check=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(folder / "tests")], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_generated_country_installs_and_passes_the_kit_once_filled_in(tmp_path):
    folder = generate(tmp_path, "country", "AT", "--output", str(tmp_path / "caas-country-at"))
    assert (folder / "caas_country_at" / "translations").is_dir()
    assert 'at = "caas_country_at"' in (folder / "pyproject.toml").read_text()
    package = folder / "caas_country_at"
    assert "\ncaas_translation_coverage = 1.0\n" in (package / "__init__.py").read_text()
    notes = (package / "translations" / "README.txt").read_text()
    assert "caas plugins catalog caas_country_at --language <language>" in notes
    assert ", ".join(translated_languages()) not in notes  # no list that ages
    fill(folder, AUSTRIA)
    run = install_and_test(folder, tmp_path / "site")
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "failed" not in run.stdout
    # Austria's language is the platform's: its catalogs translate every message.
    assert "translation coverage de: " in run.stdout and "(100.0%), threshold 100%" in run.stdout


def test_a_demo_customer_the_country_refuses_fails_the_kit(tmp_path):
    folder = generate(tmp_path, "country", "AT", "--output", str(tmp_path / "caas-country-at"))
    fill(folder, {**AUSTRIA, "demo_customer": AUSTRIA["demo_customer"].replace(
        "59-119/9013", "ATU13585626")})
    run = install_and_test(folder, tmp_path / "site")
    assert run.returncode != 0
    assert "1 failed" in run.stdout and "test_demo_customer_passes_the_country_rules" in run.stdout


def translated(english: str, language: str) -> str:
    """What the author's translators write for ``english`` in ``language``'s catalog."""
    return english if language == "en" else f"{english} ({language})"


def translate(package: Path) -> None:
    """What its translations/README.txt tells the author: pybabel extract and init for each
    language of the platform's own catalogs, then translate every message (no compile step:
    the platform reads the .po files too)."""
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import read_po, write_po

    folder = package / "translations"
    pybabel = CommandLineInterface().run
    pybabel(["pybabel", "-q", "extract", "-o", str(folder / "messages.pot"), str(package)])
    for language in core_languages():
        pybabel(["pybabel", "-q", "init", "-i", str(folder / "messages.pot"), "-d", str(folder),
                 "-l", language])
        po_file = folder / language / "LC_MESSAGES" / "messages.po"
        with po_file.open("rb") as source:
            catalog = read_po(source)
        for message in catalog:
            if message.id:
                message.string = translated(message.id, language)
        with po_file.open("wb") as target:
            write_po(target, catalog)


def test_a_generated_option_installs_and_passes_the_kit_once_filled_in(tmp_path):
    folder = generate(tmp_path, "option", "seat_massage",
                      "--output", str(tmp_path / "caas-option-seat-massage"))
    fill(folder, SEAT_MASSAGE)
    translate(folder / "caas_option_seat_massage")
    run = install_and_test(folder, tmp_path / "site")
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "failed" not in run.stdout
    # The kit checked the catalogs (it skips that check when there are none).
    assert "skipped" not in run.stdout, run.stdout


def test_a_generated_option_without_its_translations_fails_the_kit(tmp_path):
    folder = generate(tmp_path, "option", "seat_massage",
                      "--output", str(tmp_path / "caas-option-seat-massage"))
    fill(folder, SEAT_MASSAGE)
    run = install_and_test(folder, tmp_path / "site")
    assert run.returncode != 0
    missing = ", ".join(translated_languages())
    assert f"'Seat massage' is not translated in {missing}" in run.stdout


def test_an_unfilled_plugin_names_the_first_missing_piece(tmp_path, monkeypatch):
    folder = generate(tmp_path, "option", "seat_massage",
                      "--output", str(tmp_path / "caas-option-seat-massage"))
    monkeypatch.syspath_prepend(str(folder))
    with pytest.raises(NotImplementedError, match="fill in name "):
        importlib.import_module("caas_option_seat_massage")


@pytest.mark.parametrize("args, message", [
    (["country", "ITA"], "two letters"),
    (["option", "Bad Name!"], "lower-case"),
])
def test_bad_names_are_refused(tmp_path, args, message):
    result = CliRunner().invoke(main, ["plugins", "new", *args, "--output", str(tmp_path / "x")])
    assert result.exit_code != 0 and message in result.output


def test_a_non_empty_folder_is_not_overwritten(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["plugins", "new", "country", "AT",
                                       "--output", str(tmp_path / "x")])
    assert result.exit_code != 0 and "not empty" in result.output
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"

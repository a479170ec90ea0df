"""``caas plugins new``: lay out a new country or catalog-option plugin distribution.

What only the author can know is marked ``FILL_IN("name", "hint")`` in the
generated code: a call that raises, so a plugin installed before it is filled in
is refused with the name of the first missing piece (the conformance kit's
first test shows it). Everything else is ready: metadata, the ``caas`` entry
point, the plugin-API declaration, a translations folder and a test file that
runs the conformance kit.
"""
from __future__ import annotations

import re
from pathlib import Path
from string import Template

from caas import PLUGIN_API_VERSION, __version__

#: Matches one marker; ``fill_in`` replaces them by name.
MARKER = re.compile(r'FILL_IN\("(?P<name>[a-z_.]+)", "[^"\n]*"\)')

_FILL_IN_FUNCTION = '''

def FILL_IN(name, hint):  # noqa: N802  (stands out on purpose; delete once nothing calls it)
    raise NotImplementedError(f"caas plugin scaffold: fill in {name} ({hint})")
'''

_PYPROJECT = '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "CaaS $kind plugin: $title"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["caas-platform>=$core_version"$extra_dependencies]

[project.entry-points.caas]
$entry = "$module"

[tool.setuptools]
packages = ["$module"]

[tool.setuptools.package-data]
$module = ["translations/*.pot", "translations/*/LC_MESSAGES/*.po", "translations/*/LC_MESSAGES/*.mo"]
'''

_README = '''\
# $dist

CaaS $kind plugin: $title. It depends on the platform's core, `caas-platform`.

With the platform's virtual environment active (`. <platform checkout>/.venv/bin/activate`):

    pip install -e .            # next to the core
    python -m pytest tests      # the conformance kit, with only this plugin loaded

Fill in every `FILL_IN(...)` in `$module/` first (`grep -rn FILL_IN $module`).
'''

_TRANSLATIONS_README = '''\
Message catalogs (domain "messages"): <language>/LC_MESSAGES/messages.po per language, found
by the platform through the register_translations hook and read with its own catalogs. The
English texts marked N_("...") in the code are the message ids.
$workflow
    # translate each msgstr, then, optionally (the platform also reads the .po files):
    pybabel compile -d $module/translations

A plugin's own texts are read with caas.i18n.plugin_translations("$module", locale). The
conformance kit checks that each language it checks translates messages.pot completely.$checks
'''

#: A country's catalogs may also translate the platform's messages and the options' names,
#: for a language the platform's own catalogs lack.
_COUNTRY_WORKFLOW = '''
    pybabel extract -o $module/translations/messages.pot $module  # the plugin's own texts
    caas plugins catalog $module --language <language>
    # (once per language of the country's locales, and again after an upgrade: it writes the
    # platform's messages, the installed options' names and messages.pot's, keeping what is
    # translated)'''

_COUNTRY_CHECKS = '''
For each language of the country's locales it also reports the share of the platform's
messages read translated (by the platform's catalogs or these), and fails below
caas_translation_coverage (see __init__.py).'''

_OPTION_WORKFLOW = '''
    pybabel extract -o $module/translations/messages.pot $module
    pybabel init -i $module/translations/messages.pot -d $module/translations -l <language>
    # (once per language of the platform's own catalogs; pybabel update after a change)'''

_COUNTRY = '''\
"""$title: currency, VAT, tax ids, plates, withdrawal and vehicle registration."""
from decimal import Decimal
from pathlib import Path

from caas import Country, WithdrawalPolicy, hookimpl, stdnum_validator

from $module.registration import RegistrationClient, sandbox

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "$api_version"
#: The share (0 to 1) of the platform's messages that must read translated in each language of
#: the country's locales, by the platform's catalogs or this plugin's translations/; the
#: conformance kit reports it and fails below. 1.0: complete. Lower it while a language the
#: platform does not speak yet is being translated (caas plugins catalog, see translations/).
caas_translation_coverage = 1.0
$fill_in_function

#: Names of the accepted tax ids, for error messages (e.g. ("NIF", "NIE")).
TAX_ID_KINDS = FILL_IN("tax_id_kinds", "a tuple of names of the accepted tax ids")
#: Build the validator from python-stdnum modules, e.g. stdnum_validator(nif, kinds=TAX_ID_KINDS).
validate_tax_id = FILL_IN("validate_tax_id", "stdnum_validator(<stdnum modules>, kinds=TAX_ID_KINDS)")


COUNTRY = Country(
    code="$code",
    name=FILL_IN("name", "the country's English name"),
    currency=FILL_IN("currency", "ISO 4217 code, e.g. 'EUR'"),
    locales=FILL_IN("locales", "a tuple of locales, the default first, e.g. ('it-IT',)"),
    timezone=FILL_IN("timezone", "IANA zone, e.g. 'Europe/Rome'"),
    vat_rates=FILL_IN("vat_rates", "{'standard': Decimal('0.22'), ...} as Decimal fractions"),
    withdrawal=WithdrawalPolicy(
        days=FILL_IN("withdrawal.days", "statutory window in days; 0 if none"),
        refund_rule=FILL_IN("withdrawal.refund_rule", "'full', 'prorated', or 'none' when days is 0"),
        legal_reference=FILL_IN("withdrawal.legal_reference", "the law it comes from"),
    ),
    tax_id_validator=validate_tax_id,
    tax_id_kinds=TAX_ID_KINDS,
    plate_pattern=FILL_IN("plate_pattern", "regular expression a whole plate matches"),
    plate_example=FILL_IN("plate_example", "a plate matching plate_pattern"),
    postal_code_pattern=FILL_IN("postal_code_pattern", "regular expression of a postal code"),
    registration_adapter=RegistrationClient,
    registration_sandbox=sandbox,
    tax_id_samples={
        "valid": FILL_IN("tax_id_samples.valid", "two or more valid tax ids"),
        "invalid": FILL_IN("tax_id_samples.invalid", "two or more invalid tax ids"),
    },
    # Whom `caas demo sale` sells to: name, a valid tax_id, phone, locale (one of locales) and
    # address (street, city, postal_code and what the registration body reads).
    demo_customer=FILL_IN("demo_customer", "{'name': ..., 'tax_id': ..., 'phone': ..., 'locale': ..., 'address': {...}}"),
)


@hookimpl
def register_countries():
    return [COUNTRY]


@hookimpl
def register_translations():
    return [Path(__file__).parent / "translations"]
'''

_REGISTRATION = '''\
"""Client and sandbox of $title's vehicle registration body."""
from typing import Any, Mapping

from caas import JsonRegistrationClient, RegistrationResult, registration_sandbox
$fill_in_function

#: The JSON fields the body refuses to register without.
REQUIRED = FILL_IN("required_fields", "a tuple of the body's field names, as to_body spells them")


class RegistrationClient(JsonRegistrationClient):
    path = FILL_IN("path", "the route registrations are POSTed to, e.g. '/registrations'")

    def to_body(self, request):
        return FILL_IN("to_body", "request.vin, .model, .owner_name, .owner_tax_id, .owner_address as the body spells them")

    def from_response(self, payload):
        return FILL_IN("from_response", "RegistrationResult(plate=payload[...], reference=payload[...])")


def plate_for(number: int, body: Mapping[str, Any]) -> str:
    """The ``number``-th plate (from 1) the sandbox issues: unique, matching plate_pattern."""
    return FILL_IN("plate_for", "the number-th plate in the country's format")


def answer(plate: str, reference: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The body's JSON answer, as from_response reads it."""
    return FILL_IN("answer", "e.g. {'plate': plate, 'reference': reference}")


def sandbox():
    return registration_sandbox(__name__, RegistrationClient.path, REQUIRED, plate_for, answer)
'''

_OPTION = '''\
"""$title: an on-car service unlocked over the air."""
from pathlib import Path

from caas import CatalogOption, N_, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "$api_version"
$fill_in_function

def activate(vin):
    """The IoT settings that switch the option on: 1 to 20 keys of [a-z0-9_.], namespaced."""
    return FILL_IN("activate", "e.g. {'comfort.$code.enabled': True}")


def deactivate(vin):
    """The settings that switch it off again: a subset of activate's keys, other values."""
    return FILL_IN("deactivate", "e.g. {'comfort.$code.enabled': False}")


OPTION = CatalogOption(
    code="$code",
    # In English, the message ids of translations/ (see its README.txt): each language of
    # the platform's own catalogs needs their translation there.
    name=N_(FILL_IN("name", "the option's name in English")),
    description=N_(FILL_IN("description", "one sentence of marketing copy in English")),
    billing_modes=FILL_IN("billing_modes", "('one_time',), ('monthly',) or both"),
    activation_payload=activate,
    deactivation_payload=deactivate,
    # Optional: duration_days=30, requires_maintenance=True, compatible_models=("urbano",),
    # trial_days=14, and for a monthly option billed by use beyond an included quantity:
    # usage=UsageMetric(metric="data", unit="GB", name=N_("data")) (import it from caas).
)


@hookimpl
def register_catalog_options():
    return [OPTION]


@hookimpl
def register_translations():
    return [Path(__file__).parent / "translations"]
'''

_TEST = '''\
"""The conformance kit, run against this plugin alone (see caas.testing)."""
from caas.testing import $suite


class TestConformance($suite):
    plugin = "$entry"
'''


class ScaffoldError(ValueError):
    """The plugin cannot be generated as asked (bad name, folder not empty)."""


def new_country(code: str, target: Path) -> Path:
    """Lay out ``caas-country-<code>`` in ``target``; returns ``target``."""
    if not re.fullmatch(r"[A-Za-z]{2}", code):
        raise ScaffoldError(f"a country code is two letters (ISO 3166-1), not {code!r}")
    entry = code.lower()
    module = f"caas_country_{entry}"
    values = _values("country", f"caas-country-{entry}", entry, module, f"country {code.upper()}",
                     code=code.upper(), extra_dependencies=', "python-stdnum>=1.20"',
                     suite="CountryConformance", workflow=_COUNTRY_WORKFLOW,
                     checks=_COUNTRY_CHECKS)
    files = {"__init__.py": _COUNTRY, "registration.py": _REGISTRATION}
    return _write(target, values, files)


def new_option(name: str, target: Path) -> Path:
    """Lay out ``caas-option-<name>`` in ``target``; returns ``target``."""
    code = name.replace("-", "_").lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,40}", code):
        raise ScaffoldError(f"an option code is lower-case letters, digits and '_', not {name!r}")
    title = code.replace("_", " ").capitalize()
    values = _values("catalog option", f"caas-option-{code.replace('_', '-')}", code,
                     f"caas_option_{code}", title, code=code, extra_dependencies="",
                     suite="OptionConformance", workflow=_OPTION_WORKFLOW, checks="")
    return _write(target, values, {"__init__.py": _OPTION})


def fill_in(source: str, values: dict[str, str]) -> str:
    """Replace the ``FILL_IN("name", ...)`` markers of ``source`` by ``values[name]``
    (Python source text); markers without a value stay."""
    return MARKER.sub(lambda match: values.get(match["name"], match[0]), source)


def _values(kind, dist, entry, module, title, **more) -> dict[str, str]:
    return {"kind": kind, "dist": dist, "entry": entry, "module": module, "title": title,
            "api_version": PLUGIN_API_VERSION, "core_version": __version__,
            "fill_in_function": _FILL_IN_FUNCTION, **more}


def _write(target: Path, values: dict[str, str], package_files: dict[str, str]) -> Path:
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} exists and is not empty")
    module = values["module"]
    # The workflow's own placeholders ($module) are filled in with the rest.
    values = {**values, "workflow": Template(values["workflow"]).substitute(values)}
    files = {
        "pyproject.toml": _PYPROJECT,
        "README.md": _README,
        f"{module}/translations/README.txt": _TRANSLATIONS_README,
        f"tests/test_{module}.py": _TEST,
        **{f"{module}/{name}": text for name, text in package_files.items()},
    }
    for relative, template in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template).substitute(values), encoding="utf-8")
    return target

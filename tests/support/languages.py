"""Languages and locales computed from what is installed, never listed, so that a new
language or a new country changes no test."""
from __future__ import annotations

from babel import Locale, localedata

from caas import i18n
from tests.support.fakes import plugins


def unspoken_locale() -> str:
    """A locale whose language the platform does not speak (``af-NA``...): the first of
    Babel's with a territory whose language no catalog has, the core's or an installed
    plugin's."""
    plugins()  # the installed plugins' catalogs count
    spoken = set(i18n.languages())
    for name in sorted(localedata.locale_identifiers()):
        locale = Locale.parse(name)
        if locale.territory and not locale.script and locale.language not in spoken:
            return f"{locale.language}-{locale.territory}"
    raise LookupError("the platform speaks every language Babel knows")


def translated_languages() -> list[str]:
    """The languages of the core's own catalogs but English."""
    return [language for language in i18n.core_languages() if language != i18n.SOURCE_LANGUAGE]


def core_locales() -> list[str]:
    """English, and the installed countries' locales whose language the core's catalogs
    translate (``es-ES``, ``de-CH``...): the tenant locales the core's texts are read in."""
    spoken = set(i18n.core_languages())
    return ["en", *sorted({locale for country in plugins().countries.values()
                           for locale in country.locales if i18n.language_of(locale) in spoken})]


def country_speaking(language: str) -> str | None:
    """The code of an installed country whose default locale is in ``language``, if any."""
    return next((code for code, country in sorted(plugins().countries.items())
                 if i18n.language_of(country.default_locale) == language), None)

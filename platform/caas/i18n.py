"""Message catalogs from ``translations/`` (and from plugins), with language fallback."""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import Translations

DOMAIN = "messages"
SUPPORTED_LANGUAGES = ("en", "es", "fr", "de", "it")


def translations_dir() -> Path:
    """Where the catalogs are: ``CAAS_TRANSLATIONS``, the checkout's ``translations/``, or,
    for an installed wheel, ``<prefix>/share/caas/translations``."""
    configured = os.environ.get("CAAS_TRANSLATIONS")
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parents[2] / "translations"
    installed = Path(sys.prefix) / "share" / "caas" / "translations"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


def catalog_gaps(folder, language: str) -> list[str]:
    """The messages of ``folder/messages.pot`` that ``language``'s catalog in ``folder``
    leaves untranslated (missing, empty or fuzzy); ``[]`` when it is complete.

    :param folder: a translations folder laid out as ``<language>/LC_MESSAGES/messages.po``.
    """
    from babel.messages.pofile import read_po

    folder = Path(folder)
    po_file = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.is_file():
        return [f"<no {language} catalog in {folder}>"]
    with po_file.open("rb") as source:
        catalog = read_po(source)
    template = folder / f"{DOMAIN}.pot"
    if template.is_file():
        with template.open("rb") as source:
            wanted = [message.id for message in read_po(source) if message.id]
    else:
        wanted = [message.id for message in catalog if message.id]
    gaps = []
    for msgid in wanted:
        message = catalog.get(msgid)
        strings = (message.string if isinstance(message.string, tuple) else (message.string,)
                   ) if message is not None else ("",)
        if message is None or message.fuzzy or not all(strings):
            gaps.append(msgid if isinstance(msgid, str) else msgid[0])
    return gaps


def babel_locale(locale: str) -> str:
    """``de-CH`` → ``de_CH``; unknown locales fall back to English."""
    try:
        return str(Locale.parse(locale.replace("-", "_")))
    except (ValueError, UnknownLocaleError, AttributeError):
        return "en"


@lru_cache(maxsize=64)
def translations(locale: str, fallback: str = "en") -> Translations:
    """Catalog for ``locale``; missing messages fall back to ``fallback``, then to the source text.

    ``de-CH`` finds ``de_CH`` first and then ``de``.
    """
    return _load(translations_dir(), locale, fallback)


def _load(directory, locale: str, fallback: str) -> Translations:
    chosen = Translations.load(str(directory), [babel_locale(locale)], DOMAIN)
    if fallback and babel_locale(fallback) != babel_locale(locale):
        chosen.add_fallback(Translations.load(str(directory), [babel_locale(fallback)], DOMAIN))
    return chosen


def plugin_translations(package: str, locale: str, fallback: str = "en") -> Translations:
    """The catalog of a plugin's own texts (``<package>/translations/``), with the same
    fallbacks as :func:`translations`."""
    from importlib import resources

    return _load(resources.files(package) / "translations", locale, fallback)


def init_babel(app) -> None:
    """Request locale: the user's, else ``Accept-Language`` among the tenant's, else its default."""
    from flask import g, request
    from flask_babel import Babel

    def select_locale():
        tenant = g.get("tenant")
        offered = [babel_locale(locale) for locale in tenant.locales] if tenant else list(
            SUPPORTED_LANGUAGES)
        return request.accept_languages.best_match(offered) or offered[0]

    Babel(app, locale_selector=select_locale,
          default_translation_directories=str(translations_dir()))

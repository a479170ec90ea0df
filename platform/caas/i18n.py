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


#: Catalog folders the loaded plugins ship (``register_translations``), in load order.
_plugin_directories: list[str] = []


def add_plugin_catalogs(directories) -> None:
    """Let :func:`translations` find the messages of plugins' catalogs in ``directories``."""
    added = [str(directory) for directory in directories
             if str(directory) not in _plugin_directories]
    if added:
        _plugin_directories.extend(added)
        clear_caches()


def clear_caches() -> None:
    """Forget the catalogs read so far (after catalogs were added or changed)."""
    translations.cache_clear()
    formatting_locale.cache_clear()


def _catalog(locale: str):
    """The core catalog of ``locale``, with the messages only plugins' catalogs have.

    A plugin adds messages; it does not change the core's translation of one.
    """
    where = [babel_locale(locale)]
    chosen = Translations.load(str(translations_dir()), where, DOMAIN)
    for directory in _plugin_directories:
        extra = Translations.load(directory, where, DOMAIN)
        if not isinstance(extra, Translations):
            continue  # no catalog for this language there
        if not isinstance(chosen, Translations):
            chosen = extra
            continue
        for message_id, text in extra._catalog.items():
            chosen._catalog.setdefault(message_id, text)
    return chosen


@lru_cache(maxsize=64)
def formatting_locale(locale: str, fallback: str = "en") -> str:
    """The locale to format amounts and dates in, so that they match the text's language:
    ``locale``, unless no catalog has its language and the text falls back to ``fallback``."""
    chosen = babel_locale(locale)
    if chosen.split("_")[0] == "en" or isinstance(_catalog(locale), Translations):
        return chosen
    return babel_locale(fallback) if fallback else chosen


@lru_cache(maxsize=64)
def translations(locale: str, fallback: str = "en") -> Translations:
    """Catalog for ``locale``; missing messages fall back to ``fallback`` (the tenant's default
    language), then to the source text: never an error or a bare message id.

    ``de-CH`` finds ``de_CH`` first and then ``de``. Plugins' catalogs count as the core's.
    """
    chosen = _catalog(locale)
    if fallback and babel_locale(fallback) != babel_locale(locale):
        chosen.add_fallback(_catalog(fallback))
    return chosen


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

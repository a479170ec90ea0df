"""Message catalogs from ``translations/`` (and from plugins), with language fallback."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import Translations

DOMAIN = "messages"
SUPPORTED_LANGUAGES = ("en", "es", "fr", "de", "it")


def translations_dir() -> Path:
    """Where the compiled catalogs are: ``CAAS_TRANSLATIONS`` or the repository's ``translations/``."""
    configured = os.environ.get("CAAS_TRANSLATIONS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "translations"


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
    directory = str(translations_dir())
    chosen = Translations.load(directory, [babel_locale(locale)], DOMAIN)
    if fallback and babel_locale(fallback) != babel_locale(locale):
        chosen.add_fallback(Translations.load(directory, [babel_locale(fallback)], DOMAIN))
    return chosen


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

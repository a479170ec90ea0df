"""Message catalogs from ``translations/`` (and from plugins), whose languages are the ones the
platform speaks (:func:`languages`), with language fallback; texts
translated once their reader is known (:class:`LazyText`); plugins' texts. Quantities are in
:mod:`caas.quantities`.

Locales are stored as ``de-CH`` (:func:`normalize_locale`); Babel reads them as ``de_CH``
(:func:`babel_locale`).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import NullTranslations, Translations

DOMAIN = "messages"
#: The language of the message ids: spoken without a catalog.
SOURCE_LANGUAGE = "en"


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


# --- locales ---------------------------------------------------------------------------

def normalize_locale(locale: str) -> str:
    """The one spelling the platform stores: ``de_CH``, ``de-ch`` and ``de-CH`` are ``de-CH``.

    :raises ValueError: not a locale Babel knows.
    """
    try:
        parsed = Locale.parse(str(locale).strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError) as exc:
        raise ValueError(f"unknown locale {locale!r}") from exc
    return str(parsed).replace("_", "-")


def babel_locale(locale: str) -> str:
    """``de-CH`` → ``de_CH``; a region Babel does not know for the language (``es-CH``)
    → the language (``es``); an unknown language → English."""
    text = str(locale or "").strip().replace("-", "_")
    for candidate in (text, text.split("_")[0]):
        try:
            return str(Locale.parse(candidate))
        except (ValueError, UnknownLocaleError):
            continue
    return "en"


def language_of(locale: str) -> str:
    """``de-CH`` and ``de_CH`` → ``de``."""
    return babel_locale(locale).split("_")[0]


# --- catalogs --------------------------------------------------------------------------

#: Catalog folders the loaded plugins ship (``register_translations``), in load order.
_plugin_directories: list[str] = []


def add_plugin_catalogs(directories) -> None:
    """Let :func:`translations` find the messages of plugins' catalogs in ``directories``."""
    added = [str(directory) for directory in directories
             if str(directory) not in _plugin_directories]
    if added:
        _plugin_directories.extend(added)
        clear_caches()


def remove_plugin_catalogs(directories) -> None:
    """Forget the plugins' catalogs in ``directories`` (their plugins were unregistered)."""
    removed = {str(directory) for directory in directories}
    if removed & set(_plugin_directories):
        _plugin_directories[:] = [kept for kept in _plugin_directories if kept not in removed]
        clear_caches()


def clear_caches() -> None:
    """Forget the catalogs and languages read so far (after catalogs were added or changed)."""
    translations.cache_clear()
    formatting_locale.cache_clear()
    languages.cache_clear()
    core_languages.cache_clear()
    _template.cache_clear()


def _catalog_languages(folder) -> set[str]:
    """The languages of the catalogs in ``folder`` (``de_CH/`` counts as ``de``)."""
    folder = Path(folder)
    found = set()
    if not folder.is_dir():
        return found
    for child in folder.iterdir():
        compiled = child / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not (compiled.is_file() or compiled.with_suffix(".po").is_file()):
            continue
        try:
            found.add(Locale.parse(child.name).language)
        except (ValueError, UnknownLocaleError):
            continue  # not a language's folder
    return found


def _with_english(found: set[str]) -> tuple[str, ...]:
    return (SOURCE_LANGUAGE, *sorted(found - {SOURCE_LANGUAGE}))


@lru_cache(maxsize=1)
def core_languages() -> tuple[str, ...]:
    """English and the languages of the core's own catalogs (``translations/<language>/``)."""
    return _with_english(_catalog_languages(translations_dir()))


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The languages the platform speaks: English first, then, sorted, those of the core's
    catalogs and of the loaded plugins' (``register_translations``)."""
    found = _catalog_languages(translations_dir())
    for directory in _plugin_directories:
        found |= _catalog_languages(directory)
    return _with_english(found)


def _folder_catalog(directory, locale: str) -> Translations | None:
    """The catalog of ``locale`` in ``directory``: the compiled ``.mo``, else the ``.po``
    source read as it is (fuzzy entries left out), so a plugin may ship sources only;
    ``None`` when it has neither. ``de_CH`` is found before ``de``."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = Translations.load(str(directory), [babel_locale(locale)], DOMAIN)
    if isinstance(compiled, Translations):
        return compiled
    for name in dict.fromkeys((babel_locale(locale), language_of(locale))):
        source = Path(directory) / name / "LC_MESSAGES" / f"{DOMAIN}.po"
        if source.is_file():
            with source.open("rb") as handle:
                catalog = read_po(handle, locale=name)
            buffer = BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            return Translations(buffer, domain=DOMAIN)
    return None


@lru_cache(maxsize=None)
def _template(directory: str) -> frozenset[str]:
    """The message ids of ``directory/messages.pot``: the messages whose owner that
    catalog folder is (empty without a template)."""
    from babel.messages.pofile import read_po

    template = Path(directory) / f"{DOMAIN}.pot"
    if not template.is_file():
        return frozenset()
    with template.open("rb") as source:
        return frozenset(message.id for message in read_po(source)
                         if message.id and isinstance(message.id, str))


def _merged(locale: str, directories) -> Translations | None:
    """``locale``'s catalogs in ``directories`` (the core's first, then the plugins' in load
    order) as one: each message from the catalog that owns it (lists it in its
    ``messages.pot``; the core's last, so a plugin never changes the core's translation of
    one of its messages), else from the first catalog that translates it."""
    found = [(str(directory), catalog) for directory in directories
             if (catalog := _folder_catalog(directory, locale)) is not None]
    if not found:
        return None
    chosen = found[0][1]
    # Each catalog's own texts, before the first one (``chosen``) takes the others'.
    texts = [(directory, dict(catalog._catalog)) for directory, catalog in found]
    for _, catalog in found[1:]:
        for message_id, text in catalog._catalog.items():
            chosen._catalog.setdefault(message_id, text)
    for directory, own in reversed(texts):
        for message_id in _template(directory):
            if own.get(message_id):
                chosen._catalog[message_id] = own[message_id]
    return chosen


def _catalog(locale: str):
    """``locale``'s catalog as the platform reads it: the core's merged with the loaded
    plugins' (see :func:`_merged`); gettext's empty catalog when none has the language."""
    return _merged(locale, [translations_dir(), *_plugin_directories]) or NullTranslations()


def coverage(language: str, plugin_directories=()) -> tuple[int, list[str]]:
    """How much of the core's messages (``messages.pot`` of :func:`translations_dir`)
    ``language`` reads translated, by the core's catalog or the plugin's catalogs in
    ``plugin_directories``, merged as at run time.

    :returns: the number of messages, and those left untranslated (none for English).
    """
    wanted = sorted(_template(str(translations_dir())))
    if language_of(language) == SOURCE_LANGUAGE:
        return len(wanted), []
    merged = _merged(language, [translations_dir(), *plugin_directories])
    read = merged._catalog if merged is not None else {}
    return len(wanted), [msgid for msgid in wanted if not read.get(msgid)]


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

    ``de-CH`` finds ``de_CH`` first and then ``de``. The loaded plugins' catalogs are merged
    with the core's (see :func:`_merged`). ``fallback=""``: the source text straight away.
    """
    chosen = _catalog(locale)
    if fallback and babel_locale(fallback) != babel_locale(locale):
        chosen.add_fallback(_catalog(fallback))
    return chosen


def translation(msgid: str, locale: str) -> str | None:
    """``msgid`` as ``locale``'s own catalog (the core's or a plugin's) translates it, without
    falling back to another language; ``None`` where it does not."""
    catalog = getattr(translations(locale, ""), "_catalog", {})
    return catalog.get(msgid) or None


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


# --- texts translated when read ----------------------------------------------------------

def N_(message: str) -> str:  # noqa: N802 (pybabel's default marker)
    """Mark ``message`` for the catalogs (``pybabel extract`` finds it) and leave it as it is:
    it is translated where it is shown. Plugins mark their options' names with it."""
    return message


class Localized:
    """A text written in the language of whoever reads it: :meth:`render` gives it in a
    locale, ``str()`` in English (for logs and the command line)."""

    __slots__ = ()

    def render(self, locale: str, fallback: str = "en") -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.render("en", "")


class LazyText(Localized):
    """A message whose language is chosen when it is read: its English text (the message id)
    and the values of its ``%(name)s`` placeholders (which may be :class:`Localized` too).

    Use cases raise their errors with it (:func:`lazy_gettext`), so that they stay free of
    any request: the API renders it in the language of the response (:func:`render`).
    """

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, **values):
        self.msgid = msgid
        self.values = values

    def render(self, locale: str, fallback: str = "en") -> str:
        text = translations(locale, fallback).gettext(self.msgid)
        if not self.values:
            return text
        return text % {name: render(value, locale, fallback)
                       for name, value in self.values.items()}

    def __repr__(self) -> str:
        return f"LazyText({self.msgid!r}, {self.values!r})"

    def __eq__(self, other) -> bool:
        return (isinstance(other, LazyText) and (self.msgid, self.values)
                == (other.msgid, other.values))

    def __hash__(self) -> int:
        return hash(self.msgid)


def lazy_gettext(msgid: str, **values) -> LazyText:
    """Mark ``msgid`` for translation (``pybabel extract -k lazy_gettext``) and translate it
    later, in the reader's language."""
    return LazyText(msgid, **values)


class CountryName(Localized):
    """A country's name in the reader's language (Babel's), from its ISO code."""

    __slots__ = ("code",)

    def __init__(self, code: str):
        self.code = code

    def render(self, locale: str, fallback: str = "en") -> str:
        territories = Locale.parse(formatting_locale(locale, fallback)).territories
        return territories.get(self.code, self.code)


class ListText(Localized):
    """Items joined the way the reader's language does: "NIF or NIE", "NIF o NIE"."""

    __slots__ = ("items", "style")

    def __init__(self, items, style: str = "standard"):
        self.items = [str(item) for item in items]
        self.style = style  # Babel's: "standard" (and), "or"

    def render(self, locale: str, fallback: str = "en") -> str:
        from babel.lists import format_list

        return format_list(self.items, style=self.style,
                           locale=formatting_locale(locale, fallback))


class DateText(Localized):
    """A day written long, the way the reader's language does ("15 de marzo de 2026")."""

    __slots__ = ("day",)

    def __init__(self, day):
        self.day = day

    def render(self, locale: str, fallback: str = "en") -> str:
        from babel.dates import format_date

        return format_date(self.day, format="long", locale=formatting_locale(locale, fallback))


def render(value, locale: str, fallback: str = "en"):
    """``value`` with every :class:`Localized` text in it, at any depth of lists and dicts,
    in ``locale``'s language; anything else is left as it is."""
    if isinstance(value, Localized):
        return value.render(locale, fallback)
    if isinstance(value, Mapping):
        return {key: render(item, locale, fallback) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(item, locale, fallback) for item in value]
    return value


def exception_text(error: Exception) -> Localized | str:
    """What an exception raised with a :class:`Localized` text (a domain rule's refusal)
    says, still to be rendered; its English ``str()`` for any other."""
    return error.args[0] if error.args and isinstance(error.args[0], Localized) else str(error)


# --- plugins' texts ----------------------------------------------------------------------

def localized(msgid: str, by_language: Mapping[str, str], locale: str,
              fallback: str = "en") -> str:
    """A plugin's text (an option's name...) in ``locale``'s language.

    The plugin's catalogs translate its English text ``msgid``; ``by_language`` is the older
    way, a text per language given with the option, still read for plugins that do so. Then
    the same in the ``fallback`` (the tenant's default) language, then English.
    """
    for where in (locale, fallback):
        if not where:
            continue
        language = language_of(where)
        found = translation(msgid, where) or by_language.get(language)
        if found:
            return found
        if language == "en":
            break  # the message id is the English text
    return msgid


def option_name(option, locale: str, fallback: str = "en") -> str:
    """A :class:`caas.CatalogOption`'s name in ``locale``'s language (see :func:`localized`)."""
    return localized(option.name, option.names, locale, fallback)


def option_description(option, locale: str, fallback: str = "en") -> str:
    if not option.description:
        return ""
    return localized(option.description, option.descriptions, locale, fallback)


def metric_name(metric, locale: str, fallback: str = "en") -> str:
    """What a :class:`caas.UsageMetric` measures, in ``locale``'s language."""
    return localized(metric.name, metric.names, locale, fallback)

"""``caas plugins catalog``: a plugin's message catalog for one language, holding every message
the platform would read from it.

Those are the platform's own messages (its ``messages.pot``), the installed options' names and
descriptions, and the plugin's own texts (its ``translations/messages.pot``, if any): what a
country plugin translates to bring a language the platform's catalogs lack. An existing
catalog is updated as ``pybabel update`` does: its translations are kept.
"""
from __future__ import annotations

from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from caas import i18n


class CatalogError(ValueError):
    """The catalog cannot be written as asked (no such package, not a language)."""


def write_catalog(package: Path, language: str, options) -> tuple[Path, int, int]:
    """Write (or update) ``package/translations/<language>/LC_MESSAGES/messages.po``.

    :param package: the plugin's package folder (the one holding ``__init__.py``).
    :param language: a language or locale (``nl``, ``pt-BR``), spelt as Babel reads it.
    :param options: the installed :class:`caas.CatalogOption` objects whose texts to add.
    :returns: the file, its number of messages, and how many of them are translated.
    :raises CatalogError: not a package folder, or not a language Babel knows (or English).
    """
    package = Path(package)
    if not (package / "__init__.py").is_file():
        raise CatalogError(f"{package} is not a Python package folder (no __init__.py)")
    folder_name = _folder_name(language)
    template = _template(package, options)
    target = package / "translations" / folder_name / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    if target.is_file():
        with target.open("rb") as source:
            catalog = read_po(source, locale=folder_name)
        # Guessed ("fuzzy") translations would not be used anyway: leave them out.
        catalog.update(template, no_fuzzy_matching=True)
    else:
        catalog = Catalog(locale=folder_name, project=package.name, domain=i18n.DOMAIN)
        for message in template:
            if message.id:
                catalog.add(message.id, "", auto_comments=message.auto_comments,
                            flags=message.flags)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        write_po(out, catalog, width=100)
    messages = [message for message in catalog if message.id]
    return target, len(messages), sum(1 for message in messages
                                      if message.string and not message.fuzzy)


def _folder_name(language: str) -> str:
    """``pt-BR`` → ``pt_BR``, as the catalogs' folders are named."""
    try:
        parsed = Locale.parse(str(language).strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        raise CatalogError(f"{language!r} is not a language or locale Babel knows") from None
    if parsed.language == i18n.SOURCE_LANGUAGE:
        raise CatalogError("English is the language of the message ids: it needs no catalog")
    return str(parsed)


def _template(package: Path, options) -> Catalog:
    """Every message the platform would read from the plugin's catalogs."""
    template = Catalog(domain=i18n.DOMAIN)
    with (i18n.translations_dir() / f"{i18n.DOMAIN}.pot").open("rb") as source:
        core = read_po(source)
    for message in core:
        if message.id:
            template.add(message.id, auto_comments=message.auto_comments, flags=message.flags)
    for option in sorted(options, key=lambda option: option.code):
        texts = [option.name, option.description] + ([option.usage.name] if option.usage else [])
        for text in filter(None, texts):
            if text not in template:
                template.add(text, auto_comments=[f"catalog option {option.code}"])
    own = package / "translations" / f"{i18n.DOMAIN}.pot"
    if own.is_file():
        with own.open("rb") as source:
            for message in read_po(source):
                if message.id and message.id not in template:
                    template.add(message.id, auto_comments=message.auto_comments,
                                 flags=message.flags)
    return template

"""The language of a response's texts, and those texts in it.

``API.md``'s order, for every text a response carries (errors included): the signed-in
person's locale (customers and staff have one; it travels in their token), else the best
``Accept-Language`` match among the tenant's locales, then among the languages the
platform speaks, else the tenant's default. Operators have no locale: ``Accept-Language``,
else English.
"""
from __future__ import annotations

from flask import current_app, g, request

from caas import i18n
from caas.entrypoints.http.api import field_messages
from caas.tenancy import current_tenant_or_none


def request_locale() -> str:
    """The locale this response is written in, e.g. ``it-CH`` or ``en``."""
    locale = _person_locale()
    if locale:
        return locale
    tenant = current_tenant_or_none()
    offered = list(tenant.locales) if tenant is not None else []
    accepted = request.accept_languages
    return ((offered and accepted.best_match(offered))
            or accepted.best_match(i18n.languages())
            or (offered[0] if offered else "en"))


def _person_locale() -> str | None:
    """The signed-in person's locale: from the view's authentication, or, for an answer no
    view gave (an unknown route, a wrong method), from a valid bearer token."""
    actor = g.get("actor")
    if actor is None:
        from caas.service_layer.auth import actor_from_token
        from caas.service_layer.errors import ServiceError

        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            actor = actor_from_token(current_app.extensions["caas"], token.strip(),
                                     current_tenant_or_none())
        except ServiceError:
            return None
    return getattr(actor, "locale", None)


def fallback_locale() -> str:
    """Where a message missing in the response's language is looked up next: the tenant's
    default language (then English)."""
    tenant = current_tenant_or_none()
    return tenant.default_locale if tenant is not None else "en"


def formatting_locale() -> str:
    """The Babel locale amounts, quantities and dates of this response are formatted in."""
    return i18n.formatting_locale(request_locale(), fallback_locale())


def render(value):
    """``value`` (a message, field errors nested in dicts and lists) in the response's
    language: :class:`~caas.i18n.Localized` texts rendered, English messages of the validation
    libraries and of the catalogs translated, anything else left as it is."""
    locale, fallback = request_locale(), fallback_locale()
    return _render(value, i18n.translations(locale, fallback), locale, fallback)


def _render(value, translations, locale: str, fallback: str):
    if isinstance(value, i18n.Localized):
        return value.render(locale, fallback)
    if isinstance(value, str):
        return field_messages.translate(value, translations)
    if isinstance(value, dict):
        return {key: _render(item, translations, locale, fallback)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_render(item, translations, locale, fallback) for item in value]
    return value

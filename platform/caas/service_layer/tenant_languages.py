"""The languages a tenant offers (its pages, emails and documents are written in them) and
its default: its country's, and English besides, of the languages the platform speaks.

A person keeps their own locale when the tenant stops offering it: their pages fall back
to the tenant's languages (``Accept-Language``, else the default), and nothing they have is
rewritten, so offering the language again gives it back to them.
"""
from __future__ import annotations

from dataclasses import replace

from caas.domain.tenants import Tenant
from caas.i18n import language_of, languages, lazy_gettext, normalize_locale
from caas.service_layer.errors import Invalid
from caas.service_layer.ports import ControlPlane
from caas.service_layer.tenants import check_locales


def choices(platform: ControlPlane, tenant: Tenant) -> list[str]:
    """The locales ``tenant`` may offer: its country's, English in its country (``en-CH``),
    and any it offers already (``en-GB``), of the languages the platform speaks."""
    country = platform.plugins.countries[tenant.country]
    found = []
    for locale in (*country.locales, f"en-{tenant.country}", *tenant.locales):
        try:
            found.append(normalize_locale(locale))
        except ValueError:
            continue  # a region Babel does not know: English is offered another way
    return [locale for locale in dict.fromkeys(found) if language_of(locale) in languages()]


def set_languages(platform: ControlPlane, tenant: Tenant, offered: list[str],
                  default: str | None) -> Tenant:
    """Offer the locales ``offered``, ``default`` first; audited in the tenant's log.

    :raises Invalid: nothing offered, a locale neither of the country nor English, one of a
        language the platform does not speak, or a default that is not offered.
    """
    if not offered:
        raise Invalid(lazy_gettext("Offer at least one language."), {"locales": [
            lazy_gettext("Choose the languages the tenant offers.")]})
    checked = check_locales(offered, platform.plugins.countries[tenant.country])
    unspoken = [locale for locale in checked if language_of(locale) not in languages()]
    if unspoken:
        raise Invalid(lazy_gettext("The platform does not speak this language."), {"locales": [
            lazy_gettext("'%(locale)s' has no catalog; the platform speaks %(languages)s.",
                         locale=unspoken[0], languages=", ".join(languages()))]})
    try:
        default = normalize_locale(default or "")
    except ValueError:
        default = None
    if default not in checked:
        raise Invalid(lazy_gettext("The default language must be one of those offered."),
                      {"default": [lazy_gettext("Choose one of the offered languages.")]})
    locales = [default, *(locale for locale in checked if locale != default)]
    # The tenant's log records the change; it is committed after the registry's, so that a
    # refused registry write leaves no entry of a change that did not happen.
    with platform.for_tenant(tenant).uow() as uow:
        with platform.control_uow() as control:
            before = control.tenants.get(tenant.slug).locales
            if before == locales:
                return replace(tenant, locales=locales)
            control.tenants.set_locales(tenant.slug, locales)
            uow.audit.record("tenant.locales_changed", "tenant", tenant.slug,
                             before={"locales": before}, after={"locales": locales})
            control.commit()
        uow.commit()
    platform.forget_tenant(tenant.slug)
    return replace(tenant, locales=locales)

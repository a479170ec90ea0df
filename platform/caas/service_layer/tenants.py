"""Creating tenants: registry entry, own database at the migration head, first audit entry."""
from __future__ import annotations

import logging
import secrets

from babel import Locale, UnknownLocaleError
from sqlalchemy.exc import IntegrityError

from caas.adapters import migrations
from caas.bootstrap import Platform
from caas.domain.tenants import InvalidSlug, Tenant, check_slug
from caas.service_layer.errors import Conflict, Invalid
from caas.tenancy import tenant_context

log = logging.getLogger(__name__)
EXTERNAL_SYSTEMS = ("factory", "payments", "telemetry")


def _check_locales(locales: list[str], allowed: tuple[str, ...]) -> list[str]:
    for locale in locales:
        try:
            Locale.parse(locale, sep="-")
        except (ValueError, UnknownLocaleError):
            raise Invalid("Invalid locale.", {"locales": [f"Unknown locale {locale!r}."]})
        if locale not in allowed:
            raise Invalid("Locale not offered by the country.",
                          {"locales": [f"{locale!r} is not one of {', '.join(allowed)}."]})
    return list(dict.fromkeys(locales))


def create_tenant(platform: Platform, slug: str, name: str, country: str,
                  locales: list[str] | None = None, currency: str | None = None) -> Tenant:
    """Register a tenant, create and migrate its database, record who did it.

    :raises Invalid: bad slug, unknown country, locale or currency.
    :raises Conflict: the slug is taken.
    """
    try:
        check_slug(slug)
    except InvalidSlug as exc:
        raise Invalid("Invalid tenant slug.", {"slug": [str(exc)]})
    code = (country or "").upper()
    if code not in platform.plugins.countries:
        raise Invalid("Unknown country.", {"country": [
            f"No country plugin provides {country!r}; loaded: "
            f"{', '.join(sorted(platform.plugins.countries)) or 'none'}."]})
    plugin_country = platform.plugins.countries[code]
    locales = _check_locales(locales or list(plugin_country.locales), plugin_country.locales)
    currency = (currency or plugin_country.currency).upper()
    # The country decides the currency (prices, VAT and invoices follow it).
    if currency != plugin_country.currency:
        raise Invalid("Currency does not match the country.", {"currency": [
            f"{plugin_country.name} tenants use {plugin_country.currency}."]})

    tenant = Tenant(slug=slug, name=name, country=code, currency=currency, locales=locales,
                    timezone=plugin_country.timezone, status="provisioning",
                    secrets={system: secrets.token_hex(32) for system in EXTERNAL_SYSTEMS})
    try:
        with platform.control_uow() as uow:
            uow.tenants.add(tenant)
            uow.commit()
    except IntegrityError:
        raise Conflict(f"A tenant with slug {slug!r} already exists.")
    try:
        platform.tenant_engines.create_database(slug)
        migrations.upgrade(platform.tenant_engines.get(slug), "tenant")
        summary = {"slug": slug, "name": name, "country": code, "currency": currency,
                   "locales": locales}
        # Active before the first job is queued: a worker skips jobs of tenants it cannot find.
        with platform.control_uow() as uow:
            uow.tenants.set_status(slug, "active")
            uow.commit()
        with tenant_context(tenant), platform.tenant_uow(slug) as uow:
            uow.audit.record("tenant.created", "tenant", slug, after=summary)
            uow.events.publish("tenant_created", tenant=summary)
            uow.commit()
    except Exception:
        log.exception("tenant database creation failed; rolling back", extra={"tenant": slug})
        platform.tenant_engines.drop_database(slug)
        with platform.control_uow() as uow:
            uow.tenants.delete(slug)
            uow.commit()
        raise
    tenant.status = "active"
    return tenant

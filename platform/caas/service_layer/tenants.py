"""Creating tenants: registry entry, own database at the migration head, first audit entry."""
from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping

from caas.service_layer.ports import ControlPlane
from caas.domain.tenants import InvalidSlug, Tenant, check_slug
from caas.domain.users import User
from caas.i18n import CountryName, exception_text, language_of, lazy_gettext, normalize_locale
from caas.service_layer.errors import Conflict, Invalid
from caas.service_layer.users import add_account, check_strong
from caas.tenancy import tenant_context
from caas.service_layer.unit_of_work import Duplicate

log = logging.getLogger(__name__)
EXTERNAL_SYSTEMS = ("factory", "payments", "telemetry")


def check_locales(locales: list[str], country) -> list[str]:
    """The tenant's locales, each spelt ``de-CH``: the country's, and English ones (``en-GB``,
    ``en-CH``...) besides them; the first is the default."""
    allowed = [normalize_locale(locale) for locale in country.locales]
    checked = []
    for locale in locales:
        try:
            checked.append(normalize_locale(locale))
        except ValueError:
            raise Invalid(lazy_gettext("Invalid locale."), {"locales": [
                lazy_gettext("Unknown locale '%(locale)s'.", locale=locale)]})
        if checked[-1] not in allowed and language_of(checked[-1]) != "en":
            raise Invalid(lazy_gettext("Locale not offered by the country."), {"locales": [
                lazy_gettext("'%(locale)s' is not one of %(choices)s, nor English.",
                             locale=locale, choices=", ".join(allowed))]})
    if not set(checked) & set(allowed):
        raise Invalid(lazy_gettext("A tenant speaks its country's language."), {"locales": [
            lazy_gettext("Give one of %(choices)s too (English may come besides).",
                         choices=", ".join(allowed))]})
    return list(dict.fromkeys(checked))


def create_tenant(platform: ControlPlane, slug: str, name: str, country: str,
                  locales: list[str] | None = None, currency: str | None = None) -> Tenant:
    """Register a tenant, create and migrate its database, record who did it.

    :raises Invalid: bad slug, unknown country, locale or currency.
    :raises Conflict: the slug is taken.
    """
    return _create(platform, slug, name, country, locales, currency, admin=None)[0]


def create_tenant_with_admin(platform: ControlPlane, slug: str, name: str, country: str,
                             admin: Mapping[str, str | None], locales: list[str] | None = None,
                             currency: str | None = None) -> tuple[Tenant, User]:
    """:func:`create_tenant` and its first admin in the same step: both or neither.

    :param admin: ``email``, ``name``, and optionally ``locale`` (one of the tenant's) and
        ``password``; without a password one is generated and emailed, as for any staff.
    :raises Invalid: as :func:`create_tenant`, or the admin's locale or password is refused
        (before anything is created).
    """
    return _create(platform, slug, name, country, locales, currency, admin=admin)


def _create(platform, slug, name, country, locales, currency, admin):
    try:
        check_slug(slug)
    except InvalidSlug as exc:
        raise Invalid(lazy_gettext("Invalid tenant slug."), {"slug": [exception_text(exc)]})
    code = (country or "").upper()
    if code not in platform.plugins.countries:
        raise Invalid(lazy_gettext("Unknown country."), {"country": [lazy_gettext(
            "No country plugin provides '%(country)s'; loaded: %(loaded)s.", country=country,
            loaded=", ".join(sorted(platform.plugins.countries)) or "-")]})
    plugin_country = platform.plugins.countries[code]
    locales = check_locales(locales or list(plugin_country.locales), plugin_country)
    currency = (currency or plugin_country.currency).upper()
    # The country decides the currency (prices, VAT and invoices follow it).
    if currency != plugin_country.currency:
        raise Invalid(lazy_gettext("Currency does not match the country."), {"currency": [
            lazy_gettext("Tenants in %(country)s use %(currency)s.", country=CountryName(code),
                         currency=plugin_country.currency)]})

    tenant = Tenant(slug=slug, name=name, country=code, currency=currency, locales=locales,
                    timezone=plugin_country.timezone, status="provisioning",
                    secrets={system: secrets.token_hex(32) for system in EXTERNAL_SYSTEMS})
    if admin is not None:
        admin = _checked_admin(tenant, admin)
    try:
        with platform.control_uow() as uow:
            uow.tenants.add(tenant)
            uow.commit()
    except Duplicate:
        raise Conflict(lazy_gettext("A tenant with slug '%(slug)s' already exists.", slug=slug))
    try:
        platform.provision(slug)
        summary = {"slug": slug, "name": name, "country": code, "currency": currency,
                   "locales": locales}
        # Active before the first job is queued: a worker skips jobs of tenants it cannot find.
        with platform.control_uow() as uow:
            uow.tenants.set_status(slug, "active")
            uow.commit()
        with tenant_context(tenant), platform.for_tenant(tenant).uow() as uow:
            uow.audit.record("tenant.created", "tenant", slug, after=summary)
            uow.events.publish("tenant_created", tenant=slug)
            first_admin = add_account(uow, tenant, role="admin", **admin) if admin else None
            uow.commit()
    except Exception:
        log.exception("tenant database creation failed; rolling back", extra={"tenant": slug})
        platform.unprovision(slug)
        with platform.control_uow() as uow:
            uow.tenants.delete(slug)
            uow.commit()
        raise
    tenant.status = "active"
    return tenant, first_admin


def search(platform: ControlPlane, q: str | None, offset: int,
           limit: int) -> tuple[list[Tenant], int]:
    """A page of the tenants by slug (those whose slug or name contains ``q``), and how many
    there are."""
    with platform.control_uow() as uow:
        return uow.tenants.page(offset, limit, (q or "").strip() or None)


def enter_as_operator(platform: ControlPlane, slug: str) -> Tenant:
    """The operator (the current actor) opens tenant ``slug``'s admin console: its audit log
    says so, as it says whatever they do there.

    :raises UnknownTenant: no active tenant has this slug.
    """
    return _operator_visit(platform, slug, "operator.entered")


def leave_as_operator(platform: ControlPlane, slug: str) -> Tenant:
    """The operator leaves tenant ``slug``'s admin console (audited there)."""
    return _operator_visit(platform, slug, "operator.left")


def _operator_visit(platform: ControlPlane, slug: str, action: str) -> Tenant:
    tenant = platform.tenant(slug)
    with tenant_context(tenant), platform.for_tenant(tenant).uow() as uow:
        uow.audit.record(action, "tenant", slug)
        uow.commit()
    return tenant


def _checked_admin(tenant: Tenant, admin: Mapping[str, str | None]) -> dict:
    """``admin`` as :func:`add_account` takes it, refused now rather than after the tenant's
    database is made."""
    locale = tenant.offered_locale(admin.get("locale"))
    if locale is None:
        raise Invalid(lazy_gettext("Locale not used by this tenant."), {"admin": {"locale": [
            lazy_gettext("Must be one of %(choices)s.", choices=", ".join(tenant.locales))]}})
    password = admin.get("password")
    if password is not None:
        try:
            check_strong(password)
        except Invalid as weak:
            raise Invalid(weak.message, {"admin": weak.errors}) from None
    email = (admin.get("email") or "").strip()
    return {"email": email, "name": (admin.get("name") or "").strip() or email,
            "locale": locale, "password": password}

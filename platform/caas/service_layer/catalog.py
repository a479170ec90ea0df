"""The tenant's catalog of options: what admins sell, and what a customer may buy for a vehicle."""
from __future__ import annotations

from decimal import Decimal

from caas.service_layer.gateways.vss import VssUnavailable
from caas.domain import usage
from caas.domain.money import Money
from caas.domain.services import RetryPolicy, blocking_reason
from caas.domain.tenants import Tenant
from caas.i18n import (exception_text, lazy_gettext, metric_name, option_description,
                       option_name)
from caas.service_layer.errors import Invalid, NotFound
from caas.service_layer.context import TenantContext

OTA_SETTINGS = "ota"
#: The longest free trial an admin may give.
MOST_TRIAL_DAYS = 366


#: Why an option cannot be bought (:func:`caas.domain.services.blocking_reason`).
REASONS = {
    "incompatible": lazy_gettext("This option is not available for your vehicle model."),
    "already_active": lazy_gettext("This option is already active on your vehicle."),
    "maintenance_overdue": lazy_gettext("Your vehicle's maintenance is overdue. Please "
                                        "complete the scheduled service first."),
}


def reason_text(reason: str, locale: str, fallback: str) -> str:
    """Why an option is blocked, in the reader's language."""
    return REASONS[reason].render(locale, fallback)


def _describe(option, locale: str, fallback: str) -> dict:
    """The option as the catalogs show it, its texts in ``locale``'s language."""
    return {"code": option.code, "name": option_name(option, locale, fallback),
            "description": option_description(option, locale, fallback),
            "billing_modes": list(option.billing_modes), "duration_days": option.duration_days,
            "trial_days": option.trial_days,
            "requires_maintenance": option.requires_maintenance,
            "compatible_models": list(option.compatible_models),
            "usage": option.usage and {"metric": option.usage.metric, "unit": option.usage.unit,
                                       "name": metric_name(option.usage, locale, fallback),
                                       "decimals": option.usage.decimals}}


def _decimals(ctx: TenantContext, option) -> int:
    return usage.metric_decimals(ctx.plugins.catalog_options.values(), option.usage.metric)


def usage_pricing(ctx: TenantContext, option, setting: dict) -> dict:
    """The setting's usage price and included quantity (in the metric's unit)."""
    if option.usage is None or setting.get("usage_price") is None:
        return {"usage_price": None, "included": None}
    return {"usage_price": setting["usage_price"],
            "included": str(usage.from_steps(setting["usage_included"] or 0,
                                             _decimals(ctx, option)))}


def trial_days(option, setting: dict | None) -> int | None:
    """The option's free trial in days: the tenant's, else the plugin's own."""
    chosen = (setting or {}).get("trial_days")
    return option.trial_days if chosen is None else chosen


def admin_catalog(ctx: TenantContext, locale: str) -> list[dict]:
    """Every option the loaded plugins offer, with this tenant's settings (off until set)."""
    with ctx.uow() as uow:
        settings = uow.catalog_settings.all()
    unset = {"enabled": False, "price": None, "billing": None}
    return [{**_describe(option, locale, ctx.tenant.default_locale),
             **{key: settings.get(code, unset)[key] for key in unset},
             "trial_days": trial_days(option, settings.get(code)),
             **usage_pricing(ctx, option, settings.get(code, {}))}
            for code, option in sorted(ctx.plugins.catalog_options.items())]


def set_option(ctx: TenantContext, code: str, *, enabled: bool,
               price: str, billing: str, locale: str, usage_price: str | None = None,
               included: str | None = None, trial_days: int | None = None) -> dict:
    """Enable or disable an option for the tenant with its price and billing mode, and for an
    option with a usage metric, what its use beyond ``included`` costs per unit. A monthly
    option may start with ``trial_days`` free (``None``: as long as its plugin says)."""
    option = ctx.plugins.catalog_options.get(code)
    if option is None:
        raise NotFound(lazy_gettext("No loaded plugin offers the option '%(code)s'.", code=code))
    if billing not in option.billing_modes:
        raise Invalid(lazy_gettext("Billing mode not offered by this option."), {"billing": [
            lazy_gettext("Must be one of %(choices)s.", choices=", ".join(option.billing_modes))]})
    amount = Money(Decimal(price), ctx.tenant.currency)
    if enabled and amount.amount <= 0:
        raise Invalid(lazy_gettext("An enabled option needs a price."),
                      {"price": [lazy_gettext("Must be above zero.")]})
    if trial_days is not None and not 0 <= trial_days <= MOST_TRIAL_DAYS:
        raise Invalid(lazy_gettext("Invalid free trial."), {"trial_days": [lazy_gettext(
            "Must be greater than or equal to %(min)s and less than or equal to %(max)s.",
            min=0, max=MOST_TRIAL_DAYS)]})
    if trial_days and billing != "monthly":
        raise Invalid(lazy_gettext("Only a monthly option has a free trial."), {"trial_days": [
            lazy_gettext("Only with the monthly billing mode.")]})
    unit_price, included_steps = _checked_usage(ctx, option, billing, usage_price, included,
                                                ctx.tenant.currency)
    with ctx.uow() as uow:
        before = uow.catalog_settings.get(code)
        uow.catalog_settings.put(code, enabled, amount, billing, unit_price, included_steps,
                                 trial_days)
        uow.audit.record("catalog.option_set", "catalog_option", code,
                         before=_audited(before),
                         after={"enabled": enabled, "price": amount.to_dict(), "billing": billing,
                                "usage_price": unit_price and unit_price.to_dict(),
                                "included": included, "trial_days": trial_days})
        uow.commit()
    return next(item for item in admin_catalog(ctx, locale) if item["code"] == code)


def _checked_usage(ctx: TenantContext, option, billing: str, usage_price: str | None,
                   included: str | None, currency: str) -> tuple[Money | None, int | None]:
    """The usage price and included steps, for a monthly option with a usage metric only."""
    if usage_price is None:
        if included is not None:
            raise Invalid(lazy_gettext("An included quantity goes with a usage price."),
                          {"included": [lazy_gettext("Set usage_price too.")]})
        return None, None
    if option.usage is None:
        raise Invalid(lazy_gettext("This option measures no usage."), {"usage_price": [
            lazy_gettext("%(code)s has no usage metric; it is priced per month only.",
                         code=option.code)]})
    if billing != "monthly":
        raise Invalid(lazy_gettext("Usage is billed monthly."), {"usage_price": [
            lazy_gettext("Only with the monthly billing mode.")]})
    try:
        steps = usage.to_steps(included or "0", _decimals(ctx, option))
    except usage.InvalidQuantity as exc:
        raise Invalid(lazy_gettext("Invalid included quantity."),
                      {"included": [exception_text(exc)]})
    return Money(Decimal(usage_price), currency), steps


def _audited(setting: dict | None) -> dict | None:
    if setting is None:
        return None
    return {"enabled": setting["enabled"], "price": setting["price"].to_dict(),
            "billing": setting["billing"], "trial_days": setting.get("trial_days")}


def ota_settings(ctx: TenantContext) -> dict:
    """How many OTA attempts, how long each command may take, and the backoff base."""
    config = ctx.settings
    defaults = {"max_attempts": config["CAAS_OTA_MAX_ATTEMPTS"],
                "command_timeout_seconds": config["CAAS_OTA_COMMAND_TIMEOUT_SECONDS"],
                "backoff_seconds": config["CAAS_OTA_BACKOFF_SECONDS"]}
    return {**defaults, **ctx.cache.get(_cache_key(ctx.tenant),
                                                      lambda: _stored(ctx))}


def ota_policy(ctx: TenantContext) -> RetryPolicy:
    """The tenant's OTA settings as the retry policy of its activations."""
    settings = ota_settings(ctx)
    return RetryPolicy(max_attempts=settings["max_attempts"],
                       base_seconds=settings["backoff_seconds"],
                       command_timeout_seconds=settings["command_timeout_seconds"])


def _cache_key(tenant: Tenant) -> str:
    return f"{tenant.slug}:{OTA_SETTINGS}"


def _stored(ctx: TenantContext) -> dict:
    with ctx.reader() as uow:
        return uow.settings.get(OTA_SETTINGS, {})


def set_ota_settings(ctx: TenantContext, settings: dict) -> dict:
    with ctx.uow() as uow:
        before = uow.settings.get(OTA_SETTINGS)
        uow.settings.put(OTA_SETTINGS, settings)
        uow.audit.record("settings.ota", "settings", OTA_SETTINGS, before=before, after=settings)
        uow.commit()
    ctx.cache.forget(_cache_key(ctx.tenant))
    return ota_settings(ctx)


def own_vehicle(uow, vin: str, customer_id: int | None):
    """The vehicle ``vin``; for a customer (``customer_id``) only one linked to their account."""
    vehicle = uow.vehicles.get(vin)
    if vehicle is None or (customer_id is not None and vehicle.linked_user_id != customer_id):
        raise NotFound(lazy_gettext("Vehicle %(vin)s not found among your vehicles.", vin=vin))
    return vehicle


def maintenance_overdue(ctx: TenantContext, vin: str) -> bool | None:
    """What VSS says of the vehicle's maintenance; ``None`` when it cannot say (then: allow)."""
    try:
        return ctx.gateways.vss.maintenance(vin).overdue
    except VssUnavailable:
        return None


def vehicle_catalog(ctx: TenantContext, vin: str, customer_id: int | None,
                    locale: str) -> list[dict]:
    """Enabled options for the vehicle, each ``available`` or blocked with a reason."""
    with ctx.uow() as uow:
        vehicle = own_vehicle(uow, vin, customer_id)
        settings = uow.catalog_settings.all()
        live = uow.services.live_options(vin)
    offered = [(ctx.plugins.catalog_options[code], setting)
               for code, setting in sorted(settings.items())
               if setting["enabled"] and code in ctx.plugins.catalog_options]
    overdue = None
    if any(option.requires_maintenance for option, _ in offered):
        overdue = maintenance_overdue(ctx, vin)
    items = []
    for option, setting in offered:
        reason = blocking_reason(compatible=option.fits(vehicle.model), live=option.code in live,
                                 needs_maintenance=option.requires_maintenance,
                                 maintenance_overdue=overdue)
        items.append(dict(
            _describe(option, locale, ctx.tenant.default_locale),
            **usage_pricing(ctx, option, setting), trial_days=trial_days(option, setting),
            billing=setting["billing"], price=setting["price"],
            available=reason is None, reason=reason,
            reason_text=reason and reason_text(reason, locale, ctx.tenant.default_locale),
            maintenance_checked=not option.requires_maintenance or overdue is not None))
    return items


"""A tenant's catalog from data shaped like a tenant file (``tenants/*.toml``), and a new
tenant's starter data without one: the options its plugins sell at their list price in the
tenant's currency, and for a demo, vehicle models, plans and an employee.

The demo catalog is the same for every country: its amounts are read in the tenant's
currency. What a tenant really sells is set in its admin console (or a tenant file).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from caas.service_layer.catalog import admin_catalog, set_option
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import Conflict, Invalid
from caas.service_layer.sales import add_model, add_plan
from caas.service_layer.users import provision_user

DEMO_CATALOG = {
    "models": [
        {"code": "city", "name": "City EV", "base_price": "29900.00", "options": [
            {"code": "paint_red", "name": "Red paint", "price": "600.00"},
            {"code": "heat_pump", "name": "Heat pump", "price": "900.00"}]},
        {"code": "family", "name": "Family Hybrid", "base_price": "41500.00", "options": [
            {"code": "tow_hitch", "name": "Tow hitch", "price": "750.00"},
            {"code": "panoramic_roof", "name": "Panoramic roof", "price": "1200.00"}]},
    ],
    "plans": [
        {"code": "standard", "name": "Standard", "reservation": "1000.00"},
        {"code": "premium", "name": "Premium", "reservation": "2500.00"},
    ],
}


@dataclass
class Loaded:
    """What :func:`load_starter` added; ``unpriced``: options with no list price in the
    tenant's currency, left for its admin."""

    options: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    models: int = 0
    plans: int = 0
    employee: str | None = None


def load_starter(ctx: TenantContext, *, demo: bool = False,
                 employee: dict | None = None) -> Loaded:
    """Sell every installed option the tenant has not priced yet at its list price, and with
    ``demo`` add the demo models and plans and the ``employee`` (``email``, ``name``,
    ``password``: without one it is generated and emailed). What exists is left as it is,
    so loading twice adds nothing."""
    loaded = Loaded()
    catalog = []
    for item in admin_catalog(ctx, ctx.tenant.default_locale):
        if item["billing"] is not None:
            continue  # the tenant's admin priced it already
        price = ctx.plugins.catalog_options[item["code"]].list_price(ctx.tenant.currency)
        if price is None:
            loaded.unpriced.append(item["code"])
        else:
            catalog.append({"code": item["code"], **price})
            loaded.options.append(item["code"])
    seeded = load_catalog(ctx, {"catalog": catalog, **(DEMO_CATALOG if demo else {})},
                          source="starter data")
    loaded.models, loaded.plans = seeded["models"], seeded["plans"]
    if demo and employee:
        try:
            provision_user(ctx, role="employee", name=employee.get("name") or employee["email"],
                           email=employee["email"], password=employee.get("password"))
            loaded.employee = employee["email"]
        except Conflict:
            pass
    return loaded


def load_catalog(ctx: TenantContext, data: dict, source: str = "") -> dict:
    """The ``[[models]]`` (with their ``options``), ``[[plans]]`` and ``[[catalog]]`` of a
    tenant file (or of :func:`load_starter`).

    Amounts are decimal strings in the tenant currency; a code that exists is left as it is.
    """
    created = {"models": 0, "plans": 0}
    for model in data.get("models", []):
        options = [{"code": option["code"], "name": option["name"],
                    "price": _amount(option["price"], source, f"{model['code']}.{option['code']}")}
                   for option in model.get("options", [])]
        try:
            add_model(ctx, code=model["code"], name=model["name"],
                      base_price=_amount(model["base_price"], source, model["code"]),
                      options=options)
            created["models"] += 1
        except Conflict:
            pass
    for plan in data.get("plans", []):
        try:
            add_plan(ctx, code=plan["code"], name=plan["name"],
                     reservation=_amount(plan["reservation"], source, plan["code"]))
            created["plans"] += 1
        except Conflict:
            pass
    created["options"] = _seed_options(ctx, data.get("catalog", []), source)
    return created


def _seed_options(ctx: TenantContext, entries: list[dict], source: str) -> int:
    """The ``[[catalog]]`` options the tenant sells; one already set, or not installed, is skipped."""
    locale = ctx.tenant.default_locale
    already = {item["code"] for item in admin_catalog(ctx, locale) if item["billing"] is not None}
    seeded = 0
    for entry in entries:
        if entry["code"] in already or entry["code"] not in ctx.plugins.catalog_options:
            continue
        usage_price = entry.get("usage_price")
        set_option(ctx, entry["code"], enabled=entry.get("enabled", True),
                   price=str(_amount(entry["price"], source, entry["code"])),
                   billing=entry["billing"], locale=locale,
                   usage_price=usage_price and str(_amount(usage_price, source, entry["code"])),
                   included=entry.get("included") and str(entry["included"]))
        seeded += 1
    return seeded


def _amount(value, source: str, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise Invalid(f"{source}: {what}: {value!r} is not an amount such as \"29900.00\".")
    return amount

"""Load tenant definitions (``tenants/*.toml``) into the platform."""
from __future__ import annotations

import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable

from caas.bootstrap import Platform
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import Conflict, Invalid
from caas.service_layer.sales import add_model, add_plan
from caas.service_layer.tenants import create_tenant
from caas.service_layer.users import create_operator, provision_user
from caas.tenancy import UnknownTenant, tenant_context

PLATFORM_FILE = "platform.toml"


def seed_folder(platform: Platform, files: Iterable[Path]) -> dict:
    """Create what the files describe, skipping what exists; returns how many of each it created."""
    created = {"tenants": 0, "accounts": 0, "models": 0, "plans": 0, "options": 0}
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if path.name == PLATFORM_FILE:
            for operator in data.get("operators", []):
                try:
                    create_operator(platform, operator["email"], operator["password"],
                                    operator.get("name", ""))
                    created["accounts"] += 1
                except Conflict:
                    pass
            continue
        try:
            tenant = platform.tenant(data["slug"])
        except UnknownTenant:
            tenant = create_tenant(platform, data["slug"], data["name"], data["country"],
                                   data.get("locales"), data.get("currency"))
            created["tenants"] += 1
        ctx = platform.for_tenant(tenant)
        with tenant_context(tenant):
            for user in data.get("users", []):
                try:
                    provision_user(ctx, email=user["email"], role=user["role"],
                                   name=user.get("name", user["email"]),
                                   locale=user.get("locale"), password=user["password"])
                    created["accounts"] += 1
                except Conflict:
                    pass
            seeded = seed_catalog(ctx, data, source=path.name)
            created["models"] += seeded["models"]
            created["plans"] += seeded["plans"]
            created["options"] += seeded["options"]
    return created


def seed_catalog(ctx: TenantContext, data: dict, source: str = "") -> dict:
    """The ``[[models]]`` (with their ``options``) and ``[[plans]]`` of a tenant file.

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
    from caas.service_layer.catalog import admin_catalog, set_option
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

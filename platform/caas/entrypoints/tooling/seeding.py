"""Load tenant definitions (``tenants/*.toml``) into the platform."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Iterable

from caas.bootstrap import Platform
from caas.service_layer.errors import Conflict
from caas.service_layer.starter import load_catalog
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
            seeded = load_catalog(ctx, data, source=path.name)
            created["models"] += seeded["models"]
            created["plans"] += seeded["plans"]
            created["options"] += seeded["options"]
    return created

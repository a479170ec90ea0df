"""Load tenant definitions (``tenants/*.toml``) into the platform."""
from __future__ import annotations

import tomllib
from concurrent.futures import ThreadPoolExecutor
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


def demo_sale_accounts(folder: Path) -> list[tuple[str, dict]]:
    """The ``[demo_sale]`` of each tenant file: the customer account a walked sale makes."""
    found = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if "demo_sale" in data:
            found.append((data["slug"], data["demo_sale"]))
    return found


def walk_demo_sales(app, folder: Path, echo) -> int:
    """Walk one sale per tenant file's ``[demo_sale]`` whose customer has no account yet, in
    process (the app's own sandboxes and worker), and give that customer the file's password:
    each demo tenant then has a customer with a delivered, app-linked vehicle to sign in as.
    Returns the sales walked."""
    import httpx

    from caas.entrypoints.tooling.demo import demo_tenant, walk_sale
    from caas.entrypoints.tooling.demo_customers import declared_customer
    from caas.service_layer.users import change_password, has_account

    platform, walked = app.extensions["caas"], 0
    client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://demo.local")
    for slug, account in demo_sale_accounts(folder):
        tenant = platform.tenant(slug)
        if has_account(platform.for_tenant(tenant), account["email"]):
            continue
        known = demo_tenant(folder, slug)
        echo(f"walking a demo sale for {account['email']} ({slug})")
        # Flask serves a request inside the app context already active in its thread (sharing
        # its ``g``, which would carry one tenant's request state into the next): the walk's
        # requests run in a thread of their own, each in its own context, as in a server.
        with ThreadPoolExecutor(max_workers=1) as thread:
            sale = thread.submit(
                walk_sale, client, tenant=slug, employee=known.employee,
                operator=known.operator, country=known.country, echo=lambda _line: None,
                customer=dict(declared_customer(known.country) or {}, email=account["email"]),
                mail_timeout=30.0).result()
        change_password(platform, tenant, sale["order"]["customer_id"],
                        sale["customer"]["password"], account["password"])
        walked += 1
    return walked

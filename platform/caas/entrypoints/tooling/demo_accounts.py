"""The demo's accounts, from the tenant files (``tenants/*.toml``)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    country: str | None
    employee: Credentials | None
    operator: Credentials | None
    #: The file's ``[demo_customer]`` (phone, locale, address; name and tax_id for a country
    #: whose customers :mod:`caas.entrypoints.tooling.demo_customers` does not make up), if any.
    customer: dict | None = None
    admin: Credentials | None = None


def demo_tenant(folder: Path, slug: str) -> DemoTenant:
    """The country and demo accounts of ``slug`` in ``folder`` (``tenants/``), where known."""
    country = employee = operator = customer = admin = None
    platform_file = folder / "platform.toml"
    if platform_file.is_file():
        operators = tomllib.loads(platform_file.read_text(encoding="utf-8")).get("operators", [])
        if operators:
            operator = Credentials(operators[0]["email"], operators[0]["password"])
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
        if path.name == "platform.toml":
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("slug") != slug:
            continue
        country = data.get("country")
        customer = data.get("demo_customer")
        staff = {user["role"]: Credentials(user["email"], user["password"])
                 for user in reversed(data.get("users", [])) if "password" in user}
        employee, admin = staff.get("employee"), staff.get("admin")
    return DemoTenant(slug, country, employee, operator, customer, admin)

"""``caas tenants``: create and list tenants, and load a new one's starter data."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import current_platform, service_call, tenant_or_fail


@click.group(cls=AppGroup)
def tenants():
    """Tenants of the platform."""


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO code of a loaded country plugin.")
@click.option("--locale", "locales", multiple=True, help="Repeat for several; default: the country's.")
@click.option("--currency")
@click.option("--admin-email", help="Create the tenant's first admin with it.")
@click.option("--admin-name", help="Default: the email.")
@click.option("--admin-locale", help="One of the tenant's locales; default: its first.")
@click.option("--admin-password",
              help="Default: one is generated and emailed to the admin (credentials go by email).")
@with_appcontext
def tenants_create(slug, name, country, locales, currency, admin_email, admin_name,
                   admin_locale, admin_password):
    """Create a tenant and its database, and with --admin-email its first admin."""
    from caas.service_layer.tenants import create_tenant, create_tenant_with_admin
    fields = dict(slug=slug, name=name, country=country, locales=list(locales) or None,
                  currency=currency)
    if admin_email is None:
        tenant = service_call(create_tenant, current_platform(), **fields)
    else:
        admin = {"email": admin_email, "name": admin_name, "locale": admin_locale,
                 "password": admin_password}
        tenant, _ = service_call(create_tenant_with_admin, current_platform(), admin=admin,
                                 **fields)
    click.echo(f"created {tenant.slug} ({tenant.country}, {tenant.currency}, "
               f"{', '.join(tenant.locales)})")
    if admin_email is not None:
        click.echo(f"admin {admin_email.strip().lower()} created"
                   + ("" if admin_password else " (password emailed)"))


@tenants.command("list")
@with_appcontext
def tenants_list():
    """List tenants."""
    for tenant in current_platform().tenants():
        click.echo(f"{tenant.slug:<24} {tenant.country}  {tenant.currency}  {tenant.status:<12} "
                   f"{', '.join(tenant.locales)}  {tenant.name}")


@tenants.command("starter")
@click.argument("slug")
@click.option("--demo", is_flag=True,
              help="Also demo vehicle models, plans and an employee, enough for `caas demo sale`.")
@click.option("--employee-email", help="With --demo; default: employee@<slug>.example.")
@click.option("--employee-password",
              help="With --demo; default: one is generated and emailed to the employee.")
@with_appcontext
def tenants_starter(slug, demo, employee_email, employee_password):
    """Load a tenant's starter data: its plugins' options at their list prices in the tenant's
    currency; with --demo, models, plans and an employee. What exists is kept."""
    from caas.service_layer.starter import load_starter
    from caas.tenancy import tenant_context
    tenant = tenant_or_fail(slug)
    employee = {"email": employee_email or f"employee@{slug}.example",
                "password": employee_password}
    with tenant_context(tenant):
        loaded = service_call(load_starter, current_platform().for_tenant(tenant), demo=demo,
                              employee=employee)
    click.echo(f"{slug}: {len(loaded.options)} options priced"
               + (f" ({', '.join(loaded.options)})" if loaded.options else ""))
    if loaded.unpriced:
        click.echo(f"  no list price in {tenant.currency}, left for the admin console: "
                   f"{', '.join(loaded.unpriced)}")
    if demo:
        click.echo(f"  {loaded.models} models, {loaded.plans} plans")
        if loaded.employee:
            click.echo(f"  employee {loaded.employee} created"
                       + ("" if employee_password else " (password emailed)"))

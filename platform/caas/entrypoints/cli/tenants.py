"""``caas tenants``: create and list tenants."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import current_platform, service_call


@click.group(cls=AppGroup)
def tenants():
    """Tenants of the platform."""


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO code of a loaded country plugin.")
@click.option("--locale", "locales", multiple=True, help="Repeat for several; default: the country's.")
@click.option("--currency")
@with_appcontext
def tenants_create(slug, name, country, locales, currency):
    """Create a tenant and its database."""
    from caas.service_layer.tenants import create_tenant
    tenant = service_call(create_tenant, current_platform(), slug=slug, name=name,
                          country=country, locales=list(locales) or None, currency=currency)
    click.echo(f"created {tenant.slug} ({tenant.country}, {tenant.currency}, "
               f"{', '.join(tenant.locales)})")


@tenants.command("list")
@with_appcontext
def tenants_list():
    """List tenants."""
    for tenant in current_platform().tenants():
        click.echo(f"{tenant.slug:<24} {tenant.country}  {tenant.currency}  {tenant.status:<12} "
                   f"{', '.join(tenant.locales)}  {tenant.name}")

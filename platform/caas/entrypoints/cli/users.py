"""``caas operators`` and ``caas users``: accounts of the platform and of a tenant."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import (current_platform, password_option, service_call,
                                       tenant_or_fail)


@click.group(cls=AppGroup)
def operators():
    """Platform operators."""


@operators.command("create")
@click.option("--email", required=True)
@password_option
@click.option("--name", default="")
@with_appcontext
def operators_create(email, password, name):
    """Create an operator account."""
    from caas.service_layer.users import create_operator
    service_call(create_operator, current_platform(), email, password, name)
    click.echo(f"operator {email} created")


@operators.command("set-password")
@click.option("--email", required=True)
@password_option
@with_appcontext
def operators_set_password(email, password):
    """Set an operator's password (operators have no reset link)."""
    from caas.service_layer.users import set_operator_password
    service_call(set_operator_password, current_platform(), email, password)
    click.echo(f"password of operator {email} set")


@click.group(cls=AppGroup)
def users():
    """Tenant users."""


@users.command("create")
@click.option("--tenant", "slug", required=True)
@click.option("--role", type=click.Choice(["admin", "employee"]), required=True)
@click.option("--email", required=True)
@password_option
@click.option("--name", default="")
@click.option("--locale")
@with_appcontext
def users_create(slug, role, email, password, name, locale):
    """Create an admin or employee in a tenant."""
    from caas.service_layer.users import provision_user
    from caas.tenancy import tenant_context
    tenant = tenant_or_fail(slug)
    with tenant_context(tenant):
        service_call(provision_user, current_platform().for_tenant(tenant), email=email,
                     role=role, name=name or email, locale=locale, password=password)
    click.echo(f"{role} {email} created in {slug}")

"""``caas demo``: scripted journeys against a running platform."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from caas.entrypoints.cli.base import fail


@click.group(cls=AppGroup)
def demo():
    """Scripted journeys against a running platform (``make run``)."""


def _walk_options(command):
    """The options of the demo walks: where the platform is, who acts, what is sold."""
    options = [
        click.option("--url", default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', 5000)}",
                     show_default="http://127.0.0.1:$PORT, or :5000",
                     help="The running platform."),
        click.option("--tenant", "slug", default="es-demo", show_default=True),
        click.option("--folder", type=click.Path(file_okay=False, path_type=Path),
                     default="tenants", show_default=True,
                     help="Tenant files with the demo accounts."),
        click.option("--employee-email", help="Default: the tenant file's employee."),
        click.option("--employee-password"),
        click.option("--operator-email", help="Default: the first operator of platform.toml."),
        click.option("--operator-password"),
        click.option("--country", help="Default: the tenant file's, else asked of the platform."),
        click.option("--model", help="Vehicle model code; default: the cheapest."),
        click.option("--plan", help="Plan code; default: the one with the smallest reservation."),
        click.option("--option", "options", multiple=True,
                     help="Factory option code (repeat); default: the model's first."),
        click.option("--timeout", type=float, default=30.0, show_default=True,
                     help="Seconds per HTTP call, and to wait for an email or a status."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@demo.command("sale", with_appcontext=False)  # a client of the running platform
@_walk_options
def demo_sale(**walk):
    """Walk a sale to an app-linked vehicle over HTTP, printing each step and the order status.

    Needs the sandboxes (the default embedded mode). Exits non-zero at the first failed step.
    """
    from caas.entrypoints.tooling.demo import walk_sale
    _walk(walk_sale, walk)
    click.secho("\nThe sale is done: the vehicle is delivered and linked to the customer's app.",
                fg="green")


@demo.command("usage", with_appcontext=False)
@_walk_options
@click.option("--daily-quantity", default="0.800", show_default=True,
              help="GB of data the vehicle reports each day.")
def demo_usage(daily_quantity, **walk):
    """Walk a sale, then a premium-connectivity month whose data reaches the invoice.

    The customer subscribes, the telemetry sandbox reports the vehicle's daily data, the
    billing clock moves 45 days on (past the free trial and a month end) and the invoice's
    usage line is shown. The tenant must price the option's data (`caas seed` and `caas tenants starter` do).
    """
    from caas.entrypoints.tooling.demo import walk_usage
    _walk(walk_usage, walk, daily_quantity=daily_quantity)
    click.secho("\nThe month is billed: its data usage is on the invoice.", fg="green")


def _walk(walker, walk: dict, **extra) -> None:
    from caas.entrypoints.tooling.demo import Credentials, DemoFailed, demo_tenant, http_client
    folder, slug, timeout = walk["folder"], walk["slug"], walk["timeout"]
    known = demo_tenant(folder, slug)
    employee = _demo_credentials("employee", walk["employee_email"], walk["employee_password"],
                                 known.employee, f"{folder}/*.toml has no employee for {slug}")
    operator = _demo_credentials("operator", walk["operator_email"], walk["operator_password"],
                                 known.operator, f"{folder}/platform.toml has no operator")
    with http_client(walk["url"], timeout) as client:
        try:
            walker(client, tenant=slug, country=walk["country"] or known.country,
                   employee=Credentials(*employee), operator=Credentials(*operator),
                   model=walk["model"], plan=walk["plan"], options=list(walk["options"]) or None,
                   customer=known.customer, mail_timeout=min(timeout, 10.0),
                   status_timeout=timeout, **extra)
        except DemoFailed as failed:
            click.secho(f"\nFAILED: {failed}", fg="red", err=True)
            sys.exit(1)


def _demo_credentials(role, email, password, known, missing):
    if known is not None and (email is None or email == known.email):
        return email or known.email, password or known.password
    if email is None or password is None:
        fail(f"{missing}: pass --{role}-email and --{role}-password")
    return email, password

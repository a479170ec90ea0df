"""Passes over every tenant, once or every few seconds: ``caas ota``, ``caas payments``,
``caas maintenance``."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import current_platform, gateway_shared_or_fail


@click.group(cls=AppGroup)
def ota():
    """Over-the-air activations."""


@ota.command("sweep")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@with_appcontext
def ota_sweep(every):
    """Resume activations whose retry was lost or whose worker died."""
    from caas.entrypoints.worker.fanout import sweep
    while True:
        click.echo(f"resumed {sweep(current_platform())} activations")
        if not every:
            return
        time.sleep(every)


@click.group(cls=AppGroup)
def payments():
    """Payments whose outcome is not known yet."""


@payments.command("reconcile")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@with_appcontext
def payments_reconcile(every):
    """Ask the gateway, by key, about every payment whose answer was lost, every hold nothing
    will capture, every unconfirmed month-end charge, and news about unknown payments."""
    from caas.entrypoints.worker.fanout import reconcile_payments
    gateway_shared_or_fail()
    while True:
        click.echo(f"looked at {reconcile_payments(current_platform())} payments")
        if not every:
            return
        time.sleep(every)


@click.group(cls=AppGroup)
def maintenance():
    """Maintenance reminders from the VSS."""


@maintenance.command("remind")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@click.option("--tenant", "slugs", multiple=True, help="Only these tenants (repeat); default: all.")
@with_appcontext
def maintenance_remind(every, slugs):
    """Queue one reminder job per tenant: owners whose maintenance is due are notified once."""
    from caas.entrypoints.worker.fanout import schedule_reminders
    while True:
        queued = schedule_reminders(current_platform(), slugs or None)
        click.echo(f"queued the reminders of {queued} tenants")
        if not every:
            return
        time.sleep(every)

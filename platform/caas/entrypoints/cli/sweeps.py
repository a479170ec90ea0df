"""Passes over every tenant, once or every few seconds: ``caas ota``, ``caas payments``,
``caas maintenance``."""
from __future__ import annotations


import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import (current_platform, every_option, gateway_shared_or_fail,
                                       repeat, tenant_or_fail)


@click.group(cls=AppGroup)
def ota():
    """Over-the-air activations."""


@ota.command("sweep")
@every_option
@with_appcontext
def ota_sweep(every):
    """Resume activations whose retry was lost or whose worker died."""
    from caas.entrypoints.worker.fanout import sweep
    repeat(every, lambda: f"resumed {sweep(current_platform())} activations")


@click.group(cls=AppGroup)
def payments():
    """Payments whose outcome is not known yet."""


@payments.command("reconcile")
@every_option
@with_appcontext
def payments_reconcile(every):
    """Ask the gateway, by key, about every payment whose answer was lost, every hold nothing
    will capture, every unconfirmed month-end charge, and news about unknown payments."""
    from caas.entrypoints.worker.fanout import reconcile_payments
    gateway_shared_or_fail()
    repeat(every, lambda: f"looked at {reconcile_payments(current_platform())} payments")


@click.group(cls=AppGroup)
def maintenance():
    """Maintenance reminders from the VSS."""


@maintenance.command("remind")
@every_option
@click.option("--tenant", "slugs", multiple=True, help="Only these tenants (repeat); default: all.")
@with_appcontext
def maintenance_remind(every, slugs):
    """Queue one reminder job per tenant: owners whose maintenance is due are notified once."""
    from caas.entrypoints.worker.fanout import schedule_reminders
    for slug in slugs:
        tenant_or_fail(slug)
    repeat(every, lambda: "queued the reminders of "
           f"{schedule_reminders(current_platform(), slugs or None)} tenants")

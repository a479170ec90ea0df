"""``caas billing``: month-end billing of subscriptions."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import (current_platform, databases_at_head,
                                       gateway_shared_or_fail, service_call, tenant_or_fail)


@click.group(cls=AppGroup)
def billing():
    """Month-end billing of subscriptions."""


@billing.command("run")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--period", required=True, help="The month to bill, YYYY-MM (it must be over).")
@click.option("--batch-size", type=int, default=None, help="Customers per batch (transaction).")
@with_appcontext
def billing_run(slug, period, batch_size):
    """Bill a tenant's month now, in this process; a month already billed bills nothing again."""
    from caas.domain.billing import InvalidPeriod, Period
    from caas.service_layer.billing import runs, views
    from caas.tenancy import tenant_context
    try:
        month = Period.parse(period)
    except InvalidPeriod as exc:
        raise click.BadParameter(str(exc), param_hint="--period")
    tenant = tenant_or_fail(slug)
    ctx = current_platform().for_tenant(tenant)
    with tenant_context(tenant):
        plan = service_call(runs.plan_run, ctx, month, trigger="cli", batch_size=batch_size)
        customers = sum(len(batch) for batch in plan.batches)
        with click.progressbar(length=customers, label=f"billing {slug} {month}",
                               show_pos=True) as bar:
            for batch in plan.batches:
                runs.bill_batch(ctx, plan.run_id, month, batch)
                bar.update(len(batch))
        outcome = views.run_view(ctx, plan.run_id)
    amounts = ", ".join(f"{money.amount} {money.currency}" for money in outcome["amounts"])
    click.echo(f"run {outcome['id']}: {outcome['invoices']} invoices ({amounts or 'nothing'}); "
               + ", ".join(f"{count} {status}" for status, count in outcome["by_status"].items()))
    for failure in outcome["failures"]:
        click.secho(f"  {failure['number']}: {failure['status']} {failure['error'] or ''}",
                    fg="red", err=True)


@billing.command("reconcile")
@with_appcontext
def billing_reconcile():
    """Ask the gateway about every invoice whose charge went unanswered, in every tenant."""
    from caas.service_layer.billing import charging
    from caas.tenancy import tenant_context
    gateway_shared_or_fail()
    looked = 0
    for tenant in current_platform().tenants():
        if tenant.status == "active":
            with tenant_context(tenant):
                looked += charging.reconcile(current_platform().for_tenant(tenant))
    click.echo(f"looked up {looked} invoices")


@billing.command("scheduler")
@click.option("--schedule", default=None,
              help="Cron fields (UTC) of the check; default CAAS_BILLING_SCHEDULE.")
@with_appcontext
def billing_scheduler(schedule):
    """Check every tenant for months to bill on a schedule (APScheduler), sending jobs.

    Each check sends one job per tenant; the job bills every month the tenant's clock
    closed that no run finished. Run one scheduler, or more for availability: a month
    is never billed twice, since every line is unique per (subscription, month).
    """
    from caas.entrypoints.worker import scheduler
    databases_at_head()
    platform = current_platform()
    scheduler.blocking(platform, schedule or platform.config["CAAS_BILLING_SCHEDULE"])

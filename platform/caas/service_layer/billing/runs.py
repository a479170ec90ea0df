"""The month-end run: a month is billed once it has ended in the tenant's time zone, in
batches of customers, each batch's invoices written in one transaction and then charged."""
from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from caas.domain import billing as rules
from caas.domain.billing import Period
from caas.domain.subscriptions import Subscription
from caas.i18n import lazy_gettext
from caas.service_layer.billing.charging import charge_invoices, reconcile
from caas.service_layer.billing.events import announce_issued
from caas.service_layer.billing.numbering import addressed, number, series_name
from caas.service_layer.billing.pricing import usage_charges, usage_lines, vat_rate, with_usage
from caas.service_layer.billing.subscriptions import end_due, remind_trials
from caas.service_layer.billing.views import run_view
from caas.service_layer.context import TenantContext
from caas.service_layer.deactivation import expire
from caas.service_layer.errors import Conflict
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
BILL_BATCH = "bill_batch"
DUE = "bill_due"


@dataclass(frozen=True)
class RunPlan:
    run_id: int
    period: Period
    batches: list[list[int]]  # customer ids


def plan_run(ctx: TenantContext, period: Period, *, trigger: str,
             batch_size: int | None = None, queue: bool = False,
             alone: bool = False) -> RunPlan:
    """Record a billing run of ``period`` and split its customers into batches.

    :param queue: also queue one job per batch, in the run's transaction (outbox), for
        the workers; otherwise the caller bills the batches (:func:`bill_batch`).
    :param alone: refuse while another run of ``period`` is still running.

    :raises Conflict: the month has not ended yet by the tenant's clock, or (``alone``)
        a run of it is in progress.
    """
    batch_size = batch_size or ctx.settings["CAAS_BILLING_BATCH_SIZE"]
    zone = ctx.tenant.timezone
    start, end = period.bounds(zone)
    end_due(ctx)
    with ctx.uow() as uow:
        if not period.closed_by(uow.now(), zone):
            raise Conflict(lazy_gettext("%(period)s is not over yet in %(zone)s; it is billed "
                                        "after its last day.", period=str(period), zone=zone),
                           reason="period_open")
        if alone and uow.billing_runs.running(str(period)):
            raise Conflict(lazy_gettext("A run of %(period)s is in progress; start it again "
                                        "once that one has finished.", period=str(period)),
                           reason="run_in_progress")
        customers = uow.subscriptions.billable_customers(str(period), start, end)
        batches = [customers[i:i + batch_size] for i in range(0, len(customers), batch_size)]
        run_id = uow.billing_runs.start(str(period), trigger, len(batches))
        if queue:
            for batch in batches:
                uow.outbox.add(BILL_BATCH, {"run_id": run_id, "period": str(period),
                                            "customer_ids": batch})
        uow.commit()
    return RunPlan(run_id, period, batches)


def start_run(ctx: TenantContext, period: Period, *, trigger: str) -> dict:
    """Plan a run of ``period`` and leave its batches to the workers; returns the run.

    The run is audited as started by whoever asked for it (``billing.run_started``).

    :raises Conflict: the month is not over yet, or a run of it is in progress (asking
        twice starts one run: what the first bills, the second would find billed).
    """
    plan = plan_run(ctx, period, trigger=trigger, queue=True, alone=True)
    with ctx.uow() as uow:
        uow.audit.record("billing.run_started", "billing_run", plan.run_id, after={
            "period": str(period), "trigger": trigger, "batches": len(plan.batches)})
        uow.commit()
    return run_view(ctx, plan.run_id)


def run(ctx: TenantContext, period: Period, *, trigger: str = "cli",
        batch_size: int | None = None, progress=None) -> dict:
    """Bill ``period`` now, in this process; ``progress(customers_done)`` after each batch.

    Two batches are billed at once, so that one is written while the other waits for
    its charges (the counter lock makes the writes take turns).
    """
    plan = plan_run(ctx, period, trigger=trigger, batch_size=batch_size)
    context = contextvars.copy_context()

    def bill(batch: list[int]) -> int:
        context.copy().run(bill_batch, ctx, plan.run_id, period, batch)
        return len(batch)
    with ThreadPoolExecutor(2, thread_name_prefix="billing-run") as pool:
        for done in pool.map(bill, plan.batches):
            if progress:
                progress(done)
    return run_view(ctx, plan.run_id)


def bill_batch(ctx: TenantContext, run_id: int, period: Period,
               customer_ids: list[int]) -> list[int]:
    """Invoice these customers' subscriptions for ``period``, then charge the invoices.

    Safe to run twice or concurrently: lines already billed are skipped, and a
    transaction that meets a line another run wrote meanwhile is rolled back whole
    (its numbers with it) and tried again.
    """
    for _ in range(3):
        try:
            invoice_ids = _write_invoices(ctx, run_id, period, customer_ids)
            break
        except rules.AlreadyBilled:
            log.info("a concurrent run billed part of this batch; trying again",
                     extra={"tenant": ctx.tenant.slug, "period": str(period)})
    else:
        raise RuntimeError(f"billing batch of {period} kept conflicting")
    charge_invoices(ctx, invoice_ids)
    with ctx.uow() as uow:
        uow.billing_runs.batch_done(run_id)
        uow.commit()
    return invoice_ids


def _write_invoices(ctx: TenantContext, run_id: int, period: Period,
                    customer_ids: list[int]) -> list[int]:
    zone, rate = ctx.tenant.timezone, vat_rate(ctx)
    start, end = period.bounds(zone)
    with ctx.uow() as uow:
        issued = rules.local_day(uow.now(), zone)
        series = series_name("invoice", issued.year)
        # Taken first: a concurrent run waits here, then finds these lines billed.
        uow.invoices.lock_series(series)
        grouped: dict[tuple[int, str, str], list[tuple[Subscription, rules.Charge]]] = \
            defaultdict(list)
        for subscription in uow.subscriptions.billable(str(period), start, end, customer_ids):
            charge = subscription.charge(period, zone)
            if charge:
                key = (subscription.customer_id, subscription.card_token,
                       subscription.currency)
                grouped[key].append((subscription, charge))
        if not grouped:
            return []
        details = uow.invoices.billing_details(sorted({key[0] for key in grouped}))
        numbers = uow.invoices.take_numbers(series, len(grouped))
        used = usage_charges(ctx, uow, period, (start, end), [
            subscription for items in grouped.values() for subscription, _ in items])
        invoices, lines = [], []
        for seq, ((customer_id, card_token, currency), items) in zip(numbers, grouped.items()):
            priced = [rules.price_line(charge.amount, rate) for _, charge in items]
            metered = usage_lines(ctx, used, items, period, rate)
            net, vat, total = rules.totals(priced + [line for _, line in metered], currency)
            invoices.append({
                "number": number(ctx, "invoice", issued.year, seq),
                "kind": "invoice", "customer_id": customer_id, "period": str(period),
                "billing_run_id": run_id, "currency": currency, "net_minor": net.to_minor(),
                "vat_minor": vat.to_minor(), "total_minor": total.to_minor(),
                **addressed(ctx, details[customer_id], issued),
                "status": "open", "card_token": card_token})
            lines.append(with_usage([{
                "kind": "subscription", "subscription_id": subscription.id,
                "period": str(period), "option": subscription.option, "days": charge.days,
                "days_in_period": charge.days_in_period, "net_minor": line.net.to_minor(),
                "vat_rate": str(line.vat_rate), "vat_minor": line.vat.to_minor(),
                "total_minor": line.total.to_minor()}
                for (subscription, charge), line in zip(items, priced)], metered))
        invoice_ids = uow.invoices.add_many(invoices, lines)
        announce_issued(uow, ctx.tenant.slug, invoice_ids, [i["number"] for i in invoices])
        uow.commit()
    return invoice_ids


def last_closed_period(ctx: TenantContext) -> Period:
    """The latest month that has ended by the tenant's clock, in its time zone."""
    return rules.last_closed_period(ctx.now(), ctx.tenant.timezone)


def due_periods(ctx: TenantContext) -> list[Period]:
    """Months ended by the tenant's clock that no finished run has billed, oldest first."""
    with ctx.uow() as uow:
        now = uow.now()
        earliest = uow.subscriptions.earliest_start()
        last_billed = uow.billing_runs.last_finished_period()
    if earliest is None:
        return []
    last_closed = rules.last_closed_period(now, ctx.tenant.timezone)
    period = Period.of(rules.local_day(earliest, ctx.tenant.timezone))
    if last_billed:
        period = max(period, Period.parse(last_billed).next())
    periods = []
    while period <= last_closed:
        periods.append(period)
        period = period.next()
    return periods


# --- background tasks ------------------------------------------------------------------

def bill_due(ctx: TenantContext, trigger: str) -> int:
    """Plan a run of every month the tenant's clock has closed (its batches queued with it),
    end what is due, and look up unanswered charges; returns how many batches."""
    expire(ctx)
    remind_trials(ctx)
    batches = 0
    for period in due_periods(ctx):
        batches += len(plan_run(ctx, period, trigger=trigger, queue=True).batches)
    reconcile(ctx)
    return batches


def _bill_queued_batch(ctx: TenantContext, run_id: int, period: str,
                       customer_ids: list[int]) -> None:
    bill_batch(ctx, run_id, Period.parse(period), customer_ids)


TASKS = (Task(DUE, bill_due), Task(BILL_BATCH, _bill_queued_batch))

"""Subscriptions and month-end billing ("mes vencido"), invoices and credit notes.

The rules are the domain's (:mod:`caas.domain.billing`); this module applies them:

* a monthly service the vehicle confirmed becomes a subscription (:func:`subscribe`);
* a month is billed once it has ended in the tenant's time zone, by the
  tenant's billing clock (:mod:`caas.service_layer.clock`), in batches of
  customers (:func:`plan_run`, :func:`bill_batch`). Each batch's invoices, lines
  and numbers are written in one transaction; the unique (subscription, period)
  line is the guard that makes a second run, or two at once, bill nothing twice;
* each invoice is charged through the gateway with a key derived from its
  number (:func:`charge_invoices`), several at a time. A refusal cancels its
  subscriptions, switches them off over the air and tells the customer
  (:func:`_payment_failed`); an unanswered charge is left ``unconfirmed`` and
  :func:`reconcile` asks the gateway what happened before anything is sent again;
* the receipts of a batch's paid invoices are one job, queued with their outcomes
  (:func:`send_receipts`), so that messaging customers is not on the run's path.
"""
from __future__ import annotations

import contextvars
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa

from caas.adapters.http.payments import Payment, PaymentError, PaymentNotAnswered
from caas.domain import billing as rules
from caas.domain import usage
from caas.domain.billing import Period
from caas.domain.money import Money
from caas.domain.services import Service, ServiceStatus, withdrawal_refund
from caas.domain.tenants import Tenant
from caas.i18n import lazy_gettext, option_name
from caas.service_layer import activation, catalog, invoice_documents, notifications, settlements
from caas.service_layer.errors import Conflict, NotFound
from caas.service_layer.context import TenantContext
from caas.service_layer.invoice_events import announce_issued

log = logging.getLogger(__name__)
SERIES = {"invoice": "INV", "credit_note": "CN"}
REFUND = "refund_credit_note"
BILL_BATCH = "bill_batch"
RECEIPTS = "send_receipts"
_TICK = timedelta(microseconds=1)


def _rate(ctx: TenantContext) -> Decimal:
    country = ctx.country
    return country.vat_rates[country.invoice_vat_rate]


def _option_name(ctx: TenantContext, code: str, locale: str) -> str:
    option = ctx.plugins.catalog_options.get(code)
    return option_name(option, locale) if option else code


def _tell(uow, tenant: Tenant, customer_id: int, event: str, **context) -> None:
    """Tell a customer about their subscriptions or invoices, through the notification engine
    (``event`` is a key of ``messages.BILLING_EVENTS``)."""
    _tell_each(uow, tenant, event, [(customer_id, context)])


def _tell_each(uow, tenant: Tenant, event: str, recipients: list[tuple[int, dict]]) -> None:
    """:func:`_tell` many customers at once, each ``(customer id, context)``."""
    notifications.notify_each(uow, tenant, notifications.ROUTED_AS[event], "billing_update", [
        notifications.Notice(customer_id, {"event": event, **context})
        for customer_id, context in recipients])


def _series(kind: str, year: int) -> str:
    return f"{SERIES[kind]}-{year}"


def _number(ctx: TenantContext, kind: str, year: int, seq: int) -> str:
    return rules.invoice_number(ctx.country.invoice_number_format,
                                series=SERIES[kind], year=year, seq=seq)


# --- subscriptions ---------------------------------------------------------------------

def subscribe(ctx: TenantContext, uow, service: Service) -> None:
    """Start billing a monthly service the vehicle just confirmed (in that transaction)."""
    if service.billing != "monthly":
        return
    started = uow.now()
    trial_days = ctx.plugins.option(service.option).trial_days
    setting = uow.catalog_settings.get(service.option) or {}
    usage_price = setting.get("usage_price")
    uow.subscriptions.add(service_id=service.id, customer_id=service.customer_id,
                          vin=service.vin, option=service.option,
                          price_minor=service.price.to_minor(), currency=service.price.currency,
                          card_token=service.card_token, started_at=started,
                          trial_ends_at=started + timedelta(days=trial_days) if trial_days
                          else None, usage_price_minor=usage_price and usage_price.to_minor(),
                          usage_included=setting.get("usage_included"))


def remind_trials(ctx: TenantContext) -> int:
    """Tell customers whose free trial ends within ``CAAS_TRIAL_REMINDER_DAYS`` that it turns
    into a paid subscription unless they cancel; each is told once."""
    days = ctx.settings["CAAS_TRIAL_REMINDER_DAYS"]
    with ctx.uow() as uow:
        now = uow.now()
        due = uow.subscriptions.trials_to_remind(now + timedelta(days=days))
        details = uow.invoices.billing_details(sorted({row["customer_id"] for row in due}))
        _tell_each(uow, ctx.tenant, "trial_ending", [(row["customer_id"], {
            "options": [_option_name(ctx, row["option"],
                                     details[row["customer_id"]]["locale"])],
            "amount": Money.from_minor(row["price_minor"], row["currency"]).to_dict(),
            "date": rules.local_day(row["trial_ends_at"], ctx.tenant.timezone).isoformat()})
            for row in due])
        uow.commit()
    return len(due)


def cancel(ctx: TenantContext, customer_id: int, service_id: int) -> dict:
    """End a subscription at the end of the current month; that month is still billed.

    :raises NotFound: not the customer's service. :raises Conflict: not a running subscription.
    """
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service is None or service.customer_id != customer_id:
            raise NotFound(lazy_gettext("Service %(id)s not found.", id=service_id))
        subscription = uow.subscriptions.by_service(service_id)
        if subscription is None:
            raise Conflict(lazy_gettext("Only a monthly subscription can be cancelled; this "
                                        "service is not one."), reason="not_a_subscription")
        if subscription["status"] != "active":
            raise Conflict(lazy_gettext("This subscription is already cancelled."),
                           reason="already_cancelled")
        now = uow.now()
        period = Period.of(rules.local_day(now, ctx.tenant.timezone))
        ends, event = period.bounds(ctx.tenant.timezone)[1], "subscription_cancelled"
        if subscription["trial_ends_at"] and now < subscription["trial_ends_at"] < ends:
            # Cancelled during the free trial: it ends with the trial, nothing due.
            ends, event = subscription["trial_ends_at"], "trial_cancelled"
        uow.subscriptions.set_cancel_at(subscription["id"], ends)
        service.pending.append((service.status, service.status,
                                f"subscription cancelled; ends at the end of {period}"))
        uow.services.save(service)
        customer = uow.invoices.billing_details([customer_id])[customer_id]
        _tell(uow, ctx.tenant, customer_id, event,
              options=[_option_name(ctx, service.option, customer["locale"])],
              date=rules.local_day(ends - _TICK, ctx.tenant.timezone).isoformat())
        uow.audit.record("subscription.cancelled", "service", service_id,
                         after={"ends_at": ends.isoformat()})
        uow.commit()
    return subscription_view(ctx, service_id)


def subscription_view(ctx: TenantContext, service_id: int) -> dict:
    with ctx.uow() as uow:
        subscription = uow.subscriptions.by_service(service_id)
    if subscription is None:
        return None
    return {key: subscription[key] for key in ("id", "status", "started_at", "cancel_at",
                                               "ended_at", "end_reason")}


def _end_services(ctx: TenantContext, uow, service_ids: list[int], note: str) -> None:
    """Take ended subscriptions' options off their vehicles."""
    for service_id in service_ids:
        service = uow.services.get(service_id)
        if service.status is ServiceStatus.ACTIVE:
            service.move_to(ServiceStatus.ENDED, note)
            service.ended_at = uow.now()
            uow.services.save(service)
            uow.outbox.add(activation.DEACTIVATE, {"service_id": service_id})


def end_due(ctx: TenantContext) -> int:
    """End the cancelled subscriptions whose month end has come; returns how many."""
    with ctx.uow() as uow:
        now = uow.now()
        due = uow.subscriptions.due_to_end(now)
        rows = {row["id"]: row for row in map(uow.subscriptions.by_id, due)}
        service_ids = []
        for subscription_id, row in rows.items():
            service_ids += uow.subscriptions.end([subscription_id], row["cancel_at"], "cancelled")
        _end_services(ctx, uow, service_ids, "subscription ended at the month end")
        uow.commit()
    return len(service_ids)


def expire(ctx: TenantContext) -> int:
    """Switch off time-limited options whose time is up (e.g. a 30-day boost) and tell
    their owners; returns how many ended."""
    with ctx.uow() as uow:
        now = uow.now()
        expired = uow.services.expired(now.astimezone(timezone.utc))
        _end_services(ctx, uow, expired, "its time is up")
        for service_id in expired:
            activation.notify(ctx, uow, uow.services.get(service_id),
                              "service_expired")
        uow.commit()
    return len(expired)


# --- the month-end run ---------------------------------------------------------------

@dataclass(frozen=True)
class RunPlan:
    run_id: int
    period: Period
    batches: list[list[int]]  # customer ids


def plan_run(ctx: TenantContext, period: Period, *, trigger: str,
             batch_size: int | None = None, queue: bool = False) -> RunPlan:
    """Record a billing run of ``period`` and split its customers into batches.

    :param queue: also queue one job per batch, in the run's transaction (outbox), for
        the workers; otherwise the caller bills the batches (:func:`bill_batch`).

    :raises Conflict: the month has not ended yet by the tenant's clock.
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
    """
    plan = plan_run(ctx, period, trigger=trigger, queue=True)
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
        except sa.exc.IntegrityError:
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
    zone, rate = ctx.tenant.timezone, _rate(ctx)
    start, end = period.bounds(zone)
    terms = ctx.country.payment_terms_days
    with ctx.uow() as uow:
        issued = rules.local_day(uow.now(), zone)
        series = _series("invoice", issued.year)
        # Taken first: a concurrent run waits here, then finds these lines billed.
        uow.invoices.lock_series(series)
        grouped: dict[tuple[int, str, str], list[tuple[dict, rules.Charge]]] = defaultdict(list)
        for subscription in uow.subscriptions.billable(str(period), start, end, customer_ids):
            ends = subscription["ended_at"] or subscription["cancel_at"]
            billed_from = subscription["trial_ends_at"] or subscription["started_at"]
            charge = rules.subscription_charge(
                subscription["id"], Money.from_minor(_monthly_price(subscription, period),
                                                     subscription["currency"]), period,
                rules.local_day(billed_from, zone),
                rules.local_day(ends - _TICK, zone) if ends else None)
            if charge:
                key = (subscription["customer_id"], subscription["card_token"],
                       subscription["currency"])
                grouped[key].append((subscription, charge))
        if not grouped:
            return []
        details = uow.invoices.billing_details(sorted({key[0] for key in grouped}))
        numbers = uow.invoices.take_numbers(series, len(grouped))
        used = _usage_charges(ctx, uow, period, (start, end), [
            subscription for items in grouped.values() for subscription, _ in items])
        invoices, lines = [], []
        for seq, ((customer_id, card_token, currency), items) in zip(numbers, grouped.items()):
            priced = [rules.price_line(charge.amount, rate) for _, charge in items]
            metered = _usage_lines(ctx, used, items, period, rate)
            net, vat, total = rules.totals(priced + [line for _, line in metered], currency)
            customer = details[customer_id]
            invoices.append({
                "number": _number(ctx, "invoice", issued.year, seq),
                "kind": "invoice", "customer_id": customer_id, "period": str(period),
                "billing_run_id": run_id, "currency": currency, "net_minor": net.to_minor(),
                "vat_minor": vat.to_minor(), "total_minor": total.to_minor(),
                "customer_name": customer["name"], "customer_tax_id": customer["tax_id"] or "",
                "customer_address": customer["address"] or {}, "locale": customer["locale"],
                "issue_date": issued, "due_date": rules.due_date(issued, terms),
                "status": "open", "card_token": card_token})
            lines.append(_with_usage([{
                "kind": "subscription", "subscription_id": subscription["id"],
                "period": str(period), "option": subscription["option"], "days": charge.days,
                "days_in_period": charge.days_in_period, "net_minor": line.net.to_minor(),
                "vat_rate": str(line.vat_rate), "vat_minor": line.vat.to_minor(),
                "total_minor": line.total.to_minor()}
                for (subscription, charge), line in zip(items, priced)], metered))
        invoice_ids = uow.invoices.add_many(invoices, lines)
        announce_issued(uow, ctx.tenant.slug, invoice_ids, [i["number"] for i in invoices])
        uow.commit()
    return invoice_ids


# --- usage-priced lines ------------------------------------------------------------------

_NO_USAGE = dict.fromkeys(("quantity", "included", "unit", "unit_price_minor"))


def _usage_pricing(subscription: dict, period: Period) -> usage.UsagePricing | None:
    """The usage price and included quantity the subscription has in ``period`` (moved with its
    monthly price); ``None``: its usage is not priced."""
    moved = subscription["next_price_from"] and str(period) >= subscription["next_price_from"]
    prefix = "next_" if moved else ""
    unit_price = subscription[f"{prefix}usage_price_minor"]
    if unit_price is None:
        return None
    return usage.UsagePricing(Money.from_minor(unit_price, subscription["currency"]),
                              subscription[f"{prefix}usage_included"] or 0)


def _usage_charges(ctx: TenantContext, uow, period: Period, bounds: tuple[datetime, datetime],
                   subscriptions: list[dict]) -> dict[int, usage.UsageCharge]:
    """What the period's usage costs for each subscription with usage pricing; the usage of
    the whole batch is read with one grouped query."""
    options = ctx.plugins.catalog_options
    priced = {subscription["id"]: (subscription, pricing) for subscription in subscriptions
              if (pricing := _usage_pricing(subscription, period))
              and getattr(options.get(subscription["option"]), "usage", None)}
    if not priced:
        return {}
    metrics = {subscription["option"]: options[subscription["option"]].usage.metric
               for subscription, _ in priced.values()}
    used = uow.usage.billable_sums(list(priced), metrics, *bounds)
    decimals = {metric: usage.metric_decimals(options.values(), metric)
                for metric in set(metrics.values())}
    return {subscription_id: usage.usage_charge(
        used.get(subscription_id, 0), pricing, decimals[metrics[subscription["option"]]])
        for subscription_id, (subscription, pricing) in priced.items()}


def _usage_lines(ctx: TenantContext, charges: dict[int, usage.UsageCharge], items: list,
                 period: Period, rate: Decimal) -> list[tuple[dict, rules.PricedLine]]:
    """The usage lines of one invoice's subscriptions, each with its priced amounts. A usage
    within the included quantity is a line of zero, so the customer sees what was used."""
    metered = []
    for subscription, _ in items:
        charge = charges.get(subscription["id"])
        if charge is None:
            continue
        metric = ctx.plugins.catalog_options[subscription["option"]].usage
        decimals = usage.metric_decimals(ctx.plugins.catalog_options.values(), metric.metric)
        line = rules.price_line(charge.amount, rate)
        metered.append(({
            "kind": "usage", "subscription_id": subscription["id"], "period": str(period),
            "option": subscription["option"], "days": None, "days_in_period": None,
            "net_minor": line.net.to_minor(), "vat_rate": str(line.vat_rate),
            "vat_minor": line.vat.to_minor(), "total_minor": line.total.to_minor(),
            "quantity": str(usage.from_steps(charge.used, decimals)),
            "included": str(usage.from_steps(charge.included, decimals)),
            "unit": metric.unit, "unit_price_minor": charge.unit_price.to_minor()}, line))
    return metered


def _with_usage(rows: list[dict], metered: list[tuple[dict, rules.PricedLine]]) -> list[dict]:
    """An invoice's lines: the subscriptions' (without quantities), then their usage."""
    return [{**_NO_USAGE, **row} for row in rows] + [row for row, _ in metered]


def _monthly_price(subscription: dict, period: Period) -> int:
    moved_from = subscription["next_price_from"]
    if moved_from and str(period) >= moved_from:
        return subscription["next_price_minor"]
    return subscription["price_minor"]


def move_prices(ctx: TenantContext, code: str, notice_days: int) -> dict:
    """Move running subscriptions of ``code`` to the catalog's current price, from the first
    month that starts after ``notice_days`` of notice; each customer is told.

    New subscriptions take the catalog price at purchase; existing ones keep theirs until
    moved here.

    :raises NotFound: the tenant does not sell ``code`` monthly.
    """
    with ctx.uow() as uow:
        setting = uow.catalog_settings.get(code)
        if setting is None or setting["billing"] != "monthly":
            raise NotFound(lazy_gettext("The option '%(code)s' is not sold monthly here.",
                                        code=code))
        today = rules.local_day(uow.now(), ctx.tenant.timezone)
        notice_ends = today + timedelta(days=notice_days)
        period = Period.of(notice_ends)
        if notice_ends != period.first_day:
            period = period.next()
        price, usage_price = setting["price"], setting["usage_price"]
        moved = uow.subscriptions.move_price(code, price.to_minor(), str(period),
                                             usage_price and usage_price.to_minor(),
                                             setting["usage_included"])
        details = uow.invoices.billing_details(sorted({row["customer_id"] for row in moved}))
        usage_pricing = catalog.usage_pricing(ctx, ctx.plugins.option(code), setting)
        _tell_each(uow, ctx.tenant, "price_change", [(customer_id, {
            "amount": price.to_dict(),
            "options": [_option_name(ctx, code, details[customer_id]["locale"])],
            "date": period.first_day.isoformat(), **_usage_notice(ctx, code, usage_pricing)})
            for customer_id in sorted({row["customer_id"] for row in moved})])
        uow.audit.record("subscriptions.price_moved", "catalog_option", code, after={
            "price": price.to_dict(), "from": str(period), "subscriptions": len(moved),
            **_usage_notice(ctx, code, usage_pricing)})
        uow.commit()
    return {"option": code, "price": price, "effective_from": str(period),
            "subscriptions": len(moved), **usage_pricing}


def _usage_notice(ctx: TenantContext, code: str, pricing: dict) -> dict:
    """The usage price a price move's notice states, if the option has one."""
    if pricing["usage_price"] is None:
        return {}
    return {"usage": {"price": pricing["usage_price"].to_dict(), "included": pricing["included"],
                      "unit": ctx.plugins.option(code).usage.unit}}


# --- charging ----------------------------------------------------------------------------

def _charge_key(tenant: Tenant, invoice: dict) -> str:
    return f"{tenant.slug}:invoice:{invoice['number']}:charge"


def _reference(invoice: dict) -> str:
    return f"invoice-{invoice['number']}"


def charge_invoices(ctx: TenantContext, invoice_ids: list[int]) -> dict[int, str]:
    """Charge open invoices, then record every outcome in one transaction.

    A process dying between a charge and this record leaves the invoice ``open``:
    :func:`reconcile` finds the charge at the gateway instead of making another.
    """
    if not invoice_ids:
        return {}
    with ctx.uow() as uow:
        invoices = [invoice for invoice in uow.invoices.many(invoice_ids)
                    if invoice["status"] == "open"]
    charged = _charge_all(ctx, ctx.gateways.payments, invoices)
    by_outcome: dict[str, list] = {"paid": [], "unconfirmed": [], "failed": []}
    for invoice, (outcome, detail) in zip(invoices, charged):
        by_outcome[outcome].append((invoice, detail))
    _record_charges(ctx, by_outcome["paid"], by_outcome["unconfirmed"],
                    by_outcome["failed"])
    return {invoice["id"]: outcome for invoice, (outcome, _) in zip(invoices, charged)}


def _charge_all(ctx: TenantContext, gateway, invoices: list[dict]
                ) -> list[tuple[str, str | None]]:
    """Charge each invoice, ``CAAS_BILLING_CHARGE_CONCURRENCY`` at a time, since a remote
    gateway's answer is mostly waiting; ``(outcome, payment id or error)`` each, in order.

    The in-process sandbox is charged one invoice at a time: it answers on the calling
    thread, so concurrent calls would only contend for the interpreter.
    """
    def charge(invoice: dict) -> tuple[str, str | None]:
        if invoice["total_minor"] <= 0:
            return "paid", None
        try:
            payment = gateway.charge(_total(invoice), invoice["card_token"],
                                     idempotency_key=_charge_key(ctx.tenant, invoice),
                                     reference=_reference(invoice),
                                     description=f"Invoice {invoice['number']}")
        except PaymentNotAnswered as exc:
            return "unconfirmed", str(exc)  # :func:`reconcile` asks the gateway about the key
        except PaymentError as exc:
            return "failed", str(exc)
        return "paid", payment.id

    workers = min(ctx.settings["CAAS_BILLING_CHARGE_CONCURRENCY"], len(invoices))
    if workers <= 1 or ctx.gateways.payments_in_process:
        return [charge(invoice) for invoice in invoices]
    context = contextvars.copy_context()  # the tenant and request, for the logs
    with ThreadPoolExecutor(workers, thread_name_prefix="charge") as pool:
        return list(pool.map(lambda invoice: context.copy().run(charge, invoice), invoices))


def _record_charges(ctx: TenantContext, paid, unconfirmed, failed) -> None:
    with ctx.uow() as uow:
        for invoice, error in unconfirmed:
            uow.invoices.set_outcome(invoice["id"], "unconfirmed", error=error,
                                     expected=("open",))
        recorded = uow.invoices.mark_paid({invoice["id"]: payment_id
                                           for invoice, payment_id in paid})
        if recorded:
            uow.outbox.add(RECEIPTS, {"invoice_ids": sorted(recorded)})
        for invoice, payment_id in paid:
            if invoice["id"] not in recorded and payment_id:
                _paid_after_all(ctx, uow, invoice["id"], payment_id)
        for invoice, error in failed:
            _payment_failed(ctx, uow, invoice, error)
        uow.commit()
    # News of these charges that came before their answers is theirs now.
    settlements.apply_held(ctx, payment_ids=[payment_id for _, payment_id in paid
                                                          if payment_id])
    if unconfirmed or failed:
        log.warning("month-end charges: %s unconfirmed, %s refused", len(unconfirmed),
                    len(failed), extra={"tenant": ctx.tenant.slug})


def send_receipts(ctx: TenantContext, invoice_ids: list[int]) -> int:
    """Send the customers the receipts of these paid invoices; each invoice's once, however
    often this runs (its receipt is marked in the same transaction). Returns how many."""
    with ctx.uow() as uow:
        invoices = uow.invoices.take_receipts(invoice_ids)
        _tell_each(uow, ctx.tenant, "invoice_paid", [_paid_notice(invoice) for invoice in invoices])
        uow.commit()
    return len(invoices)


def _paid_notice(invoice: dict) -> tuple[int, dict]:
    """The invoice and its receipt, to the customer: ``(customer id, context)``."""
    return invoice["customer_id"], {"number": invoice["number"], "period": invoice["period"],
                                    "amount": _total(invoice).to_dict()}


def _total(invoice: dict) -> Money:
    return Money.from_minor(invoice["total_minor"], invoice["currency"])


def _payment_failed(ctx: TenantContext, uow, invoice: dict, error: str) -> None:
    """The charge was refused: cancel the invoice's subscriptions, switch them off, tell the
    customer. They end at the end of the billed month, so nothing after it is ever billed."""
    if not uow.invoices.set_outcome(invoice["id"], "failed", error=error,
                                    expected=("open", "unconfirmed", "paid")):
        return
    lines = uow.invoices.lines([invoice["id"]])[invoice["id"]]
    subscription_ids = [line["subscription_id"] for line in lines if line["subscription_id"]]
    ends = Period.parse(invoice["period"]).bounds(ctx.tenant.timezone)[1]
    service_ids = uow.subscriptions.end(subscription_ids, ends, "payment_failed")
    _end_services(ctx, uow, service_ids, f"invoice {invoice['number']} unpaid: {error}")
    customer = uow.invoices.billing_details([invoice["customer_id"]])[invoice["customer_id"]]
    _tell(uow, ctx.tenant, invoice["customer_id"], "invoice_payment_failed",
          number=invoice["number"], amount=_total(invoice).to_dict(),
          options=[_option_name(ctx, line["option"], customer["locale"]) for line in lines])
    uow.audit.record("invoice.payment_failed", "invoice", invoice["id"],
                     after={"number": invoice["number"], "error": error[:200],
                            "subscriptions_ended": subscription_ids})


def reconcile(ctx: TenantContext, grace_seconds: float | None = None) -> int:
    """Settle invoices whose charge went unanswered (or was never recorded), by asking the
    gateway what it did with the invoice's key: a charge is recorded as if its answer had
    just come (an invoice credited meanwhile is refunded, never quietly paid), a decline is a
    refused charge, and a charge never made is made now, under the same key. Returns how many
    invoices were looked at."""
    grace = ctx.settings["CAAS_BILLING_RECONCILE_GRACE_SECONDS"] if grace_seconds is None \
        else grace_seconds
    with ctx.uow() as uow:
        invoice_ids = uow.invoices.in_status(("open", "unconfirmed", "credited_unconfirmed"),
                                             uow.now() - timedelta(seconds=grace))
        invoices = [uow.invoices.get(invoice_id) for invoice_id in invoice_ids]
    gateway = ctx.gateways.payments
    to_charge = []
    for invoice in invoices:
        try:
            found = gateway.lookup(_charge_key(ctx.tenant, invoice))
        except PaymentError:
            return 0  # still unreachable: the next pass asks again
        with ctx.uow() as uow:
            if found is None:
                if invoice["status"] == "credited_unconfirmed":
                    uow.invoices.set_outcome(invoice["id"], "credited",
                                             expected=("credited_unconfirmed",))
                else:
                    uow.invoices.set_outcome(invoice["id"], "open", expected=("unconfirmed",))
                    to_charge.append(invoice["id"])
            elif found.succeeded:
                payment_id = found.result(Payment.from_json).id
                if uow.invoices.set_outcome(invoice["id"], "paid", payment_id=payment_id):
                    uow.outbox.add(RECEIPTS, {"invoice_ids": [invoice["id"]]})
                else:
                    _paid_after_all(ctx, uow, invoice["id"], payment_id)
            elif invoice["status"] == "credited_unconfirmed":
                uow.invoices.set_outcome(invoice["id"], "credited",
                                         expected=("credited_unconfirmed",))
            else:
                _payment_failed(ctx, uow, invoice, _refusal_of(found))
            uow.commit()
        if found is not None and found.succeeded:
            settlements.apply_held(ctx, keys=[_charge_key(ctx.tenant, invoice)])
    # Never charged: the charge is made now, under each invoice's own key.
    charge_invoices(ctx, to_charge)
    return len(invoices)


def _refusal_of(found) -> str:
    try:
        found.result(Payment.from_json)
    except PaymentError as exc:
        return str(exc)
    return "refused"


def _paid_after_all(ctx: TenantContext, uow, invoice_id: int,
                    payment_id: str) -> None:
    """An invoice the customer's withdrawal credited before its charge was known turned out
    paid: refund it through its credit note."""
    if not uow.invoices.set_outcome(invoice_id, "credited", payment_id=payment_id,
                                    expected=("credited", "credited_unconfirmed")):
        return
    note = uow.invoices.credit_note_of(invoice_id)
    if note is not None and uow.invoices.set_outcome(note["id"], "refunding",
                                                     expected=("credited",)):
        uow.outbox.add(REFUND, {"credit_note_id": note["id"]})
        _owed_back(uow, note, lambda service, amount: service.owe_back(amount))
    uow.audit.record("invoice.refunded_after_credit", "invoice", invoice_id,
                     after={"payment_id": payment_id, "credit_note_id": note and note["id"]})


def payment_event(ctx: TenantContext, uow, invoice: dict, event: dict) -> str:
    """A settlement report about an invoice's charge (inside the webhook's transaction)."""
    if event["type"] == "payment.failed" and invoice["kind"] == "invoice":
        _payment_failed(ctx, uow, invoice, "settlement failed")
        return "invoice unpaid; subscriptions cancelled"
    return "settled" if event["type"] == "payment.settled" else "refund settled"


# --- automatic runs: every closed month not billed yet -----------------------------------

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


# --- one-time purchases and credit notes ------------------------------------------------

def _issue(ctx: TenantContext, uow, kind: str, customer_id: int,
           currency: str, lines: list[dict], **fields) -> int:
    """Number and write one invoice or credit note in the caller's transaction."""
    zone = ctx.tenant.timezone
    issued = rules.local_day(uow.now(), zone)
    series = _series(kind, issued.year)
    uow.invoices.lock_series(series)
    [seq] = uow.invoices.take_numbers(series, 1)
    customer = uow.invoices.billing_details([customer_id])[customer_id]
    terms = ctx.country.payment_terms_days
    invoice = {"number": _number(ctx, kind, issued.year, seq), "kind": kind,
               "customer_id": customer_id, "currency": currency,
               "net_minor": sum(line["net_minor"] for line in lines),
               "vat_minor": sum(line["vat_minor"] for line in lines),
               "total_minor": sum(line["total_minor"] for line in lines),
               "customer_name": customer["name"], "customer_tax_id": customer["tax_id"] or "",
               "customer_address": customer["address"] or {}, "locale": customer["locale"],
               "issue_date": issued, "due_date": rules.due_date(issued, terms), **fields}
    [invoice_id] = uow.invoices.add_many([invoice], [lines])
    announce_issued(uow, ctx.tenant.slug, [invoice_id], [invoice["number"]])
    return invoice_id


def _priced(kind: str, option: str, amount: Money, rate: Decimal, **fields) -> dict:
    line = rules.price_line(amount, rate)
    return {"kind": kind, "option": option, "net_minor": line.net.to_minor(),
            "vat_rate": str(rate), "vat_minor": line.vat.to_minor(),
            "total_minor": line.total.to_minor(), **fields}


def invoice_purchase(ctx: TenantContext, uow, service: Service) -> int | None:
    """Invoice a one-time purchase whose payment settled (in the webhook's transaction)."""
    if service.billing != "one_time" or uow.invoices.by_service(service.id):
        return None
    line = _priced("one_time", service.option, service.price, _rate(ctx))
    try:
        with uow.conn.begin_nested():
            invoice_id = _issue(ctx, uow, "invoice", service.customer_id,
                                service.price.currency, [line], service_id=service.id,
                                status="paid", payment_id=service.payment_id)
    except sa.exc.IntegrityError:
        return None  # invoiced meanwhile by another delivery of the same news
    if service.status is ServiceStatus.WITHDRAWN:
        # Withdrawn before the payment settled: its credit note follows the invoice.
        credit_withdrawal(ctx, uow, service, _withdrawal_refund(ctx,
                                                                             service))
    return invoice_id


def _withdrawal_refund(ctx: TenantContext, service: Service) -> Money:
    option = ctx.plugins.catalog_options.get(service.option)
    zone = ctx.tenant.timezone
    used = (rules.local_day(service.ended_at, zone) - rules.local_day(service.created_at,
                                                                      zone)).days
    return withdrawal_refund(ctx.country.withdrawal, service.price,
                             option.duration_days if option else None, used)


def credit(ctx: TenantContext, uow, invoice: dict, amounts: list[Money], *,
           refund: bool, service_id: int | None = None,
           subscription_id: int | None = None) -> int:
    """Issue a credit note against ``invoice``, a line per amount (VAT included); with
    ``refund`` their sum is also paid back on the invoice's charge."""
    rate = _rate(ctx)
    currency = amounts[0].currency
    lines = [_priced("credit", invoice.get("option") or "", Money(-amount.amount, currency), rate,
                     subscription_id=subscription_id) for amount in amounts]
    amount = Money(sum((amount.amount for amount in amounts), Decimal(0)), currency)
    note_id = _issue(ctx, uow, "credit_note", invoice["customer_id"],
                     currency, lines, credited_invoice_id=invoice["id"],
                     service_id=service_id, status="refunding" if refund else "credited")
    note = uow.invoices.get(note_id)
    if refund:
        uow.outbox.add(REFUND, {"credit_note_id": note_id})
    _tell(uow, ctx.tenant, invoice["customer_id"], "credit_note", number=note["number"],
          invoice=invoice["number"], amount=amount.rounded().to_dict())
    return note_id


def credit_withdrawal(ctx: TenantContext, uow, service: Service,
                      refund: Money | None) -> Money | None:
    """The customer withdrew from ``service``: credit what its invoices charged, per the
    country's refund rule (in the withdrawal's transaction).

    A one-time purchase not invoiced yet is credited when its invoice is issued; a
    subscription ends now, and the month under way is not billed at all.

    :returns: for a subscription, what its paid invoices' credit notes refund.
    """
    if service.billing == "one_time":
        invoice = uow.invoices.by_service(service.id)
        if invoice is not None and refund is not None and refund.amount > 0:
            credit(ctx, uow, dict(invoice, option=service.option), [refund],
                   refund=False, service_id=service.id)
        return None
    subscription = uow.subscriptions.by_service(service.id)
    if subscription is None:
        return None
    uow.subscriptions.end([subscription["id"]], uow.now(), "withdrawn")
    # One credit note per invoice not credited yet, crediting each of its lines of the
    # subscription (the month's price and its usage). A paid invoice is refunded; one not
    # paid is cancelled, never to be charged, and one whose charge is still unconfirmed is
    # looked up at the gateway by :func:`reconcile`, and refunded if it was paid after all.
    invoices = {invoice["id"]: invoice for invoice in uow.invoices.of_subscription(
        subscription["id"], CREDITABLE)}
    credited = uow.invoices.lines(list(invoices))
    owed = Money(0, service.price.currency)
    for invoice_id, invoice in invoices.items():
        paid = invoice["status"] == "paid"
        if not paid:
            uow.invoices.set_outcome(invoice_id, CANCELLED[invoice["status"]],
                                     expected=(invoice["status"],))
        amounts = [Money.from_minor(line["total_minor"], invoice["currency"])
                   for line in credited[invoice_id] if line["subscription_id"] == subscription["id"]]
        credit(ctx, uow, dict(invoice, option=service.option), amounts,
               refund=paid, service_id=service.id, subscription_id=subscription["id"])
        if paid:
            owed = Money(owed.amount + sum(amount.amount for amount in amounts), owed.currency)
    return owed


#: What a withdrawal credits, and what an invoice not paid becomes once credited.
CREDITABLE = ("paid", "open", "unconfirmed", "failed")
CANCELLED = {"open": "credited", "failed": "credited", "unconfirmed": "credited_unconfirmed"}


def refund_credit_note(ctx: TenantContext, credit_note_id: int) -> None:
    """Pay a credit note back on its invoice's charge; idempotent at the gateway."""
    with ctx.uow() as uow:
        note = uow.invoices.get(credit_note_id)
        invoice = uow.invoices.get(note["credited_invoice_id"])
    if note["status"] != "refunding":
        return
    amount = Money.from_minor(-note["total_minor"], note["currency"])
    refund = ctx.gateways.payments.refund(
        invoice["payment_id"], idempotency_key=f"{ctx.tenant.slug}:credit:{note['number']}",
        amount=amount)
    with ctx.uow() as uow:
        if uow.invoices.set_outcome(credit_note_id, "refunded", expected=("refunding",)):
            _owed_back(uow, note, _refunded)
            uow.audit.record("payment.refunded", "invoice", invoice["id"],
                             before={"credit_note": note["number"], "status": "refunding"},
                             after={"credit_note": note["number"], "status": "refunded",
                                    "refund_id": refund.id, "amount": refund.amount.to_dict()})
        uow.commit()


def _owed_back(uow, note: dict, change) -> None:
    """Apply ``change(service, amount)`` to the service a credit note gives money back for."""
    if note.get("service_id") is None:
        return
    service = uow.services.get(note["service_id"])
    change(service, Money.from_minor(-note["total_minor"], note["currency"]))
    uow.services.save(service)


def _refunded(service: Service, amount: Money) -> None:
    service.refunded_more(amount)
    refund = service.refund()
    if refund is not None and refund["status"] == "refunded":
        service.payment_status = "refunded"


# --- reads ---------------------------------------------------------------------------------

def _money(minor: int, currency: str) -> Money:
    return Money.from_minor(minor, currency)


def _invoice_view(invoice: dict, lines: list[dict]) -> dict:
    currency = invoice["currency"]
    return {**{key: invoice[key] for key in (
        "id", "number", "kind", "customer_id", "period", "service_id", "currency", "status",
        "customer_name", "customer_tax_id", "customer_address", "locale", "issue_date",
        "due_date", "payment_id", "credited_invoice_id")},
        "net": _money(invoice["net_minor"], currency),
        "vat": _money(invoice["vat_minor"], currency),
        "total": _money(invoice["total_minor"], currency),
        "lines": [{"kind": line["kind"], "option": line["option"], "period": line["period"],
                   "days": line["days"], "days_in_period": line["days_in_period"],
                   "vat_rate": line["vat_rate"], "net": _money(line["net_minor"], currency),
                   "vat": _money(line["vat_minor"], currency),
                   "total": _money(line["total_minor"], currency), **_usage_view(line, currency)}
                  for line in lines]}


def _usage_view(line: dict, currency: str) -> dict:
    """A usage line's quantities: used, included, billed beyond it, and the unit price."""
    if line["quantity"] is None:
        return {"quantity": None, "included": None, "billed": None, "unit": None,
                "unit_price": None}
    used, included = Decimal(line["quantity"]), Decimal(line["included"])
    return {"quantity": line["quantity"], "included": line["included"],
            "billed": str(max(used - included, Decimal(0)).quantize(used)),
            "unit": line["unit"], "unit_price": _money(line["unit_price_minor"], currency)}


def invoices(ctx: TenantContext, customer_id: int | None, offset: int,
             limit: int) -> tuple[list[dict], int]:
    """Invoices and credit notes, newest first: the customer's own, or all for staff."""
    with ctx.uow() as uow:
        found, total = uow.invoices.page(offset, limit, customer_id)
        lines = uow.invoices.lines([invoice["id"] for invoice in found])
    return [_invoice_view(invoice, lines[invoice["id"]]) for invoice in found], total


def invoice(ctx: TenantContext, invoice_id: int,
            customer_id: int | None) -> dict:
    with ctx.uow() as uow:
        found = uow.invoices.get(invoice_id)
        if found is None or (customer_id is not None and found["customer_id"] != customer_id):
            raise NotFound(lazy_gettext("Invoice %(id)s not found.", id=invoice_id))
        return _invoice_view(found, uow.invoices.lines([invoice_id])[invoice_id])


def invoice_document(ctx: TenantContext, invoice_id: int,
                     customer_id: int | None) -> str:
    """The invoice as an HTML page in the customer's language."""
    found = invoice(ctx, invoice_id, customer_id)
    credited = None
    if found["credited_invoice_id"]:
        credited = invoice(ctx, found["credited_invoice_id"], customer_id)["number"]
    return invoice_documents.render_html(ctx, found, credited)


def run_view(ctx: TenantContext, run_id: int) -> dict:
    """A billing run's outcome: invoices created, amounts per currency, failures."""
    with ctx.uow() as uow:
        found = uow.billing_runs.get(run_id)
        if found is None:
            raise NotFound(lazy_gettext("Billing run %(id)s not found.", id=run_id))
        outcome = uow.invoices.run_outcome(run_id)
        failures = uow.invoices.failures(run_id)
    amounts: dict[str, Money] = {}
    by_status: dict[str, int] = defaultdict(int)
    for row in outcome:
        amounts[row["currency"]] = amounts.get(row["currency"], Money(0, row["currency"])) + \
            _money(row["total_minor"] or 0, row["currency"])
        by_status[row["status"]] += row["count"]
    return {**found, "invoices": sum(by_status.values()), "by_status": dict(by_status),
            "amounts": list(amounts.values()), "failures": failures}


def runs(ctx: TenantContext, offset: int, limit: int) -> tuple[list[dict], int]:
    with ctx.uow() as uow:
        found, total = uow.billing_runs.page(offset, limit)
    return [run_view(ctx, row["id"]) for row in found], total

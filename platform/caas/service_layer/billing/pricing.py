"""Prices: VAT-included lines, a subscription's monthly and usage prices in a period, and
moving running subscriptions to the catalog's current price."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from caas.domain import billing as rules
from caas.domain import usage
from caas.domain.billing import Period
from caas.domain.money import Money
from caas.domain.subscriptions import Subscription
from caas.i18n import lazy_gettext
from caas.service_layer import catalog
from caas.service_layer.billing.notices import option_label, tell_each
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import NotFound

_NO_USAGE = dict.fromkeys(("quantity", "included", "unit", "unit_price_minor"))


def vat_rate(ctx: TenantContext) -> Decimal:
    country = ctx.country
    return country.vat_rates[country.invoice_vat_rate]


def priced_line(kind: str, option: str, amount: Money, rate: Decimal, **fields) -> dict:
    line = rules.price_line(amount, rate)
    return {"kind": kind, "option": option, "net_minor": line.net.to_minor(),
            "vat_rate": str(rate), "vat_minor": line.vat.to_minor(),
            "total_minor": line.total.to_minor(), **fields}


def usage_charges(ctx: TenantContext, uow, period: Period, bounds: tuple[datetime, datetime],
                  subscriptions: list[Subscription]) -> dict[int, usage.UsageCharge]:
    """What the period's usage costs for each subscription with usage pricing; the usage of
    the whole batch is read with one grouped query."""
    options = ctx.plugins.catalog_options
    priced = {subscription.id: (subscription, pricing) for subscription in subscriptions
              if (pricing := subscription.usage_pricing(period))
              and getattr(options.get(subscription.option), "usage", None)}
    if not priced:
        return {}
    metrics = {subscription.option: options[subscription.option].usage.metric
               for subscription, _ in priced.values()}
    used = uow.usage.billable_sums(list(priced), metrics, *bounds)
    decimals = {metric: usage.metric_decimals(options.values(), metric)
                for metric in set(metrics.values())}
    return {subscription_id: usage.usage_charge(
        used.get(subscription_id, 0), pricing, decimals[metrics[subscription.option]])
        for subscription_id, (subscription, pricing) in priced.items()}


def usage_lines(ctx: TenantContext, charges: dict[int, usage.UsageCharge], items: list,
                period: Period, rate: Decimal) -> list[tuple[dict, rules.PricedLine]]:
    """The usage lines of one invoice's subscriptions, each with its priced amounts. A usage
    within the included quantity is a line of zero, so the customer sees what was used."""
    metered = []
    for subscription, _ in items:
        charge = charges.get(subscription.id)
        if charge is None:
            continue
        metric = ctx.plugins.catalog_options[subscription.option].usage
        decimals = usage.metric_decimals(ctx.plugins.catalog_options.values(), metric.metric)
        line = rules.price_line(charge.amount, rate)
        metered.append(({
            "kind": "usage", "subscription_id": subscription.id, "period": str(period),
            "option": subscription.option, "days": None, "days_in_period": None,
            "net_minor": line.net.to_minor(), "vat_rate": str(line.vat_rate),
            "vat_minor": line.vat.to_minor(), "total_minor": line.total.to_minor(),
            "quantity": str(usage.from_steps(charge.used, decimals)),
            "included": str(usage.from_steps(charge.included, decimals)),
            "unit": metric.unit, "unit_price_minor": charge.unit_price.to_minor()}, line))
    return metered


def with_usage(rows: list[dict], metered: list[tuple[dict, rules.PricedLine]]) -> list[dict]:
    """An invoice's lines: the subscriptions' (without quantities), then their usage."""
    return [{**_NO_USAGE, **row} for row in rows] + [row for row, _ in metered]


def move_prices(ctx: TenantContext, code: str, notice_days: int) -> dict:
    """Move running subscriptions of ``code`` to the catalog's current price, from the first
    month that starts after ``notice_days`` of notice; each customer is told.

    New subscriptions take the catalog price at purchase; existing ones keep theirs until
    moved here.

    :raises NotFound: the tenant does not sell ``code`` monthly.
    """
    with ctx.uow() as uow:
        setting, period = _price_move(ctx, uow, code, notice_days)
        price = setting["price"]
        moved = uow.subscriptions.move_price(code, str(period), **_new_prices(setting))
        details = uow.invoices.billing_details(sorted({row["customer_id"] for row in moved}))
        usage_pricing = catalog.usage_pricing(ctx, ctx.plugins.option(code), setting)
        tell_each(uow, ctx.tenant, "price_change", [(customer_id, {
            "amount": price.to_dict(),
            "options": [option_label(ctx, code, details[customer_id]["locale"])],
            "date": period.first_day.isoformat(), **_usage_notice(ctx, code, usage_pricing)})
            for customer_id in sorted({row["customer_id"] for row in moved})])
        uow.audit.record("subscriptions.price_moved", "catalog_option", code, after={
            "price": price.to_dict(), "from": str(period), "subscriptions": len(moved),
            **_usage_notice(ctx, code, usage_pricing)})
        uow.commit()
    return {"option": code, "price": price, "effective_from": str(period),
            "subscriptions": len(moved), **usage_pricing}


def preview_price_move(ctx: TenantContext, code: str, notice_days: int,
                       shown: int = 5) -> dict:
    """What :func:`move_prices` would do now, changing nothing: the new prices, the first
    month billed at them and its first day (the notice date), how many subscriptions and
    customers it moves, and the first ``shown`` of those customers.

    :raises NotFound: the tenant does not sell ``code`` monthly.
    """
    with ctx.reader() as uow:
        setting, period = _price_move(ctx, uow, code, notice_days)
        moving = uow.subscriptions.to_move(code, **_new_prices(setting))
        customers = sorted({row["customer_id"] for row in moving})
        people = uow.users.many(customers[:shown])
    return {"option": code, "price": setting["price"], "effective_from": str(period),
            "applies_on": period.first_day, "subscriptions": len(moving),
            "customers": len(customers),
            "first_customers": [people[customer_id] for customer_id in customers[:shown]
                                if customer_id in people],
            **catalog.usage_pricing(ctx, ctx.plugins.option(code), setting)}


def _price_move(ctx: TenantContext, uow, code: str, notice_days: int) -> tuple[dict, Period]:
    """The option's setting, and the first month that starts after ``notice_days`` from
    today: the one a price move bills at the new price."""
    setting = uow.catalog_settings.get(code)
    if setting is None or setting["billing"] != "monthly":
        raise NotFound(lazy_gettext("The option '%(code)s' is not sold monthly here.",
                                    code=code))
    today = rules.local_day(uow.now(), ctx.tenant.timezone)
    notice_ends = today + timedelta(days=notice_days)
    period = Period.of(notice_ends)
    if notice_ends != period.first_day:
        period = period.next()
    return setting, period


def _new_prices(setting: dict) -> dict:
    """The catalog's prices a running subscription moves to, as the repository takes them."""
    usage_price = setting["usage_price"]
    return {"price_minor": setting["price"].to_minor(),
            "usage_price_minor": usage_price and usage_price.to_minor(),
            "usage_included": setting["usage_included"]}


def _usage_notice(ctx: TenantContext, code: str, pricing: dict) -> dict:
    """The usage price a price move's notice states, if the option has one."""
    if pricing["usage_price"] is None:
        return {}
    return {"usage": {"price": pricing["usage_price"].to_dict(), "included": pricing["included"],
                      "unit": ctx.plugins.option(code).usage.unit}}

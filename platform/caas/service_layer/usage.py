"""Usage telemetry: the vehicles' daily readings (e.g. connectivity data), kept for month-end
billing's usage lines.

A reading is one vehicle's quantity of one metric on one local day of the tenant. A
second report of the same day is a correction and replaces the first, until that
month has been invoiced for the vehicle: from then on its usage is final, and a late
or corrected reading is refused (409) without changing anything.
"""
from __future__ import annotations

from caas.domain import billing as rules
from caas.domain import usage
from caas.domain.billing import Period
from caas.domain.catalog import CatalogOption
from caas.i18n import exception_text, lazy_gettext
from caas.service_layer.billing.numbering import SERIES
from caas.service_layer.catalog import own_vehicle
from caas.service_layer.errors import Conflict, Invalid, NotFound
from caas.service_layer.context import TenantContext

SYSTEM = "telemetry"


def measuring(ctx: TenantContext, metric: str) -> dict[str, CatalogOption]:
    """Loaded options that measure ``metric``, by code."""
    return {code: option for code, option in ctx.plugins.catalog_options.items()
            if option.usage is not None and option.usage.metric == metric}


def receive_reading(ctx: TenantContext, event: dict) -> str:
    """Record a vehicle's usage of one day; a repeated event changes nothing.

    :raises NotFound: the vehicle is not one of this tenant's.
    :raises Invalid: a metric no option of the tenant's catalog measures, a quantity finer
        than the metric or negative, or a day after today in the tenant's time zone.
    :raises Conflict: the day's month is already invoiced for this vehicle.
    """
    vin, metric, day = event["vin"], event["metric"], event["day"]
    with ctx.uow() as uow:
        if uow.webhooks.seen(SYSTEM, event["event_id"]):
            return "duplicate"
        if uow.vehicles.get(vin) is None:
            raise NotFound(lazy_gettext("Vehicle %(vin)s is not one of this tenant's.", vin=vin))
        options = measuring(ctx, metric)
        sold = uow.catalog_settings.all()
        if not any(code in sold for code in options):
            raise Invalid(lazy_gettext("No option of this catalog measures that metric."),
                          {"metric": [lazy_gettext("Unknown metric '%(metric)s'.", metric=metric)]})
        decimals = usage.metric_decimals(ctx.plugins.catalog_options.values(), metric)
        try:
            quantity = usage.to_steps(event["quantity"], decimals)
        except usage.InvalidQuantity as exc:
            raise Invalid(lazy_gettext("Invalid quantity."), {"quantity": [exception_text(exc)]})
        now = uow.now()
        if day > rules.local_day(now, ctx.tenant.timezone):
            raise Invalid(lazy_gettext("A reading cannot be of a day still to come."), {"day": [
                lazy_gettext("After today in the tenant's time zone.")]})
        period = Period.of(day)
        if period.closed_by(now, ctx.tenant.timezone):
            # Its run may be under way: taken as the run takes it first, so the reading is
            # either in the run's sum or finds the month invoiced. A month still under way is
            # billed by no run yet, so its readings (nearly all of them) never wait.
            year = rules.local_day(now, ctx.tenant.timezone).year
            uow.invoices.lock_series(f"{SERIES['invoice']}-{year}")
        if uow.usage.invoiced(vin, list(options), str(period)):
            raise Conflict(lazy_gettext("The usage of %(period)s is already invoiced for this "
                                        "vehicle; it can no longer change.", period=str(period)),
                           reason="period_invoiced")
        before = uow.usage.get(vin, metric, day)
        starts, ends = usage.day_bounds(day, ctx.tenant.timezone)
        uow.usage.put(vin=vin, metric=metric, day=day, quantity=quantity, starts_at=starts,
                      ends_at=ends, event_id=event["event_id"])
        outcome = "corrected" if before else "recorded"
        if not uow.webhooks.record(SYSTEM, event["event_id"], {
                "vin": vin, "metric": metric, "day": day.isoformat(),
                "quantity": str(event["quantity"])}, outcome):
            return "duplicate"
        uow.commit()
    return outcome


def vehicle_usage(ctx: TenantContext, vin: str, customer_id: int | None,
                  period: Period) -> dict:
    """The vehicle's daily readings of a month, with each metric's total, for its owner (a
    customer's own vehicle) or staff.

    :raises NotFound: not the customer's vehicle.
    """
    options = ctx.plugins.catalog_options.values()
    units = {option.usage.metric: option.usage.unit for option in options if option.usage}
    with ctx.uow() as uow:
        own_vehicle(uow, vin, customer_id)
        readings = uow.usage.of_vehicle(vin, period.first_day, period.last_day)
    metrics: dict[str, dict] = {}
    for reading in readings:
        decimals = usage.metric_decimals(options, reading["metric"])
        entry = metrics.setdefault(reading["metric"], {
            "metric": reading["metric"], "unit": units.get(reading["metric"]), "steps": 0,
            "decimals": decimals, "days": []})
        entry["steps"] += reading["quantity"]
        entry["days"].append({"day": reading["day"],
                              "quantity": str(usage.from_steps(reading["quantity"], decimals))})
    return {"vin": vin, "period": str(period), "metrics": [
        {**{key: entry[key] for key in ("metric", "unit", "days")},
         "total": str(usage.from_steps(entry["steps"], entry["decimals"]))}
        for entry in metrics.values()]}

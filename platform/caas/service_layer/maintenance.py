"""Maintenance, as the VSS knows it: reminders when it is due, and the record a customer sees.

The VSS is asked vehicle by vehicle (its API has no query for "everything due"). Each
answer is kept (:class:`~caas.adapters.sql.notifications.MaintenanceRecords`), so that the
customer's record still shows the maintenance history, marked stale, while the VSS is down.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta

from caas.adapters.http.vss import Maintenance, VssError, VssUnavailable
from caas.domain.notifications import MAINTENANCE_DUE
from caas.service_layer.notifications import notify
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
REMIND = "remind_maintenance"


def _record(maintenance: Maintenance) -> dict:
    record = asdict(maintenance)
    for key in ("last_service", "next_due"):
        record[key] = record[key] and record[key].isoformat()
    return record


def remind(ctx: TenantContext) -> int:
    """Remind every owner whose vehicle's maintenance is due within
    ``CAAS_MAINTENANCE_NOTICE_DAYS`` (or overdue), on every routed channel; returns how many.

    A vehicle is reminded once per due date: the database refuses a second reminder, so
    the job may run as often, and on as many machines, as one likes.

    :raises VssUnavailable: the VSS stopped answering; the job is tried again later.
    """
    today = ctx.clock.today(ctx.tenant.timezone)
    horizon = today + timedelta(days=ctx.settings["CAAS_MAINTENANCE_NOTICE_DAYS"])
    with ctx.uow() as uow:
        vehicles = uow.reminders.owned_vehicles()
    vss = ctx.gateways.vss
    sent = 0
    for vehicle in vehicles:
        try:
            maintenance = vss.maintenance(vehicle["vin"])
        except VssUnavailable:
            raise
        except VssError as exc:
            log.warning("VSS refused a maintenance query: %s", exc, extra={"vin": vehicle["vin"]})
            continue
        with ctx.uow() as uow:
            uow.maintenance.put(vehicle["vin"], _record(maintenance))
            due = maintenance.next_due
            if due is not None and due <= horizon and uow.reminders.claim(
                    vehicle["vin"], due, vehicle["customer_id"]):
                notify(uow, ctx.tenant, vehicle["customer_id"], MAINTENANCE_DUE, "maintenance_due",
                       {"vin": vehicle["vin"], "plate": vehicle["plate"],
                        "due_date": due.isoformat(), "overdue": due < today},
                       vin=vehicle["vin"], order_id=vehicle["order_id"])
                sent += 1
            uow.commit()
    return sent


def maintenance_view(ctx: TenantContext, vin: str) -> dict:
    """The vehicle's maintenance from the VSS; its last known answer, ``stale``, when the VSS
    cannot answer; ``available: false`` when there is none."""
    try:
        record = _record(ctx.gateways.vss.maintenance(vin))
    except VssError as exc:
        with ctx.uow() as uow:
            cached = uow.maintenance.get(vin)
        if cached is None:
            return {"vin": vin, "available": False, "stale": True, "fetched_at": None,
                    "error": str(exc), "history": []}
        record, fetched_at = cached
        return {**record, "available": True, "stale": True, "fetched_at": fetched_at,
                "error": str(exc)}
    with ctx.uow() as uow:
        fetched_at = uow.maintenance.put(vin, record)
        uow.commit()
    return {**record, "available": True, "stale": False, "fetched_at": fetched_at,
            "error": None}


TASKS = (Task(REMIND, remind),)

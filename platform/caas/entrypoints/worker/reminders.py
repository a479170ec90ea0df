"""Outbox handlers of the notification engine: one channel delivery, one tenant's reminders."""
from __future__ import annotations

from caas.entrypoints.worker.outbox import current_context, handler
from caas.service_layer import maintenance, notifications


@handler(notifications.DELIVER)
def deliver_notification(payload: dict, job_key: str) -> None:
    # Raises while the channel fails: retried with backoff, each attempt recorded.
    notifications.deliver(current_context(), payload["notification_id"],
                          payload.get("secrets", {}), job_key)


@handler(maintenance.REMIND)
def remind_maintenance(payload: dict, job_key: str) -> None:
    # Raises while the VSS cannot answer; reminders already sent are not sent again.
    maintenance.remind(current_context())


def schedule_reminders(platform, slugs=None) -> int:
    """Queue the maintenance reminders of every active tenant (or of those in ``slugs``),
    one job each; returns how many."""
    scheduled = 0
    for tenant in platform.tenants():
        if tenant.status == "active" and (slugs is None or tenant.slug in slugs):
            with platform.tenant_uow(tenant.slug) as uow:
                uow.outbox.add(maintenance.REMIND, {})
                uow.commit()
            scheduled += 1
    return scheduled

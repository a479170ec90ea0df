"""Outbox handlers of the notification engine: one channel delivery, one tenant's reminders."""
from __future__ import annotations

from caas.jobs.tasks import current_platform, handler
from caas.service_layer import maintenance, notifications
from caas.tenancy import current_tenant


@handler(notifications.DELIVER)
def deliver_notification(payload: dict, job_key: str) -> None:
    # Raises while the channel fails: retried with backoff, each attempt recorded.
    notifications.deliver(current_platform(), current_tenant(), payload["notification_id"],
                          payload.get("secrets", {}), job_key)


@handler(maintenance.REMIND)
def remind_maintenance(payload: dict, job_key: str) -> None:
    # Raises while the VSS cannot answer; reminders already sent are not sent again.
    maintenance.remind(current_platform(), current_tenant())


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

"""Time-based jobs: the month-end billing check, on APScheduler's cron trigger.

The scheduler only *sends* jobs (one per tenant); workers bill. Several
schedulers may run: a month is billed once whatever happens, because every
invoice line is unique per (subscription, month) in the tenant's database.
"""
from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)


def _check(app) -> None:
    from caas.entrypoints.worker.fanout import billing_tick
    with app.app_context():
        sent = billing_tick(app.extensions["caas"], "schedule")
    log.info("billing check sent for %s tenants", sent)


def _scheduler(kind, app, schedule: str):
    scheduler = kind(timezone="UTC")
    # One check at a time, and a check missed while down runs once when back.
    scheduler.add_job(_check, CronTrigger.from_crontab(schedule, timezone="UTC"), args=(app,),
                      id="billing-check", max_instances=1, coalesce=True,
                      misfire_grace_time=3600)
    return scheduler


def blocking(platform, schedule: str) -> None:
    """Run the schedule in this process until interrupted (``caas billing scheduler``)."""
    from flask import current_app
    _scheduler(BlockingScheduler, current_app._get_current_object(), schedule).start()


def background(app, schedule: str) -> BackgroundScheduler:
    """The embedded default's schedule, in a thread of the web process."""
    scheduler = _scheduler(BackgroundScheduler, app, schedule)
    scheduler.start()
    return scheduler

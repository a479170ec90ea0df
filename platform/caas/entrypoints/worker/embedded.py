"""The embedded default's in-process worker, outbox relay and schedules."""
from __future__ import annotations

import logging
import threading
import time

from dramatiq import Worker

log = logging.getLogger(__name__)


class EmbeddedWorker:
    """Worker threads plus the outbox relay, activation sweeper, payment reconciliation and
    maintenance reminder loop, inside the web process."""

    def __init__(self, app, broker, threads: int = 4, relay_every: float = 10.0):
        self.app = app
        self.worker = Worker(broker, worker_threads=threads, worker_timeout=100)
        self.relay_every = relay_every
        self._stop = threading.Event()
        self._relay = threading.Thread(target=self._relay_loop, name="caas-outbox-relay",
                                       daemon=True)

    def start(self) -> "EmbeddedWorker":
        from caas.entrypoints.worker import scheduler
        self.worker.start()
        self._relay.start()
        self._billing = scheduler.background(self.app, self.app.config["CAAS_BILLING_SCHEDULE"])
        return self

    def _relay_loop(self) -> None:
        from caas.entrypoints.worker.fanout import schedule_reminders
        from caas.entrypoints.worker.fanout import reconcile_payments, relay, sweep
        remind_every = self.app.config["CAAS_MAINTENANCE_REMINDER_SECONDS"]
        reminded = float("-inf")
        while not self._stop.wait(self.relay_every):
            tasks = [("outbox relay", relay), ("activation sweep", sweep),
                     ("payment reconciliation", reconcile_payments)]
            if remind_every and time.monotonic() - reminded >= remind_every:
                reminded = time.monotonic()
                tasks.append(("maintenance reminders", schedule_reminders))
            for name, task in tasks:
                try:
                    with self.app.app_context():
                        task(self.app.extensions["caas"])
                except Exception:
                    log.exception("%s pass failed", name)

    def stop(self) -> None:
        self._stop.set()
        if getattr(self, "_billing", None) is not None:
            self._billing.shutdown(wait=False)
        self.worker.stop()

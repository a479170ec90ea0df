"""Actors. Thin and idempotent: they take ids, never objects, and look the rest up."""
from __future__ import annotations

import logging

import dramatiq
from dramatiq.brokers.stub import StubBroker

from caas.entrypoints.worker import outbox

log = logging.getLogger(__name__)

# Declared against a placeholder broker; :func:`bind` moves them to the configured one.
_placeholder = StubBroker()


@dramatiq.actor(broker=_placeholder, queue_name="outbox", max_retries=8,
                min_backoff=1000, max_backoff=300_000)
def run_outbox_task(outbox_id: int):
    """Run the outbox job ``outbox_id`` of the message's tenant, at most once to completion."""
    outbox.run(outbox_id)


@dramatiq.actor(broker=_placeholder, queue_name="ota", max_retries=3, min_backoff=1000)
def retry_activation(service_id: int):
    """A scheduled OTA activation attempt; the attempt count lives in the database."""
    outbox.retry_activation(service_id)


# --- month-end billing --------------------------------------------------------------------

@dramatiq.actor(broker=_placeholder, queue_name="billing", max_retries=5, min_backoff=5000)
def bill_due(trigger: str):
    """Bill every month the tenant's clock has closed; each run's batches are outbox jobs."""
    outbox.bill_due_periods(trigger)


ACTORS = (run_outbox_task, retry_activation, bill_due)


def bind(broker: dramatiq.Broker) -> None:
    for actor in ACTORS:
        actor.broker = broker
        broker.declare_actor(actor)

"""Actors, and what sends them. Thin and idempotent: they take ids, never objects.

The broker never retries (``max_retries=0``): an outbox job retries through the outbox
(its attempts and due time are rows), and a lost message is re-sent by the relay; an
activation attempt's schedule is the activation's own, kept in the database and re-sent
by the sweeper.
"""
from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

from caas.entrypoints.worker import outbox

# Declared against a placeholder broker; :func:`bind` moves them to the configured one.
_placeholder = StubBroker()


@dramatiq.actor(broker=_placeholder, queue_name="outbox", max_retries=0)
def run_outbox_task(outbox_id: int):
    """Run the outbox job ``outbox_id`` of the message's tenant, at most once to completion."""
    outbox.run(outbox_id)


@dramatiq.actor(broker=_placeholder, queue_name="ota", max_retries=0)
def retry_activation(service_id: int):
    """A scheduled OTA activation attempt; the attempt count lives in the database."""
    outbox.run_activation_attempt(service_id)


ACTORS = (run_outbox_task, retry_activation)


def bind(broker: dramatiq.Broker) -> None:
    for actor in ACTORS:
        actor.broker = broker
        broker.declare_actor(actor)


def dispatch(tenant_slug: str, outbox_ids: list[int], delay_seconds: float = 0) -> None:
    """Send outbox jobs to the broker, stamped with their tenant, due after ``delay_seconds``."""
    delay = int(delay_seconds * 1000) or None
    for outbox_id in outbox_ids:
        run_outbox_task.send_with_options(args=(outbox_id,), delay=delay, tenant=tenant_slug)


def schedule_activation(tenant_slug: str, service_id: int, delay_seconds: float) -> None:
    """Send an activation attempt to the broker, due after ``delay_seconds``."""
    retry_activation.send_with_options(args=(service_id,), delay=int(delay_seconds * 1000),
                                       tenant=tenant_slug)

"""The registry the worker reads: every background task, from the use cases declaring it."""
from __future__ import annotations

from caas.service_layer import (activation, deactivation, factory, maintenance, notifications,
                                plugin_events, registration, service_payments, settlements)
from caas.service_layer.billing import charging, credit_notes, runs
from caas.service_layer.tasks import Task

DECLARING = (plugin_events, factory, registration, activation, service_payments, deactivation,
             settlements, runs, charging, credit_notes, notifications, maintenance)


def _registry() -> dict[str, Task]:
    registry: dict[str, Task] = {}
    for module in DECLARING:
        for task in module.TASKS:
            if task.name in registry:
                raise RuntimeError(f"background task {task.name!r} is declared twice")
            registry[task.name] = task
    return registry


REGISTRY = _registry()

"""The registry the worker reads: every background task, from the use cases declaring it."""
from __future__ import annotations

from caas.service_layer import (activation, billing, factory, maintenance, notifications,
                                plugin_events, registration, settlements)
from caas.service_layer.tasks import Task

DECLARING = (plugin_events, factory, registration, activation, settlements, billing,
             notifications, maintenance)


def _registry() -> dict[str, Task]:
    registry: dict[str, Task] = {}
    for module in DECLARING:
        for task in module.TASKS:
            if task.name in registry:
                raise RuntimeError(f"background task {task.name!r} is declared twice")
            registry[task.name] = task
    return registry


REGISTRY = _registry()

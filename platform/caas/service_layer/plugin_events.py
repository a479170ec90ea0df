"""Event hooks run after commit: each published event is an outbox job of its own."""
from __future__ import annotations

from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

PUBLISH = "plugin_event"


def call(ctx: TenantContext, hook: str, kwargs: dict) -> None:
    """Call every plugin's ``hook``. A plugin's failure is logged with its name and not
    retried: the change it reacts to is committed and the other plugins have had their call."""
    ctx.plugins.call_each(hook, **kwargs)


TASKS = (Task(PUBLISH, call),)

"""JSON logs that carry the tenant, the request id and the user id."""
from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from caas.context import current_actor, current_request_id
from caas.tenancy import current_tenant_or_none


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        tenant = current_tenant_or_none()
        actor = current_actor()
        record.tenant = getattr(record, "tenant", None) or (tenant.slug if tenant else None)
        record.request_id = current_request_id()
        record.user_id = actor.id
        record.role = actor.role
        return True


def configure(level: str = "INFO", json_output: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if json_output:
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(tenant)s %(request_id)s "
            "%(user_id)s", rename_fields={"levelname": "level", "asctime": "time"}))
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(tenant)s %(request_id)s] %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, "_caas", False)]:
        root.removeHandler(existing)
    handler._caas = True
    root.addHandler(handler)
    root.setLevel(level)

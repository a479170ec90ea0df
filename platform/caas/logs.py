"""Logs that carry the tenant, the request id and the user id: JSON for machines, plain
lines for a person at a terminal."""
from __future__ import annotations

import logging
import sys
from typing import TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from caas.context import current_actor, current_request_id
from caas.tenancy import current_tenant_or_none

#: Attributes the context filter adds to every record; the plain format shows them itself.
CONTEXT_ATTRS = ("tenant", "request_id", "user_id", "role")
#: Libraries whose INFO lines narrate their own workings (Alembic's "Running upgrade ...",
#: APScheduler's "Added job", httpx's every outgoing request, the SMTP sandbox's every
#: session, the development server's access lines, which ``caas.access`` logs already):
#: kept at WARNING.
QUIET_LOGGERS = ("alembic", "apscheduler", "httpx", "mail.log", "werkzeug")


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        tenant = current_tenant_or_none()
        actor = current_actor()
        record.tenant = getattr(record, "tenant", None) or (tenant.slug if tenant else None)
        record.request_id = current_request_id()
        record.user_id = actor.id
        record.role = actor.role
        return True


class PlainFormatter(logging.Formatter):
    """``12:08:51 INFO    caas.access [es-demo 3f2a…] request method=GET status=200``: the
    tenant and request when there are some, then the record's extra fields."""

    _SKIP = frozenset(RESERVED_ATTRS) | frozenset(CONTEXT_ATTRS) | {"message", "taskName"}

    def format(self, record: logging.LogRecord) -> str:
        where = " ".join(str(value) for value in (getattr(record, "tenant", None),
                                                  getattr(record, "request_id", None)) if value)
        extra = " ".join(f"{key}={value}" for key, value in vars(record).items()
                         if key not in self._SKIP)
        line = " ".join(part for part in (
            self.formatTime(record, "%H:%M:%S"), f"{record.levelname:<7}", record.name,
            f"[{where}]" if where else "", record.getMessage(), extra) if part)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


def json_wanted(setting: bool | None, production: bool = False,
                stream: TextIO | None = None) -> bool:
    """JSON when ``setting`` says so (``CAAS_LOG_JSON``, see :func:`caas.config.on_off`);
    left unset, JSON unless ``stream`` (stderr) is a terminal outside production."""
    if setting is not None:
        return setting
    stream = stream if stream is not None else sys.stderr
    return production or not (hasattr(stream, "isatty") and stream.isatty())


def configure(level: str = "INFO", json_output: bool = True, stream: TextIO | None = None) -> None:
    """Send every log record to ``stream`` (stderr), as JSON or as plain lines.

    Replaces the handler an earlier call installed, so an app built again reconfigures.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(ContextFilter())
    if json_output:
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(tenant)s %(request_id)s "
            "%(user_id)s", rename_fields={"levelname": "level", "asctime": "time"}))
    else:
        handler.setFormatter(PlainFormatter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if getattr(h, "_caas", False)]:
        root.removeHandler(existing)
    handler._caas = True
    root.addHandler(handler)
    root.setLevel(level)
    # Their INFO lines are noise on every command; DEBUG (debugging a migration) shows them.
    quiet = logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)

"""Who is acting and under which request id: read by the audit log and the logs."""
from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The person or system behind a change."""

    role: str  # operator, admin, employee, customer, or "system"
    id: int | None = None
    email: str | None = None
    tenant: str | None = None  # the tenant the token belongs to; None for operators
    locale: str | None = None  # the person's language (customers and staff); None: operators


SYSTEM = Actor(role="system", email="system")

actor_var: contextvars.ContextVar[Actor] = contextvars.ContextVar("caas_actor", default=SYSTEM)
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("caas_request_id",
                                                                          default=None)


def current_actor() -> Actor:
    return actor_var.get()


def current_request_id() -> str | None:
    return request_id_var.get()

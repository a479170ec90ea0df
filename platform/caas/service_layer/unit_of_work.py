"""The unit of work use cases write through, and the conflicts its repositories report.

The SQL implementation is :mod:`caas.adapters.sql.unit_of_work`; the fast tests use an
in-memory one. Both raise the errors below, never a database driver's.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol


class Duplicate(Exception):
    """A write met a row that must be unique: someone made it first."""


class StaleOrder(Exception):
    """The order changed since it was read; the caller's view of it is out of date."""


class PaymentInProgress(Exception):
    """Another payment of the same kind for the same order is being processed."""


class AlreadyPaid(Exception):
    """This part of the order has been paid: another attempt would charge it twice."""


class StaleTicket(Exception):
    """The ticket's status or assignee changed since it was read."""


class StaleService(Exception):
    """The service changed since it was read."""


class LiveServiceExists(Exception):
    """The option is already being bought, or on, for this vehicle."""


class TenantUnitOfWork(Protocol):
    """One transaction in a tenant's data: nothing is kept unless :meth:`commit` is called.

    Its repositories are attributes named after what they hold (``orders``, ``services``,
    ``invoices``, ``outbox``, ``events``…); a write that meets a unique row raises
    :class:`Duplicate` (at the write or at commit), and the whole transaction is undone
    unless the write was made inside :meth:`savepoint`.
    """

    outbox: Any
    events: Any

    def __enter__(self) -> "TenantUnitOfWork": ...

    def __exit__(self, *exc_info) -> None: ...

    def commit(self) -> None:
        """Keep every write, then send the outbox jobs they queued."""

    def now(self) -> datetime:
        """The tenant's business time."""

    def savepoint(self) -> AbstractContextManager:
        """Writes undone alone when they raise (:class:`Duplicate`), the rest kept."""


class ControlUnitOfWork(Protocol):
    """One transaction in the control plane: ``tenants``, ``operators``, ``throttle``."""

    tenants: Any
    operators: Any

    def __enter__(self) -> "ControlUnitOfWork": ...

    def __exit__(self, *exc_info) -> None: ...

    def commit(self) -> None: ...

"""The vehicle factory's API, as the use cases see it.

Failures come in two kinds the caller treats differently: :class:`FactoryUnavailable`
(queue the order and retry later) and :class:`FactoryRejected` (the factory refused
this request; retrying cannot help).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


class FactoryError(Exception):
    """The factory could not take or answer a request."""


class FactoryUnavailable(FactoryError):
    """The factory is down, overloaded, too slow or behind an open circuit; try again later."""


class FactoryRejected(FactoryError):
    """The factory refused the request (bad data, conflict, unknown order); permanent.

    :ivar status: the HTTP status.
    :ivar code: the factory's error code (``invalid_request``, ``conflict``, ``not_found``...).
    :ivar text: the factory's answer, as sent.
    """

    def __init__(self, status: int, code: str, text: str):
        super().__init__(f"factory refused the request ({status} {code}): {text[:300]}")
        self.status = status
        self.code = code
        self.text = text


@dataclass(frozen=True)
class FactoryOrder:
    id: str
    status: str
    estimated_date: date | None
    vin: str | None


class FactoryGateway(Protocol):
    """Places and follows manufacturing orders for one market (a tenant)."""

    def place_order(self, *, reference: str, model: str, options: list[str],
                    customer: dict) -> FactoryOrder:
        """Order a car; ``reference`` is the idempotency key."""

    def get(self, order_id: str) -> FactoryOrder:
        """The order as the factory has it now."""

    def cancel(self, order_id: str) -> FactoryOrder:
        """Cancel the order."""

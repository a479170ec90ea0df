"""The vehicle service system (VSS), the workshops' maintenance records, as the use cases see it.

:class:`VssUnavailable` means the VSS could not say (down, slow, overloaded, or behind an
open circuit); what to do then is the caller's decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


class VssError(Exception):
    """The VSS did not answer the question; ``code`` is its error code, if it gave one."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class VssUnavailable(VssError):
    """The VSS is down, overloaded, timed out, unreachable, garbled its answer, or its circuit is open."""


@dataclass(frozen=True)
class Maintenance:
    vin: str
    status: str
    last_service: date | None
    next_due: date | None
    completion_percentage: int
    history: list[dict]

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @classmethod
    def from_json(cls, data: dict) -> "Maintenance":
        last, due = data.get("last_service"), data.get("next_due")
        return cls(vin=data["vin"], status=data["status"],
                   last_service=date.fromisoformat(last) if last else None,
                   next_due=date.fromisoformat(due) if due else None,
                   completion_percentage=int(data["completion_percentage"]),
                   history=[dict(item) for item in data.get("history") or []])


class VssGateway(Protocol):
    """Reads vehicles' maintenance status."""

    def maintenance(self, vin: str) -> Maintenance:
        """The vehicle's maintenance record; raises :class:`VssError`."""

"""Client of the vehicle service system (VSS), the workshops' maintenance records, over httpx.

Query only. :class:`VssUnavailable` means the VSS could not say (down, slow, overloaded, or
behind an open circuit); what to do then (the platform allows the purchase, assuming maintenance
is current) is the caller's decision, not this client's. Outages, and only outages, feed the
circuit breaker. The client never retries.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import httpx
import pybreaker

from caas.adapters.http import breakers


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


class VssClient:
    """Reads vehicles' maintenance status from the VSS.

    :param base_url: the VSS's API root.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request; short, since a customer waits on the answer.
    :param breaker: a circuit breaker shared by every client of the VSS in the process;
        only outages count against it. ``None``: none.
    """

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 5.0, breaker: pybreaker.CircuitBreaker | None = None):
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._breaker = breaker

    def maintenance(self, vin: str) -> Maintenance:
        path = f"/v1/vehicles/{quote(vin, safe='')}/maintenance"
        response = breakers.guarded(self._breaker, self._send, path,
                                    circuit_open=VssUnavailable("VSS circuit open"))
        # A refusal is read here, outside the breaker: the VSS answered it.
        if response.status_code >= 400:
            error = _error(response)
            raise VssError(error.get("message") or f"VSS answered {response.status_code}",
                           error.get("code"))
        try:
            return Maintenance.from_json(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VssUnavailable(f"unreadable VSS answer: {exc}") from exc

    def close(self) -> None:
        self._http.close()

    def _send(self, path: str) -> httpx.Response:
        """The VSS's answer, or :class:`VssUnavailable` if it did not really give one."""
        try:
            response = self._http.get(path)
        except httpx.TimeoutException as exc:
            raise VssUnavailable(f"VSS timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise VssUnavailable(f"VSS unreachable ({type(exc).__name__}): {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise VssUnavailable(f"VSS answered {response.status_code}", _error(response).get("code"))
        return response


def _error(response: httpx.Response) -> dict:
    """The ``error`` object of an error answer, or ``{}``."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}

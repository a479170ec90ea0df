"""Client of the vehicle factory's API over httpx.

Failures come in two kinds the caller treats differently: :class:`FactoryUnavailable`
(queue the order and retry later) and :class:`FactoryRejected` (the factory refused
this request; retrying cannot help). The client itself never retries.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx
import pybreaker

from caas.adapters.http import breakers


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


class FactoryClient:
    """Places and follows manufacturing orders for one market (our tenant).

    :param base_url: the factory's API root.
    :param market: our tenant's slug, sent as ``X-Market``.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request.
    :param breaker: a circuit breaker shared by every client of the factory in the process;
        only outages count against it.
    """

    def __init__(self, base_url: str, *, market: str, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None):
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout,
                                  headers={"X-Market": market})
        self._breaker = breaker

    def place_order(self, *, reference: str, model: str, options: list[str],
                    customer: dict) -> FactoryOrder:
        body = {"reference": reference, "model": model, "options": list(options),
                "customer": dict(customer)}
        # The reference is the idempotency key, so a retry after a timeout gets the order
        # the first attempt may have placed instead of a second car.
        return self._order("POST", "/v1/orders", json=body, headers={"Idempotency-Key": reference})

    def get(self, order_id: str) -> FactoryOrder:
        return self._order("GET", f"/v1/orders/{order_id}")

    def cancel(self, order_id: str) -> FactoryOrder:
        return self._order("POST", f"/v1/orders/{order_id}/cancel")

    def close(self) -> None:
        self._http.close()

    def _order(self, method: str, path: str, **kwargs) -> FactoryOrder:
        response = self._guarded(method, path, **kwargs)
        if response.is_error:
            raise FactoryRejected(response.status_code, _error_code(response), response.text)
        try:
            data = response.json()
            estimated = data.get("estimatedDate")
            return FactoryOrder(id=data["orderId"], status=data["status"],
                                estimated_date=date.fromisoformat(estimated) if estimated else None,
                                vin=data.get("vin"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Idempotent calls make a retry safe, so a garbled answer is treated like a lost one.
            raise FactoryUnavailable(f"unreadable factory answer: {exc}") from exc

    def _guarded(self, method: str, path: str, **kwargs) -> httpx.Response:
        """``_send`` behind the breaker: a refusal returns normally, so only outages trip it."""
        return breakers.guarded(self._breaker, self._send, method, path, **kwargs,
                                circuit_open=FactoryUnavailable("factory circuit open"))

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise FactoryUnavailable(f"factory unreachable ({type(exc).__name__}): {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise FactoryUnavailable(f"factory answered {response.status_code}")
        return response


def _error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return response.reason_phrase.lower().replace(" ", "_") or str(response.status_code)

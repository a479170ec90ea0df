"""Client of the vehicle factory's API over httpx.

Failures are the port's (:mod:`caas.service_layer.gateways.factory`):
:class:`FactoryUnavailable` (queue the order and retry later) and :class:`FactoryRejected`
(the factory refused this request; retrying cannot help). The client itself never retries.
"""
from __future__ import annotations

from datetime import date

import httpx
import pybreaker

from caas.adapters.http.client import GatewayClient, error_of
from caas.service_layer.gateways.factory import FactoryOrder, FactoryRejected, FactoryUnavailable


class FactoryClient(GatewayClient):
    """Places and follows manufacturing orders for one market (our tenant).

    :param market: our tenant's slug, sent as ``X-Market``; the other parameters are
        :class:`~caas.adapters.http.client.GatewayClient`'s.
    """

    name = "factory"

    def __init__(self, base_url: str, *, market: str, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None):
        super().__init__(base_url, transport=transport, timeout=timeout, breaker=breaker,
                         headers={"X-Market": market})

    def place_order(self, *, reference: str, model: str, options: list[str],
                    customer: dict) -> FactoryOrder:
        body = {"reference": reference, "model": model, "options": list(options),
                "customer": dict(customer)}
        # The reference is the idempotency key, so a retry after a timeout gets the order
        # the first attempt may have placed instead of a second car.
        return self._call(_order, "POST", "/v1/orders", json=body,
                          headers={"Idempotency-Key": reference})

    def get(self, order_id: str) -> FactoryOrder:
        return self._call(_order, "GET", f"/v1/orders/{order_id}")

    def cancel(self, order_id: str) -> FactoryOrder:
        return self._call(_order, "POST", f"/v1/orders/{order_id}/cancel")

    def _unavailable(self, message: str, response: httpx.Response | None = None) -> Exception:
        return FactoryUnavailable(message)

    def _refusal(self, response: httpx.Response) -> Exception:
        return FactoryRejected(response.status_code, _error_code(response), response.text)


def _order(data: dict) -> FactoryOrder:
    estimated = data.get("estimatedDate")
    return FactoryOrder(id=data["orderId"], status=data["status"],
                        estimated_date=date.fromisoformat(estimated) if estimated else None,
                        vin=data.get("vin"))


def _error_code(response: httpx.Response) -> str:
    return str(error_of(response).get("code") or
               response.reason_phrase.lower().replace(" ", "_") or response.status_code)

"""Client of the vehicle service system (VSS), the workshops' maintenance records, over httpx.

Query only. Its answers and failures are the port's (:mod:`caas.service_layer.gateways.vss`):
:class:`VssUnavailable` means the VSS could not say; what to do then (the platform allows
the purchase, assuming maintenance is current) is the caller's decision, not this client's.
The client never retries.
"""
from __future__ import annotations

from urllib.parse import quote

import httpx
import pybreaker

from caas.adapters.http.client import GatewayClient, error_of
from caas.service_layer.gateways.vss import Maintenance, VssError, VssUnavailable


class VssClient(GatewayClient):
    """Reads vehicles' maintenance status from the VSS.

    The parameters are :class:`~caas.adapters.http.client.GatewayClient`'s; the timeout is
    short by default, since a customer waits on the answer.
    """

    name = "VSS"

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 5.0, breaker: pybreaker.CircuitBreaker | None = None):
        super().__init__(base_url, transport=transport, timeout=timeout, breaker=breaker)

    def maintenance(self, vin: str) -> Maintenance:
        return self._call(Maintenance.from_json, "GET",
                          f"/v1/vehicles/{quote(vin, safe='')}/maintenance")

    def _unavailable(self, message: str, response: httpx.Response | None = None) -> Exception:
        return VssUnavailable(message, error_of(response).get("code"))

    def _refusal(self, response: httpx.Response) -> Exception:
        error = error_of(response)
        return VssError(error.get("message") or f"VSS answered {response.status_code}",
                        error.get("code"))

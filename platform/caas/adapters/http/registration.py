"""Base for country registration-body clients over httpx.

A country plugin subclasses :class:`JsonRegistrationClient` (``caas.JsonRegistrationClient``)
and says only how its body's API spells a registration; timeouts, status codes and the mapping
of failures to retryable or permanent :class:`~caas.RegistrationError` live here and in
:class:`~caas.adapters.http.client.GatewayClient`.
"""
from __future__ import annotations

from typing import Any, Mapping

import httpx

from caas.adapters.http.client import GatewayClient
from caas.domain.countries import RegistrationError, RegistrationRequest, RegistrationResult


class JsonRegistrationClient(GatewayClient):
    """Registers vehicles by POSTing JSON to ``base_url + path``.

    :param base_url: the registration body's API root.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request.
    :param credentials: per-tenant credentials sent as a bearer token, if any.
    """

    path = "/registrations"
    name = "registration body"
    outage_statuses = (429,)

    def __init__(self, base_url: str, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, credentials: str | None = None):
        headers = {"Authorization": f"Bearer {credentials}"} if credentials else {}
        super().__init__(base_url, transport=transport, timeout=timeout, headers=headers)

    def to_body(self, request: RegistrationRequest) -> Mapping[str, Any]:
        """The JSON body the registration body expects."""
        raise NotImplementedError

    def from_response(self, payload: Mapping[str, Any]) -> RegistrationResult:
        """Read the plate and reference out of the body's answer."""
        raise NotImplementedError

    def register(self, request: RegistrationRequest) -> RegistrationResult:
        return self._call(self.from_response, "POST", self.path, json=self.to_body(request))

    def _unavailable(self, message: str, response: httpx.Response | None = None) -> Exception:
        return RegistrationError(message)

    def _refusal(self, response: httpx.Response) -> Exception:
        return RegistrationError(
            f"registration refused ({response.status_code}): {response.text[:200]}",
            permanent=True)

    def _unreadable(self, exc: Exception) -> Exception:
        return RegistrationError(f"unreadable registration answer: {exc}", permanent=True)

"""Base for country registration-body clients over httpx.

A country plugin subclasses :class:`JsonRegistrationClient` and says only how
its body's API spells a registration; timeouts, status codes and the mapping of
failures to retryable or permanent :class:`~caas.RegistrationError` live here.
"""
from __future__ import annotations

from typing import Any, Mapping

import httpx

from caas.domain.countries import RegistrationError, RegistrationRequest, RegistrationResult


class JsonRegistrationClient:
    """Registers vehicles by POSTing JSON to ``base_url + path``.

    :param base_url: the registration body's API root.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request.
    :param credentials: per-tenant credentials sent as a bearer token, if any.
    """

    path = "/registrations"

    def __init__(self, base_url: str, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, credentials: str | None = None):
        headers = {"Authorization": f"Bearer {credentials}"} if credentials else {}
        self._http = httpx.Client(base_url=base_url, transport=transport,
                                  timeout=timeout, headers=headers)

    def to_body(self, request: RegistrationRequest) -> Mapping[str, Any]:
        """The JSON body the registration body expects."""
        raise NotImplementedError

    def from_response(self, payload: Mapping[str, Any]) -> RegistrationResult:
        """Read the plate and reference out of the body's answer."""
        raise NotImplementedError

    def register(self, request: RegistrationRequest) -> RegistrationResult:
        try:
            response = self._http.post(self.path, json=self.to_body(request))
        except httpx.TimeoutException as exc:
            raise RegistrationError(f"registration body timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise RegistrationError(f"registration body unreachable: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise RegistrationError(f"registration body answered {response.status_code}")
        if response.status_code >= 400:
            raise RegistrationError(
                f"registration refused ({response.status_code}): {response.text[:200]}",
                permanent=True,
            )
        try:
            return self.from_response(response.json())
        except (ValueError, KeyError, TypeError) as exc:
            raise RegistrationError(f"unreadable registration answer: {exc}", permanent=True) from exc

    def close(self) -> None:
        self._http.close()

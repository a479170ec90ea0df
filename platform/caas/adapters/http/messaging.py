"""Clients of the HTTP push and SMS providers, over httpx.

Both speak the same small API (its reference is :mod:`caas.sandboxes.messaging`):
``POST /v1/messages`` with a JSON body and an ``Idempotency-Key`` header; the provider
answers ``202 {"id": ...}``, and a resend with the same key replays that answer instead
of sending twice. :class:`ProviderUnavailable` (down, slow, 5xx, 429, circuit open) is
worth retrying; :class:`ProviderRejected` (4xx: a bad number, an unknown device) is not.
Only outages feed the circuit breaker. The clients never retry: the notification job does.
"""
from __future__ import annotations

import httpx
import pybreaker

from caas.adapters.http import breakers


class ProviderError(Exception):
    """The provider did not take the message."""


class ProviderUnavailable(ProviderError):
    """Down, overloaded, timed out, unreachable, or behind an open circuit: retry later."""


class ProviderRejected(ProviderError):
    """The provider refused the message itself; sending it again cannot help."""


class MessagingClient:
    """Sends messages to one provider.

    :param base_url: the provider's API root.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request.
    :param breaker: a circuit breaker shared by every client of the provider in the process.
    """

    system = "messaging"

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None):
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._breaker = breaker

    def _post(self, body: dict, idempotency_key: str) -> str:
        response = breakers.guarded(self._breaker, self._send, body, idempotency_key,
                                    circuit_open=ProviderUnavailable(f"{self.system} circuit open"))
        if response.status_code >= 400:
            raise ProviderRejected(f"{self.system} provider refused the message "
                                   f"({response.status_code}): {_message(response)}")
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderUnavailable(f"unreadable {self.system} answer: {exc}") from exc

    def _send(self, body: dict, idempotency_key: str) -> httpx.Response:
        try:
            response = self._http.post("/v1/messages", json=body,
                                       headers={"Idempotency-Key": idempotency_key})
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(f"{self.system} provider timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailable(f"{self.system} provider unreachable "
                                      f"({type(exc).__name__}): {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise ProviderUnavailable(f"{self.system} provider answered {response.status_code}")
        return response

    def close(self) -> None:
        self._http.close()


class PushClient(MessagingClient):
    """Push notifications to the customer's mobile app, addressed by the app's user id."""

    system = "push"

    def send(self, to: str, title: str, body: str, *, language: str, idempotency_key: str,
             data: dict | None = None) -> str:
        """Send a push; returns the provider's message id."""
        return self._post({"to": to, "title": title, "body": body, "language": language,
                           "data": data or {}}, idempotency_key)


class SmsClient(MessagingClient):
    """Text messages to a phone number in E.164 form."""

    system = "sms"

    def send(self, to: str, text: str, *, sender: str, idempotency_key: str) -> str:
        """Send a text message; returns the provider's message id."""
        return self._post({"to": to, "text": text, "from": sender}, idempotency_key)


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return response.text[:200]
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code"))
    return str(error)

"""Clients of the HTTP push and SMS providers, over httpx.

Both speak the same small API (its reference is :mod:`caas.sandboxes.messaging`):
``POST /v1/messages`` with a JSON body and an ``Idempotency-Key`` header; the provider
answers ``202 {"id": ...}``, and a resend with the same key replays that answer instead
of sending twice. Failures are the port's (:mod:`caas.service_layer.gateways.messaging`).
The clients never retry: the notification job does.
"""
from __future__ import annotations

import httpx

from caas.adapters.http.client import GatewayClient
from caas.service_layer.gateways.messaging import ProviderRejected, ProviderUnavailable


class MessagingClient(GatewayClient):
    """Sends messages to one provider (see :class:`~caas.adapters.http.client.GatewayClient`)."""

    system = "messaging"

    @property
    def name(self) -> str:
        return f"{self.system} provider"

    def _post(self, body: dict, idempotency_key: str) -> str:
        return self._call(lambda data: str(data["id"]), "POST", "/v1/messages", json=body,
                          headers={"Idempotency-Key": idempotency_key})

    def _unavailable(self, message: str, response: httpx.Response | None = None) -> Exception:
        return ProviderUnavailable(message)

    def _refusal(self, response: httpx.Response) -> Exception:
        return ProviderRejected(f"{self.system} provider refused the message "
                                f"({response.status_code}): {_message(response)}")


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

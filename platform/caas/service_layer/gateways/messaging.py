"""The push and SMS providers, and the platform's mail server, as the use cases see them.

:class:`ProviderUnavailable` (down, slow, circuit open) is worth retrying;
:class:`ProviderRejected` (a bad number, an unknown device) is not.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from caas.service_layer.messages import Message


class ProviderError(Exception):
    """The provider did not take the message."""


class ProviderUnavailable(ProviderError):
    """Down, overloaded, timed out, unreachable, or behind an open circuit: retry later."""


class ProviderRejected(ProviderError):
    """The provider refused the message itself; sending it again cannot help."""


class PushGateway(Protocol):
    """Push notifications to the customer's mobile app, addressed by the app's user id."""

    def send(self, to: str, title: str, body: str, *, language: str, idempotency_key: str,
             data: dict | None = None) -> str:
        """Send a push; returns the provider's message id."""


class SmsGateway(Protocol):
    """Text messages to a phone number in E.164 form."""

    def send(self, to: str, text: str, *, sender: str, idempotency_key: str) -> str:
        """Send a text message; returns the provider's message id."""


class MailGateway(Protocol):
    """Email, through the platform's mail server."""

    def send(self, email: Message, message_id: str | None = None) -> None:
        """Send ``email``; a resend with the same ``message_id`` lets receivers drop the copy."""

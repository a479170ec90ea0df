"""A country's vehicle registration body, as the use cases see it."""
from __future__ import annotations

from typing import Protocol

from caas.domain.countries import RegistrationError, RegistrationRequest, RegistrationResult

__all__ = ["RegistrationError", "RegistrationGateway"]


class RegistrationGateway(Protocol):
    """Registers vehicles with one country's body, for one tenant."""

    def register(self, request: RegistrationRequest) -> RegistrationResult:
        """The plate and reference; raises :class:`RegistrationError` (``permanent`` or not)."""

"""The vehicles' IoT API (over-the-air configuration), as the use cases see it.

Failures come in kinds the OTA engine treats differently:

- :class:`IotUnavailable`: the API is down, slow, overloaded, behind an open circuit, or the
  vehicle is offline. Nothing is known to have happened; retry later.
- :class:`IotRejected`: the API refused the request itself (invalid command, a command id reused
  for another command, unknown command); permanent, retrying cannot help.
- :class:`CommandFailed`: the vehicle reported that the command failed.
- :class:`CommandTimedOut`: no result in the time :meth:`IotGateway.run` was given; a failure.

Commands are idempotent by ``command_id``: sending or running one again with the same id
resumes the same command (and a failed one stays failed); a fresh attempt needs a fresh id.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Command:
    id: str
    vin: str
    status: str
    error: str | None
    created_at: datetime
    completed_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status != "pending"

    @classmethod
    def from_json(cls, data: dict) -> "Command":
        completed = data.get("completed_at")
        return cls(id=data["command_id"], vin=data["vin"], status=data["status"],
                   error=data.get("error"), created_at=datetime.fromisoformat(data["created_at"]),
                   completed_at=datetime.fromisoformat(completed) if completed else None)


@dataclass(frozen=True)
class VehicleStatus:
    vin: str
    online: bool
    configuration: dict
    last_seen: datetime
    firmware: str
    last_error: str | None

    @classmethod
    def from_json(cls, data: dict) -> "VehicleStatus":
        return cls(vin=data["vin"], online=bool(data["online"]),
                   configuration=dict(data["configuration"]),
                   last_seen=datetime.fromisoformat(data["last_seen"]), firmware=data["firmware"],
                   last_error=data.get("last_error"))


class IotError(Exception):
    """An IoT operation did not happen as asked; ``code`` is the API's error code, if it gave one."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


class IotUnavailable(IotError):
    """The API is down, overloaded, timed out, unreachable or behind an open circuit, or the
    vehicle is offline (``code`` ``vehicle_offline``); retry later."""


class IotRejected(IotError):
    """The API refused the request (``invalid_command``, ``command_conflict``, ``not_found``...);
    permanent.

    :ivar status: the HTTP status.
    :ivar messages: what the API said was wrong with the command, if it said.
    """

    def __init__(self, message: str, code: str | None = None, status: int | None = None,
                 messages: list[str] | None = None):
        super().__init__(message, code)
        self.status = status
        self.messages = messages or []


class CommandFailed(IotError):
    """The vehicle reported that the command failed; ``error`` says why, ``command`` is its state."""

    def __init__(self, command: Command):
        super().__init__(f"command {command.id} failed on vehicle {command.vin}: {command.error}",
                         "command_failed")
        self.command = command
        self.error = command.error


class CommandTimedOut(IotError):
    """No result within the time given; ``command`` is the last state seen (pending)."""

    def __init__(self, command: Command, timeout_seconds: float):
        super().__init__(f"command {command.id} on vehicle {command.vin} had no result "
                         f"within {timeout_seconds:g} s", "command_timed_out")
        self.command = command


class IotGateway(Protocol):
    """Sends configuration commands to vehicles and reads their results and status."""

    def send(self, vin: str, command_id: str, settings: dict,
             valid_until: datetime | None = None) -> Command:
        """Have the vehicle apply ``settings``; the command is accepted pending."""

    def result(self, command_id: str) -> Command:
        """The command as it is now."""

    def run(self, vin: str, command_id: str, settings: dict, *, timeout_seconds: float,
            valid_until: datetime | None = None) -> Command:
        """Send a command and wait for its result: the succeeded command, or an exception."""

    def vehicle_status(self, vin: str) -> VehicleStatus:
        """The vehicle as it last reported itself."""

"""Client of the IoT API (over-the-air configuration of vehicles) over httpx.

The API is fixed (its reference is :mod:`caas.sandboxes.iot`); this client conforms to it.
Failures come in kinds the OTA engine treats differently:

- :class:`IotUnavailable`: the API is down, slow, overloaded, behind an open circuit, or the
  vehicle is offline. Nothing is known to have happened; retry later.
- :class:`IotRejected`: the API refused the request itself (invalid command, a command id reused
  for another command, unknown command); permanent, retrying cannot help.
- :class:`CommandFailed`: the vehicle reported that the command failed.
- :class:`CommandTimedOut`: no result in the time :meth:`IotClient.run` was given; a failure.

The client never retries: the OTA engine owns the retry policy. Commands are idempotent by
``command_id``, so sending or running one again with the same id resumes the same command
(and a failed one stays failed): a fresh attempt needs a fresh id. Outages, and only outages,
feed the circuit breaker; a refusal, a failed command or an offline vehicle says the API is up.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar
from urllib.parse import quote

import httpx
import pybreaker

from caas.adapters.http import breakers

T = TypeVar("T")


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


class IotClient:
    """Sends configuration commands to vehicles and reads their results and status.

    :param base_url: the IoT API's root.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request.
    :param breaker: a circuit breaker shared by every client of the API in the process;
        only outages count against it. ``None``: none.
    :param poll_interval: seconds between two reads of a command's result in :meth:`run`.
    """

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None,
                 poll_interval: float = 0.05):
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._breaker = breaker
        self.poll_interval = poll_interval

    def send(self, vin: str, command_id: str, settings: dict,
             valid_until: datetime | None = None) -> Command:
        """Have the vehicle apply ``settings``; the command is accepted pending (or, when
        ``command_id`` was sent before, is that command as it is now)."""
        body: dict[str, Any] = {"command_id": command_id, "type": "configure", "settings": dict(settings)}
        if valid_until is not None:
            body["valid_until"] = _utc(valid_until)
        return self._call(Command.from_json, "POST", f"/v1/vehicles/{_segment(vin)}/commands", json=body)

    def result(self, command_id: str) -> Command:
        return self._call(Command.from_json, "GET", f"/v1/commands/{_segment(command_id)}")

    def run(self, vin: str, command_id: str, settings: dict, *, timeout_seconds: float,
            valid_until: datetime | None = None, sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic) -> Command:
        """Send a command and wait for its result: the succeeded command, or an exception.

        The result is read at once, then every ``poll_interval`` seconds until ``timeout_seconds``
        (counted from before sending) have passed.

        :raises CommandFailed: the vehicle reported failure.
        :raises CommandTimedOut: still pending at the deadline.
        :raises IotUnavailable, IotRejected: as :meth:`send` and :meth:`result`.
        """
        deadline = clock() + timeout_seconds
        command = self.send(vin, command_id, settings, valid_until)
        if not command.finished:
            command = self.result(command_id)
        while not command.finished:
            remaining = deadline - clock()
            if remaining <= 0:
                raise CommandTimedOut(command, timeout_seconds)
            sleep(min(self.poll_interval, remaining))
            command = self.result(command_id)
        if command.status != "succeeded":
            raise CommandFailed(command)
        return command

    def vehicle_status(self, vin: str) -> VehicleStatus:
        return self._call(VehicleStatus.from_json, "GET", f"/v1/vehicles/{_segment(vin)}/status")

    def close(self) -> None:
        self._http.close()

    def _call(self, parse: Callable[[dict], T], method: str, path: str, **kwargs) -> T:
        response = breakers.guarded(self._breaker, self._send, method, path, **kwargs,
                                    circuit_open=IotUnavailable("IoT API circuit open"))
        # Refusals and offline vehicles are read here, outside the breaker: the API answered them.
        if response.status_code >= 400:
            raise _refusal(response)
        try:
            return parse(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            # Commands are idempotent by id, so a garbled answer is safely treated like a lost one.
            raise IotUnavailable(f"unreadable IoT API answer: {exc}") from exc

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """The API's answer, or :class:`IotUnavailable` if it did not really give one."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise IotUnavailable(f"IoT API timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise IotUnavailable(f"IoT API unreachable ({type(exc).__name__}): {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise IotUnavailable(f"IoT API answered {response.status_code}", _error(response).get("code"))
        return response


def _segment(value: str) -> str:
    return quote(value, safe="")


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("valid_until must be an aware datetime")
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _error(response: httpx.Response) -> dict:
    """The ``error`` object of an error answer, or ``{}``."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {}


def _refusal(response: httpx.Response) -> IotError:
    error = _error(response)
    code = error.get("code")
    message = error.get("message") or f"IoT API answered {response.status_code}"
    if response.status_code == 409 and code == "vehicle_offline":
        return IotUnavailable(message, code)
    messages = error.get("messages")
    return IotRejected(message, code, response.status_code,
                       [str(item) for item in messages] if isinstance(messages, list) else None)

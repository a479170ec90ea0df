"""Client of the IoT API (over-the-air configuration of vehicles) over httpx.

The API is fixed (its reference is :mod:`caas.sandboxes.iot`); this client conforms to it.
Its answers and failures are the port's (:mod:`caas.service_layer.gateways.iot`). The client
never retries: the OTA engine owns the retry policy. Outages, and only outages, feed the
circuit breaker; a refusal, a failed command or an offline vehicle says the API is up.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote

import httpx
import pybreaker

from caas.adapters.http.client import GatewayClient, error_of
from caas.service_layer.gateways.iot import (Command, CommandFailed, CommandTimedOut, IotError,
                                             IotRejected, IotUnavailable, VehicleStatus)


class IotClient(GatewayClient):
    """Sends configuration commands to vehicles and reads their results and status.

    The parameters are :class:`~caas.adapters.http.client.GatewayClient`'s, and
    :param poll_interval: seconds between two reads of a command's result in :meth:`run`.
    """

    name = "IoT API"

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None,
                 poll_interval: float = 0.05):
        super().__init__(base_url, transport=transport, timeout=timeout, breaker=breaker)
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

    def _unavailable(self, message: str, response: httpx.Response | None = None) -> Exception:
        return IotUnavailable(message, error_of(response).get("code"))

    def _refusal(self, response: httpx.Response) -> Exception:
        return _refusal(response)


def _segment(value: str) -> str:
    return quote(value, safe="")


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("valid_until must be an aware datetime")
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _refusal(response: httpx.Response) -> IotError:
    error = error_of(response)
    code = error.get("code")
    message = error.get("message") or f"IoT API answered {response.status_code}"
    if response.status_code == 409 and code == "vehicle_offline":
        return IotUnavailable(message, code)
    messages = error.get("messages")
    return IotRejected(message, code, response.status_code,
                       [str(item) for item in messages] if isinstance(messages, list) else None)

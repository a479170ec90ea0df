"""Switchable faults for sandboxes: up, down, slow, or failing a share of calls."""
from __future__ import annotations

import json
import random
import threading
import time

import httpx
from dataclasses import asdict, dataclass

SYSTEMS = ("factory", "payments", "vss", "iot", "registration", "sms", "push", "smtp",
           "telemetry")
MODES = ("up", "down", "slow", "failing", "timeout")


@dataclass
class Mode:
    mode: str = "up"
    failure_rate: float = 1.0
    latency_ms: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def loses_answers(self) -> bool:
        """``timeout``: the system acts on the request, but its answer never arrives."""
        return self.mode == "timeout"

    def should_fail(self) -> bool:
        return self.mode == "down" or (self.mode == "failing" and random.random() < self.failure_rate)

    def delay(self) -> None:
        if self.mode == "slow" or self.latency_ms:
            time.sleep((self.latency_ms or 2000) / 1000)


_modes: dict[str, Mode] = {}
_lock = threading.Lock()


def set_mode(system: str, mode: Mode) -> None:
    with _lock:
        _modes[system] = mode


def mode_of(system: str) -> Mode:
    return _modes.get(system, Mode())


class FaultInjector:
    """WSGI middleware answering 503 or slowly, per the system's current mode."""

    def __init__(self, app, system: str):
        self.app = app
        self.system = system

    def __call__(self, environ, start_response):
        mode = mode_of(self.system)
        mode.delay()
        if mode.should_fail():
            body = json.dumps({"error": f"{self.system} sandbox is {mode.mode}"}).encode()
            start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                       ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


class FaultTransport(httpx.BaseTransport):
    """The client's side of the faults: in ``timeout`` mode the request is handled by the
    system, then the client times out waiting for the answer (the case a payment must
    reconcile, not repeat)."""

    def __init__(self, transport: httpx.BaseTransport, system: str):
        self.transport = transport
        self.system = system

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.transport.handle_request(request)
        if mode_of(self.system).loses_answers:
            response.close()
            raise httpx.ReadTimeout(f"{self.system} sandbox: no answer in time", request=request)
        return response

    def close(self) -> None:
        self.transport.close()

"""Switchable faults for sandboxes: up, down, slow, or failing a share of calls."""
from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import asdict, dataclass

SYSTEMS = ("factory", "payments", "vss", "iot", "registration", "sms", "push", "smtp")
MODES = ("up", "down", "slow", "failing")


@dataclass
class Mode:
    mode: str = "up"
    failure_rate: float = 1.0
    latency_ms: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

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

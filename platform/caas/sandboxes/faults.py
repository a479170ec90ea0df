"""Switchable faults for sandboxes: up, down, slow, failing a share of calls, or losing answers.

A mode may be aimed at some of a system's operations (``operations``; the payments
sandbox names ``charge``, ``authorize``, ``capture``, ``void``, ``refund`` and
``lookup``) and may wear off after a number of calls (``times``), so that a test can
fault the capture of a purchase and nothing else, once.
"""
from __future__ import annotations

import json
import random
import threading
import time

import httpx
from dataclasses import dataclass, field

SYSTEMS = ("factory", "payments", "vss", "iot", "registration", "sms", "push", "smtp",
           "telemetry")
#: What any system can do: answer normally, refuse connections, answer late, answer 503
#: to a share of calls, or act on a request and lose the answer.
MODES = ("up", "down", "slow", "failing", "timeout")
#: What only the card payment gateway does: act, then lose the answer in three ways; refuse
#: an operation (402) without acting; call the platform's webhook before answering; send
#: every webhook twice.
PAYMENT_MODES = ("charge_then_timeout", "charge_then_502", "reset_after_send", "decline",
                 "webhook_before_answer", "duplicate_webhooks")
#: The gateway's own modes, which its sandbox applies when served on its own too.
GATEWAY_MODES = ("decline", "webhook_before_answer", "duplicate_webhooks")
#: What a sandbox served on its own (``caas sandboxes serve``) can do to a remote client.
REMOTE_MODES = ("up", "down", "slow", "failing")
#: The operations a payments mode may be aimed at.
PAYMENT_OPERATIONS = ("charge", "authorize", "capture", "void", "refund", "lookup")


def modes_for(system: str, *, remote: bool = False) -> tuple[str, ...]:
    """The modes ``system``'s sandbox takes, in process or served on its own."""
    gateway = PAYMENT_MODES if system == "payments" else ()
    if remote:
        return REMOTE_MODES + tuple(mode for mode in gateway if mode in GATEWAY_MODES)
    return MODES + gateway


#: Modes that act on the request and then lose or spoil its answer.
_ANSWER_LOST = {"timeout": "timeout", "charge_then_timeout": "timeout",
                "charge_then_502": "502", "reset_after_send": "reset"}


@dataclass
class Mode:
    mode: str = "up"
    failure_rate: float = 1.0
    latency_ms: int = 0
    #: The operations the mode applies to; ``None``: every one.
    operations: list[str] | None = None
    #: Calls the mode applies to before the system is up again; ``None``: until changed.
    times: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def to_dict(self) -> dict:
        return {"mode": self.mode, "failure_rate": self.failure_rate,
                "latency_ms": self.latency_ms, "operations": self.operations,
                "times": self.times}

    def targets(self, operation: str | None) -> bool:
        """Whether a call of ``operation`` meets this mode; a mode with ``times`` counts it."""
        if self.mode == "up" or (self.operations is not None and operation not in self.operations):
            return False
        if self.operations is None and operation == "lookup" and self.mode in PAYMENT_MODES:
            return False  # "charge then ...": the gateway's lookups still answer
        with self._lock:
            if self.times is None:
                return True
            if self.times <= 0:
                return False
            self.times -= 1
            return True

    @property
    def loses_answers(self) -> bool:
        """The system acts on the request, but its answer never arrives intact."""
        return self.mode in _ANSWER_LOST

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


def _unavailable(system: str, mode: str):
    body = json.dumps({"error": {"code": "unavailable",
                                 "message": f"{system} sandbox is {mode}"}}).encode()
    return body, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]


class FaultInjector:
    """WSGI middleware answering 503 or slowly, per the system's current mode: the faults a
    remote client sees of a sandbox served on its own (``caas sandboxes serve``)."""

    def __init__(self, app, system: str):
        self.app = app
        self.system = system

    def __call__(self, environ, start_response):
        mode = mode_of(self.system)
        mode.delay()
        if mode.mode in ("down", "failing") and mode.should_fail():
            body, headers = _unavailable(self.system, mode.mode)
            start_response("503 Service Unavailable", headers)
            return [body]
        return self.app(environ, start_response)


class FaultTransport(httpx.BaseTransport):
    """The client's side of the faults, for a sandbox in this process.

    ``down``: the connection is refused and nothing is sent. ``failing``: a share of calls
    is answered 503 without being handled. ``timeout`` and ``charge_then_timeout``: the
    system handles the request, then the client times out waiting. ``charge_then_502``: it
    handles it, then a proxy answers 502 instead. ``reset_after_send``: it handles it, then
    the connection drops. These last are the answers a payment must reconcile, never repeat
    blindly.

    :param operation_of: names a request's operation, for modes aimed at some operations.
    """

    def __init__(self, transport: httpx.BaseTransport, system: str, operation_of=None):
        self.transport = transport
        self.system = system
        self.operation_of = operation_of or (lambda request: None)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        mode = mode_of(self.system)
        if mode.mode not in ("down", "slow", "failing", *_ANSWER_LOST) \
                or not mode.targets(self.operation_of(request)):
            return self.transport.handle_request(request)
        mode.delay()
        if mode.mode == "down":
            raise httpx.ConnectError(f"{self.system} sandbox is down: connection refused",
                                     request=request)
        if mode.should_fail():
            body, headers = _unavailable(self.system, mode.mode)
            return httpx.Response(503, headers=headers, content=body, request=request)
        response = self.transport.handle_request(request)
        lost = _ANSWER_LOST.get(mode.mode)
        if lost is None:
            return response
        response.read()
        response.close()
        if lost == "timeout":
            raise httpx.ReadTimeout(f"{self.system} sandbox: no answer in time", request=request)
        if lost == "reset":
            raise httpx.RemoteProtocolError(
                f"{self.system} sandbox: connection reset after the request was sent",
                request=request)
        return httpx.Response(502, json={"error": {"code": "bad_gateway",
                                                   "message": "upstream connection lost"}},
                              request=request)

    def close(self) -> None:
        self.transport.close()

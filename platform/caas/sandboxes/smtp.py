"""A local SMTP server that keeps what it receives, for the demo and the tests."""
from __future__ import annotations

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller

from caas.clock import wall_now
from caas.sandboxes import faults


class Mailbox:
    """Messages received, newest first."""

    def __init__(self):
        self._messages: list[dict] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if faults.mode_of("smtp").should_fail():
            return "451 Sandbox mail server is switched to fail"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        record = {
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
            "subject": str(parsed["Subject"]), "language": parsed.get("Content-Language"),
            "message_id": parsed.get("Message-ID"),
            "body": body.get_content() if body is not None else "",
            # As received: what a test of the encoding (headers, folding) reads.
            "raw": envelope.content.decode("ascii", "replace"),
            "received_at": wall_now().isoformat(),
        }
        with self._lock:
            self._messages.insert(0, record)
        return "250 Message accepted for delivery"

    def messages(self, to: str | None = None) -> list[dict]:
        with self._lock:
            return [m for m in self._messages if to is None or to.lower() in
                    (r.lower() for r in m["to"])]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


class SmtpSandbox:
    def __init__(self):
        self.mailbox = Mailbox()
        port = _free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.controller.start()
        self.address = ("127.0.0.1", port)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_server: SmtpSandbox | None = None
_lock = threading.Lock()


def server() -> SmtpSandbox:
    """The process's SMTP sandbox, started on first use."""
    global _server
    with _lock:
        if _server is None:
            _server = SmtpSandbox()
        return _server

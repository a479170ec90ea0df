"""A minimal keep-alive HTTP client, shared by the load generator and the warm-up.

Only ever talks to 127.0.0.1: the bench measures a local server, nothing else.
"""
from __future__ import annotations

import http.client

from worker_header import HEADER

HOST = "127.0.0.1"


class Client:
    """One persistent HTTP/1.1 connection; reopened lazily after an error or a server close."""

    def __init__(self, port: int, timeout: float = 10.0):
        self.port = port
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, int | None]:
        """``GET path`` and return ``(status, pid of the answering worker or None)``.

        :raises OSError, http.client.HTTPException: the request failed; the
            connection is dropped so the next call opens a fresh one.
        """
        if self._connection is None:
            self._connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            self._connection.request("GET", path, headers=headers)
            response = self._connection.getresponse()
            response.read()  # the body must be consumed before the connection can be reused
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        pid = response.getheader(HEADER)
        return response.status, int(pid) if pid else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

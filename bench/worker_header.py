"""WSGI middleware naming the gunicorn worker that answered.

The warm-up must reach every tenant in *each* worker, and a keep-alive
connection stays with the worker that accepted it, so the bench needs to
know which worker is on the other end. Both benchmarked apps get the same
wrapper, so its (tiny) cost cancels out of the ratios.
"""
from __future__ import annotations

import os

HEADER = "X-Bench-Worker"


class WorkerHeader:
    """Add ``X-Bench-Worker: <pid>`` to every response of ``app``."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        # Read the pid per call: gunicorn may import the app before forking.
        pid = str(os.getpid())

        def start(status, headers, exc_info=None):
            headers.append((HEADER, pid))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

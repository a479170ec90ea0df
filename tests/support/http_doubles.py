"""Small test doubles shared by the external-system client tests."""
from contextlib import contextmanager

import httpx

from caas.sandboxes import faults


@contextmanager
def system_down(system: str):
    """Every sandbox of ``system`` refuses every call until the block ends."""
    faults.set_mode(system, faults.Mode("down"))
    try:
        yield
    finally:
        faults.set_mode(system, faults.Mode())


@contextmanager
def raw_client(base_url: str, app):
    """A bare HTTP client on a sandbox's WSGI app, to see its answers as they are."""
    with httpx.Client(base_url=base_url, transport=httpx.WSGITransport(app=app)) as client:
        yield client


class Counting:
    """WSGI middleware counting the requests that reach the app."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.app(environ, start_response)


class TimesOut(httpx.BaseTransport):
    """A transport whose every request times out (``ReadTimeout`` unless told otherwise)."""

    def __init__(self, error: type[httpx.TimeoutException] = httpx.ReadTimeout):
        self.error = error

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise self.error("no answer", request=request)

"""Small test doubles shared by the external-system client tests."""
import httpx


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

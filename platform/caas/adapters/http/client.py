"""What every gateway client shares: one httpx client, its timeout, the circuit breaker, and
the reading of an exchange as the other side's answer or as an outage.

A subclass names its system and says how the system's answers translate into its port's
errors (:meth:`GatewayClient._unavailable`, :meth:`GatewayClient._refusal`); calls go
through :meth:`GatewayClient._call`. Outages, and only outages, feed the breaker: a refusal
says the system is up. The clients never retry, except the payment gateway's resend of a
lost request with the same idempotency key.
"""
from __future__ import annotations

from typing import Callable, TypeVar

import httpx
import pybreaker

from caas.adapters.http import breakers

T = TypeVar("T")

#: How far a request without a usable answer got: not sent at all, lost on the way
#: (it may still be reaching the system), or answered with an outage status (5xx, 429...).
NOT_SENT, LOST, ANSWERED = "", "lost", "answered"

#: Failures to connect: the request never left.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class NoAnswer(Exception):
    """A request got no usable answer; ``reached`` says how far it got.

    :ivar response: the outage answer (5xx, 429...), if there was one.
    """

    def __init__(self, message: str, *, reached: str, response: httpx.Response | None = None):
        super().__init__(message)
        self.reached = reached
        self.response = response


class GatewayClient:
    """An httpx client of one external system, behind its circuit breaker.

    :param base_url: the system's API root.
    :param transport: an httpx transport; the in-process sandbox passes a WSGI one.
    :param timeout: seconds for each request.
    :param breaker: a circuit breaker shared by every client of the system in the process;
        only outages count against it. ``None``: none.
    :param headers: sent with every request.
    """

    #: The system, as error messages name it.
    name = "external system"
    #: Statuses below 500 that mean "busy, try again later", not a refusal.
    outage_statuses: tuple[int, ...] = (408, 429)

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None,
                 timeout: float = 10.0, breaker: pybreaker.CircuitBreaker | None = None,
                 headers: dict | None = None):
        self._http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout,
                                  headers=headers)
        self._breaker = breaker

    def close(self) -> None:
        self._http.close()

    # --- what a subclass says about its system -------------------------------------------

    def _unavailable(self, message: str, response: httpx.Response | None = None) -> Exception:
        """The port's error for an outage (``response``: the outage answer, if any)."""
        raise NotImplementedError

    def _refusal(self, response: httpx.Response) -> Exception:
        """The port's error for a refusal (a 4xx the system answered)."""
        raise NotImplementedError

    def _unreadable(self, exc: Exception) -> Exception:
        """The port's error for an answer that could not be read; an outage by default,
        since the calls are idempotent and a garbled answer is as good as a lost one."""
        return self._unavailable(f"unreadable {self.name} answer: {exc}")

    # --- calls ----------------------------------------------------------------------------

    def _call(self, parse: Callable[[dict], T], method: str, path: str, **kwargs) -> T:
        """The system's answer to one request, parsed; the port's errors otherwise."""
        response = self._request(method, path, **kwargs)
        # Refusals are read here, outside the breaker: the system answered them.
        if response.status_code >= 400:
            raise self._refusal(response)
        try:
            return parse(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self._unreadable(exc) from exc

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """The system's answer (refusals included) behind the breaker; outages raise."""
        return breakers.guarded(self._breaker, self._send, method, path, **kwargs,
                                circuit_open=self._unavailable(f"{self.name} circuit open"))

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One exchange; an outage raises the port's error (inside the breaker, so it counts)."""
        try:
            return self._exchange(method, path, **kwargs)
        except NoAnswer as lost:
            raise self._unavailable(str(lost), lost.response) from lost.__cause__

    def _exchange(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One request: the answer, or :class:`NoAnswer` saying how far the request got."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            reached = NOT_SENT if isinstance(exc, _NOT_SENT_ERRORS) else LOST
            what = "timed out" if isinstance(exc, httpx.TimeoutException) else "unreachable"
            message = f"{self.name} {what} ({type(exc).__name__}): {exc}"
            raise NoAnswer(message, reached=reached) from exc
        if response.status_code >= 500 or response.status_code in self.outage_statuses:
            raise NoAnswer(f"{self.name} answered {response.status_code}", reached=ANSWERED,
                           response=response)
        return response


def json_body(response: httpx.Response) -> dict:
    """The answer's JSON object, or ``{}``."""
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def error_of(response: httpx.Response | None) -> dict:
    """The ``error`` object of an error answer, or ``{}``."""
    error = json_body(response).get("error") if response is not None else None
    return error if isinstance(error, dict) else {}

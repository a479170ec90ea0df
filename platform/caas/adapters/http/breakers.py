"""Calling through a circuit breaker shared by many threads without serialising them."""
from __future__ import annotations

import contextlib
from typing import Callable, TypeVar

import pybreaker

T = TypeVar("T")

def call(cb: pybreaker.CircuitBreaker, func: Callable[..., T], *args, **kwargs) -> T:
    """``cb.call(func, ...)``, without making the calls wait for one another.

    pybreaker holds the breaker's lock for the whole of ``cb.call``, so with a shared breaker
    one slow request would queue every other thread behind it. While the circuit is closed,
    ``func`` therefore runs outside the lock and only its outcome goes through the breaker; an
    open or half-open circuit uses ``cb.call`` itself, to fail fast or let a single trial through.
    ``func`` should raise only for outages: whatever it raises counts as a failure (unless
    ``cb`` excludes it). Raises :class:`pybreaker.CircuitBreakerError` when the circuit is open.
    """
    if cb.current_state != pybreaker.STATE_CLOSED:
        return cb.call(func, *args, **kwargs)
    try:
        result = func(*args, **kwargs)
    except Exception as exc:
        # The breaker counts it. If that trips the circuit, this call still reports its own
        # failure: it was made, and "circuit open" would tell the caller it was not.
        try:
            return cb.call(_reraise, exc)
        except pybreaker.CircuitBreakerError:
            raise exc from None
    # Another thread may have opened the circuit meanwhile; this call succeeded all the same.
    with contextlib.suppress(pybreaker.CircuitBreakerError):
        cb.call(_succeed)
    return result


def guarded(cb: pybreaker.CircuitBreaker | None, send: Callable[..., T], *args,
            circuit_open: Exception, **kwargs) -> T:
    """``send(*args, **kwargs)`` behind ``cb`` (none: called directly).

    Clients give a ``send`` that raises only for outages, so that answers the other
    side gave (a decline, a refusal) never trip the breaker; while it is open,
    ``circuit_open`` is raised without calling.
    """
    if cb is None:
        return send(*args, **kwargs)
    try:
        return call(cb, send, *args, **kwargs)
    except pybreaker.CircuitBreakerError:
        raise circuit_open from None


def _reraise(exc: Exception):
    raise exc


def _succeed() -> None:
    return None

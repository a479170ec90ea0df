"""Time, read in one place.

*Business time* is a tenant's: the timestamps of orders, payments, services,
invoices, tickets and notifications, withdrawal windows, expiries, trials and
billing runs all come from :class:`TenantClock`, which in sandbox mode may run
ahead of the real time (a test clock, moved by ``POST /sandbox/clock/{tenant}/advance``).

*Infrastructure time* is the real time, :func:`wall_now`: job leases, retries and
schedules, tokens, sign-in throttling, webhook signatures, caches and metrics.

Nothing else in the platform reads the time; ``tests/integration/test_clock.py`` fails when
code does, and names the few functions allowed to read the real time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


def wall_now() -> datetime:
    """The real time, in UTC, for infrastructure (never for a business timestamp)."""
    return datetime.now(timezone.utc)


def wall_time() -> float:
    """The real time in seconds since the epoch, for tokens and signatures."""
    return time.time()


@dataclass(frozen=True)
class TenantClock:
    """A tenant's business time: the real time, moved ahead by ``offset_seconds`` (a test
    clock in sandbox mode; always 0 in production)."""

    offset_seconds: float = 0.0

    def now(self) -> datetime:
        return wall_now() + timedelta(seconds=self.offset_seconds)

    def today(self, zone: str) -> date:
        """The calendar day it is in the time zone ``zone``."""
        return self.now().astimezone(ZoneInfo(zone)).date()


#: The clock of infrastructure rows (the outbox, the sign-in throttle) and of the control plane.
WALL = TenantClock()

"""Sign-in throttling rules: how long an account, a known device or a client address waits.

Guessing is slowed per account (a delay that doubles with each failure in a row) and per
client address (a cap on failures per window, far above what an office makes), while a
device that signed in to the account before skips both: nobody can lock a person out of
the devices they use. The counts themselves live in the databases.
"""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

#: IPv6 clients are given a /64 each; counting them one address at a time would let one
#: client try from as many addresses as it likes.
IPV6_CLIENT_PREFIX = 64


@dataclass(frozen=True)
class Failures:
    """Failed sign-ins counted under one key since ``first_at``; the latest at ``last_at``."""

    count: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class KnownDevice:
    """An app or browser that signed in to one account, identified by a random id.

    :param tenant: the account's tenant; ``None`` for an operator (the control plane).
    """

    device_id: str
    tenant: str | None
    account_id: int
    email: str

    def is_for(self, tenant: str | None, account_id: int, email: str) -> bool:
        return (self.tenant, self.account_id, self.email) == (tenant, account_id, email)


@dataclass(frozen=True)
class SignInPolicy:
    """How failed sign-ins slow down the next attempts.

    :param failures_before_delay: failures in a row an account (or device) may make
        before each further attempt has to wait.
    :param first_delay: seconds waited after that many failures; doubled per further one.
    :param max_delay: the longest wait.
    :param forget_after: an account's (or device's) failures in a row are forgotten this
        long after the last one.
    :param address_max_failures: failures a client address may make per window.
    :param address_window: that window, from the address's first failure in it.
    """

    failures_before_delay: int
    first_delay: float
    max_delay: float
    forget_after: timedelta
    address_max_failures: int
    address_window: timedelta

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failures in a row."""
        if failures < self.failures_before_delay:
            return 0.0
        # Past about 60 doublings any delay is the maximum; stop before floats overflow.
        doublings = min(failures - self.failures_before_delay, 60)
        return min(self.max_delay, self.first_delay * 2 ** doublings)

    def in_a_row(self, failures: Failures | None, now: datetime) -> int:
        """How many failures of an account (or device) still count."""
        if failures is None or failures.last_at + self.forget_after <= now:
            return 0
        return failures.count

    def account_wait(self, failures: Failures | None, now: datetime) -> int:
        """Whole seconds before an account (or device) may try again; 0: now."""
        count = self.in_a_row(failures, now)
        if not count:
            return 0
        return _whole_seconds(failures.last_at + timedelta(seconds=self.delay_after(count)) - now)

    def address_wait(self, failures: Failures | None, now: datetime) -> int:
        """Whole seconds before a client address may try again; 0: now."""
        if failures is None or failures.count < self.address_max_failures:
            return 0
        return _whole_seconds(failures.first_at + self.address_window - now)


def _whole_seconds(delta: timedelta) -> int:
    return max(0, math.ceil(delta.total_seconds()))


def client_key(address: str | None) -> str:
    """The client a network address stands for: an IPv4 address, or an IPv6 client's /64.

    Anything that is not an address (no address at all) is one client, ``unknown``.
    """
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if parsed.version == 6 and parsed.ipv4_mapped:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.IPv6Network((int(parsed), IPV6_CLIENT_PREFIX), strict=False))
    return str(parsed)

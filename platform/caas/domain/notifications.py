"""Which channels tell a person about an event: the routing table and the rules around it.

:data:`ROUTES` is the specification's routing table, as data. A tenant admin may
change the channels of an event (:meth:`RoutingTable.with_overrides`), except for
:data:`LOCKED` events: credentials carry a password and go by email only. The
customer's preferences switch optional channels off, and quiet hours hold back
pushes that are not urgent (:func:`plan`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from caas.i18n import lazy_gettext
from typing import Mapping

EMAIL, PUSH, SMS, DISPLAY = "email", "push", "sms", "vehicle_display"
CHANNELS = (EMAIL, PUSH, SMS, DISPLAY)
#: Channels a customer may switch off; email is the contractual channel and always used.
OPTIONAL_CHANNELS = (PUSH, SMS, DISPLAY)

ORDER_STATUS_UPDATE = "order_status_update"
VEHICLE_READY = "vehicle_ready"
OTA_SUCCESS = "ota_success"
OTA_FAILED = "ota_failed"
CREDENTIALS_GENERATED = "credentials_generated"
PAYMENT_CONFIRMATION = "payment_confirmation"
MAINTENANCE_DUE = "maintenance_due"
WITHDRAWAL = "withdrawal"
SUBSCRIPTION = "subscription"

#: The specification's routing table ("Notification Routing Rules"), plus two events the
#: table has no row for, routed like a payment confirmation: ``withdrawal``, and
#: ``subscription`` (a refused month-end charge, a cancellation, a trial ending, a price
#: move, a time-limited option ending).
ROUTES: dict[str, tuple[str, ...]] = {
    ORDER_STATUS_UPDATE: (EMAIL, PUSH),
    VEHICLE_READY: (EMAIL, PUSH, SMS),
    OTA_SUCCESS: (EMAIL, PUSH, DISPLAY),
    OTA_FAILED: (EMAIL, PUSH),
    CREDENTIALS_GENERATED: (EMAIL,),
    PAYMENT_CONFIRMATION: (EMAIL, PUSH),
    MAINTENANCE_DUE: (EMAIL, PUSH, SMS, DISPLAY),
    WITHDRAWAL: (EMAIL, PUSH),
    SUBSCRIPTION: (EMAIL, PUSH),
}
EVENTS = tuple(ROUTES)
#: Events whose channels nobody may change.
LOCKED = frozenset({CREDENTIALS_GENERATED})
#: Events whose pushes go out even in the customer's quiet hours.
URGENT = frozenset({VEHICLE_READY, OTA_FAILED})

# Why a routed channel was not used; recorded with the notification.
NO_ADDRESS = "no_address"
OPTED_OUT = "opted_out"
QUIET_HOURS = "quiet_hours"


class RoutingError(ValueError):
    """A routing change the rules refuse; ``field`` names what is wrong."""

    def __init__(self, message, field: str = "channels"):
        super().__init__(message)
        self.field = field


def _checked(event: str, channels) -> tuple[str, ...]:
    if event not in ROUTES:
        raise RoutingError(lazy_gettext("Unknown event '%(event)s'.", event=event), "event")
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        raise RoutingError(lazy_gettext("Unknown channels: %(channels)s.",
                                        channels=", ".join(unknown)))
    chosen = tuple(channel for channel in CHANNELS if channel in set(channels))
    if not chosen:
        raise RoutingError(lazy_gettext("An event needs at least one channel."))
    if event in LOCKED and chosen != ROUTES[event]:
        raise RoutingError(lazy_gettext("%(event)s is always sent by %(channels)s only.",
                                        event=event, channels=", ".join(ROUTES[event])))
    return chosen


@dataclass(frozen=True)
class RoutingTable:
    """The channels of each event: the defaults with a tenant's overrides."""

    overrides: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, list[str]] | None) -> "RoutingTable":
        """A table with ``overrides`` (event -> channels), each checked.

        :raises RoutingError: unknown event or channel, or a change to a locked event.
        """
        return cls({event: _checked(event, channels)
                    for event, channels in (overrides or {}).items()})

    def channels(self, event: str) -> tuple[str, ...]:
        if event not in ROUTES:
            raise RoutingError(lazy_gettext("Unknown event '%(event)s'.", event=event), "event")
        if event in LOCKED:
            return ROUTES[event]
        return self.overrides.get(event, ROUTES[event])

    def rows(self) -> list[dict]:
        return [{"event": event, "channels": list(self.channels(event)),
                 "default": list(ROUTES[event]), "locked": event in LOCKED,
                 "overridden": event in self.overrides} for event in EVENTS]


@dataclass(frozen=True)
class Preferences:
    """A customer's choices: optional channels switched off, and quiet hours for pushes."""

    disabled: frozenset[str] = frozenset()
    quiet_start: time | None = None
    quiet_end: time | None = None

    def quiet_at(self, moment: time) -> bool:
        """Whether ``moment`` (the tenant's local time) is inside the quiet hours."""
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return False
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end  # over midnight, e.g. 22:00-07:00


@dataclass(frozen=True)
class Decision:
    channel: str
    skipped: str | None = None  # NO_ADDRESS, OPTED_OUT or QUIET_HOURS


def plan(event: str, table: RoutingTable, preferences: Preferences, local_time: time,
         reachable: set[str]) -> list[Decision]:
    """The channels the event goes to, each used or skipped with the reason.

    :param reachable: channels the person has an address on (a phone, a linked vehicle...).
    """
    decisions = []
    for channel in table.channels(event):
        if channel not in reachable:
            decisions.append(Decision(channel, NO_ADDRESS))
        elif (event not in LOCKED and channel in OPTIONAL_CHANNELS
              and channel in preferences.disabled):
            decisions.append(Decision(channel, OPTED_OUT))
        elif channel == PUSH and event not in URGENT and preferences.quiet_at(local_time):
            decisions.append(Decision(channel, QUIET_HOURS))
        else:
            decisions.append(Decision(channel))
    return decisions

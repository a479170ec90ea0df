"""The tenant's clock: what time it is for its orders, services, subscriptions and invoices.

In production it is the real time (:mod:`caas.clock`). In sandbox mode each tenant's clock can be
moved forward, like a payment provider's test clock, so that the demo and the
tests cross a month end in seconds; the offset lives in the tenant's database,
so every web process and worker reads the same time.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from caas.clock import wall_now
from caas.i18n import lazy_gettext
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import Invalid

#: Where a tenant's test-clock offset is kept, in its own settings (sandbox mode only).
OFFSET_SETTING = "billing_clock_offset_seconds"


def now(ctx: TenantContext) -> datetime:
    """The tenant's business time (inside a unit of work: ``uow.now()``)."""
    return ctx.clock.now()


def advance(ctx: TenantContext, *, days: float | None = None,
            until: datetime | None = None) -> datetime:
    """Move the tenant's clock forward by ``days`` or to ``until``; never backwards.

    :raises Invalid: neither or both given, or a time in the clock's past.
    """
    if (days is None) == (until is None):
        raise Invalid(lazy_gettext("Give either days or until."),
                      {"days": [lazy_gettext("Give days or until.")]})
    with ctx.uow() as uow:
        current = uow.now()
        target = current + timedelta(days=days) if days is not None else until
        if target.tzinfo is None:
            raise Invalid(lazy_gettext("until needs a time zone."),
                          {"until": [lazy_gettext("Needs a time zone.")]})
        if target.year >= 2900:
            raise Invalid(lazy_gettext("That is too far ahead."),
                          {"until": [lazy_gettext("Must be before the year 2900.")]})
        if target < current:
            raise Invalid(lazy_gettext("A clock only moves forward."), {"until": [
                lazy_gettext("Must be after the clock's time %(time)s.",
                             time=current.isoformat())]})
        uow.settings.put(OFFSET_SETTING, (target - wall_now()).total_seconds())
        uow.commit()
    ctx.units.forget_clock()
    return target

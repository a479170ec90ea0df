"""The notification engine: an event is routed to channels, and each channel is its own job.

:func:`notify` runs inside the transaction of the change it reports: it reads the
tenant's routing table and the person's preferences, records one notification per
routed channel (``queued``, or ``skipped`` with the reason) and queues one outbox
job per queued channel. :func:`deliver` is that job: it renders the message in the
person's language and sends it; a failure is retried with backoff by the outbox
machinery up to ``CAAS_NOTIFICATION_MAX_ATTEMPTS``, and every attempt and outcome is
written to the notification. Channels never wait for one another.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from caas import i18n
from caas.service_layer.gateways.iot import IotRejected
from caas.service_layer.gateways.messaging import ProviderRejected
from caas.domain import notifications as rules
from caas.domain.billing import local_day
from caas.domain.notifications import (DISPLAY, EMAIL, OPTIONAL_CHANNELS, PUSH, SMS, Preferences,
                                       RoutingError, RoutingTable)
from caas.domain.orders import Status
from caas.domain.tenants import Tenant
from caas.i18n import exception_text, lazy_gettext
from caas.service_layer import catalog, messages
from caas.service_layer.errors import Invalid, NotFound
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

log = logging.getLogger(__name__)
DELIVER = "deliver_notification"
ROUTES_SETTING = "notification_routes"
QUEUED, SENDING, RETRYING, SENT, FAILED, SKIPPED = (
    "queued", "sending", "retrying", "sent", "failed", "skipped")
FINISHED = (SENT, FAILED, SKIPPED)
#: Failures that another attempt cannot mend: the provider or the IoT API refused the message.
PERMANENT = (ProviderRejected, IotRejected)

#: The routing-table row of each order, service and billing message
#: (``messages.ORDER_EVENTS``, ``messages.SERVICE_EVENTS``, ``messages.BILLING_EVENTS``).
ROUTED_AS = {
    "factory_ordered": rules.PAYMENT_CONFIRMATION,  # sent when the reservation is paid
    "factory_delayed": rules.PAYMENT_CONFIRMATION,  # idem, the factory order queued
    "final_payment_received": rules.PAYMENT_CONFIRMATION,
    "vehicle_ready": rules.VEHICLE_READY,
    "vehicle_assigned": rules.VEHICLE_READY,
    "at_dealership": rules.VEHICLE_READY,  # ready to be collected
    "manufacturing": rules.ORDER_STATUS_UPDATE,
    "registration_delayed": rules.ORDER_STATUS_UPDATE,
    "registered": rules.ORDER_STATUS_UPDATE,
    "delivered": rules.ORDER_STATUS_UPDATE,
    "final_payment_failed": rules.ORDER_STATUS_UPDATE,
    "service_active": rules.OTA_SUCCESS,
    "service_failed": rules.OTA_FAILED,
    "service_withdrawn": rules.WITHDRAWAL,
    "service_expired": rules.SUBSCRIPTION,
    "invoice_paid": rules.PAYMENT_CONFIRMATION,
    "credit_note": rules.PAYMENT_CONFIRMATION,
    "invoice_payment_failed": rules.SUBSCRIPTION,
    "subscription_cancelled": rules.SUBSCRIPTION,
    "trial_ending": rules.SUBSCRIPTION,
    "trial_cancelled": rules.SUBSCRIPTION,
    "price_change": rules.SUBSCRIPTION,
}


def push_address(tenant: Tenant, user_id: int) -> str:
    """How the push provider knows a customer's app: the tenant and the account."""
    return f"{tenant.slug}:{user_id}"


def routing_table(uow) -> RoutingTable:
    stored = uow.settings.get(ROUTES_SETTING, {})
    return RoutingTable.with_overrides({event: channels for event, channels in stored.items()
                                        if event in rules.ROUTES})


@dataclass(frozen=True)
class Notice:
    """One recipient's notice: what :func:`notify_each` renders and routes for them."""

    recipient_id: int
    context: dict
    vin: str | None = None  # the vehicle whose display may show it; None: not theirs yet
    order_id: int | None = None
    service_id: int | None = None


def notify(uow, tenant: Tenant, recipient_id: int, event: str, message: str, context: dict, *,
           secrets: dict | None = None, vin: str | None = None, order_id: int | None = None,
           service_id: int | None = None) -> list[int]:
    """Route ``event`` to the recipient's channels, inside ``uow``; sent after commit.

    :param event: a row of the routing table (:data:`caas.domain.notifications.ROUTES`).
    :param message: the text to render (a key of ``messages.BUILDERS``), from ``context``
        plus the recipient's name and the tenant's; ``secrets`` (a password) join it when
        rendered and are never written to the notification.
    :param vin: the vehicle whose display may show it; ``None`` when it is not the person's yet.
    :returns: the ids of the notifications recorded, one per routed channel.
    """
    return notify_each(uow, tenant, event, message,
                       [Notice(recipient_id, context, vin, order_id, service_id)],
                       secrets=secrets)


def notify_each(uow, tenant: Tenant, event: str, message: str, notices: list[Notice], *,
                secrets: dict | None = None) -> list[int]:
    """:func:`notify` for many recipients at once (a month-end run's receipts): the
    recipients, their preferences and the routing table are read once, and the
    notifications and their jobs written with one insert each."""
    if not notices:
        return []
    recipients = [notice.recipient_id for notice in notices]
    users, profiles = uow.users.many(recipients), uow.customers.many(recipients)
    preferences = uow.preferences.many(recipients)
    table = routing_table(uow)
    local_time = uow.now().astimezone(ZoneInfo(tenant.timezone)).time()
    rows = []
    for notice in notices:
        user, profile = users[notice.recipient_id], profiles.get(notice.recipient_id)
        addresses = {EMAIL: user.email, PUSH: profile and push_address(tenant, user.id),
                     SMS: profile and profile["phone"], DISPLAY: notice.vin}
        decisions = rules.plan(event, table, preferences[user.id], local_time,
                               {channel for channel, address in addresses.items() if address})
        context = {"name": user.name, "tenant_name": tenant.name, **notice.context}
        rows += [dict(recipient_id=user.id, event=event, message=message, context=context,
                      channel=decision.channel, locale=user.locale,
                      fallback_locale=tenant.default_locale,
                      destination=addresses[decision.channel], order_id=notice.order_id,
                      service_id=notice.service_id, vin=notice.vin,
                      status=SKIPPED if decision.skipped else QUEUED, error=decision.skipped)
                 for decision in decisions]
    ids = uow.notifications.add_many(rows)
    uow.outbox.add_many(DELIVER, [
        {"notification_id": notification_id, **({"secrets": secrets} if secrets else {})}
        for notification_id, row in zip(ids, rows) if row["status"] == QUEUED])
    return ids


def order_notice(uow, tenant: Tenant, order, event: str, **context) -> None:
    """Tell the order's customer about ``event`` (a key of ``messages.ORDER_EVENTS``)."""
    context = {"reference": order.reference, "event": event, "model": order.model,
               "vin": order.vin, "plate": order.plate, **context}
    if event in ("vehicle_ready", "vehicle_assigned"):
        context.setdefault("amount", order.final_amount.to_dict())
    if order.estimated_date:
        context.setdefault("estimated_date", order.estimated_date.isoformat())
    # Until it is delivered the vehicle is not the customer's: its display stays out of it.
    delivered = order.status in (Status.DELIVERED, Status.OPERATIONAL)
    notify(uow, tenant, order.customer_id, ROUTED_AS[event], "order_update", context,
           order_id=order.id, vin=order.vin if delivered else None)


def service_notice(ctx: TenantContext, uow, service, event: str) -> None:
    """Tell the service's customer about ``event`` (a key of ``messages.SERVICE_EVENTS``)."""
    customer = uow.users.get(service.customer_id)
    option = ctx.plugins.catalog_options.get(service.option)
    context = {"event": event, "vin": service.vin, "amount": service.price.to_dict(),
               "option": option_name(option, service.option, customer.locale,
                                     ctx.tenant.default_locale),
               **_billing(ctx, uow, service)}
    if event == "service_active" and service.activated_at:
        context.update(activated_at=service.activated_at.isoformat(), timezone=ctx.tenant.timezone)
    notify(uow, ctx.tenant, service.customer_id, ROUTED_AS[event], "service_update", context,
           service_id=service.id, vin=service.vin)


def _billing(ctx: TenantContext, uow, service) -> dict:
    """How the service is paid, for its messages (``messages.SERVICE_BILLINGS``): a monthly
    option still in its free trial says so, with the trial's last day."""
    if service.billing != "monthly":
        return {"billing": "one_time"}
    subscription = uow.subscriptions.by_service(service.id)
    trial_ends = subscription and subscription.trial_ends_at
    if trial_ends and trial_ends > uow.now():
        return {"billing": "trial",
                "trial_ends": local_day(trial_ends, ctx.tenant.timezone).isoformat()}
    return {"billing": "monthly"}


def option_name(option, code: str, locale: str, fallback: str) -> str:
    """An option's name in ``locale`` (:func:`caas.i18n.option_name`); its code when no
    loaded plugin offers it any more."""
    return i18n.option_name(option, locale, fallback) if option is not None else code


# --- delivery: one job per notification -------------------------------------------

def deliver(ctx: TenantContext, notification_id: int, job_key: str,
            secrets: dict | None = None) -> None:
    """Send one notification on its channel; raises for the outbox job to try again.

    A notification already sent, failed for good or skipped is left alone, so a
    message delivered twice by the broker sends once.
    """
    with ctx.uow() as uow:
        notification = uow.notifications.start_attempt(notification_id, FINISHED)
        uow.commit()
    if notification is None:
        return
    limit = min(ctx.settings["CAAS_NOTIFICATION_MAX_ATTEMPTS"],
                ctx.settings["CAAS_OUTBOX_MAX_ATTEMPTS"])
    try:
        subject = _send(ctx, notification, secrets or {}, job_key)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
        final = isinstance(exc, PERMANENT) or notification["attempts"] >= limit
        _record(ctx, notification_id, status=FAILED if final else RETRYING,
                error=error)
        if final:
            log.error("notification failed for good", extra={
                "notification_id": notification_id, "channel": notification["channel"]})
            return
        raise RuntimeError(f"{notification['channel']} delivery failed: {error}") from exc
    _record(ctx, notification_id, status=SENT, error=None, subject=subject[:500],
            sent_at=ctx.clock.now())


def _record(ctx: TenantContext, notification_id: int, **values) -> None:
    with ctx.uow() as uow:
        uow.notifications.update(notification_id, **values)
        uow.commit()


def _send(ctx: TenantContext, notification: dict, secrets: dict,
          job_key: str) -> str:
    """Render and send; returns the subject, for the record."""
    channel, destination = notification["channel"], notification["destination"]
    message = messages.build(notification["message"], destination if channel == EMAIL else "",
                             notification["locale"], notification["fallback_locale"],
                             **notification["context"], **secrets)
    key = f"{ctx.tenant.slug}:notification:{notification['id']}"
    if channel == EMAIL:
        # The same Message-ID on every attempt lets receivers drop a resend.
        ctx.gateways.mail.send(message, message_id=f"<{job_key}@caas.example>")
    elif channel == PUSH:
        ctx.gateways.push.send(
            destination, message.subject, messages.short_text(message),
            language=notification["locale"], idempotency_key=key,
            data={"event": notification["event"], "notification_id": notification["id"]})
    elif channel == SMS:
        ctx.gateways.sms.send(destination, messages.short_text(message),
                                           sender=ctx.settings["CAAS_SMS_SENDER"],
                                           idempotency_key=key)
    elif channel == DISPLAY:
        timeout = catalog.ota_settings(ctx)["command_timeout_seconds"]
        # A fresh command id per attempt: the IoT API answers a known id with its old outcome.
        ctx.gateways.iot.run(
            destination, f"{ctx.tenant.slug}-ntf{notification['id']}-a{notification['attempts']}",
            {"hmi.notification.text": messages.display_text(message),
             "hmi.notification.source": "caas"},
            timeout_seconds=timeout)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    return message.subject


# --- the routing table, per tenant (admins) ----------------------------------------

def routes(ctx: TenantContext) -> list[dict]:
    with ctx.uow() as uow:
        return routing_table(uow).rows()


def set_route(ctx: TenantContext, event: str, channels: list[str] | None) -> dict:
    """Send ``event`` on ``channels`` from now on; ``None`` goes back to the default.

    :raises NotFound: unknown event. :raises Invalid: unknown channel, or a locked event.
    """
    _known({event: channels})
    refused = _refusals({event: channels}).get(event)
    if refused is not None:
        raise Invalid(exception_text(refused), {refused.field: [exception_text(refused)]})
    return set_routes(ctx, {event: channels})[0]


def set_routes(ctx: TenantContext, changes: dict[str, list[str] | None]) -> list[dict]:
    """Change several events' channels at once (``None``: back to the default), all or
    none; each event changed is audited as :func:`set_route` does.

    :returns: the rows of the events changed, in ``changes``' order.
    :raises NotFound: an unknown event. :raises Invalid: with errors by event (unknown
        channel, none at all, or a locked event); nothing is changed.
    """
    _known(changes)
    refused = {event: [exception_text(error)] for event, error in _refusals(changes).items()}
    if refused:
        raise Invalid(next(iter(refused.values()))[0], refused)
    with ctx.uow() as uow:
        before = dict(uow.settings.get(ROUTES_SETTING, {}))
        after = {key: value for key, value in before.items() if key not in changes}
        after.update({event: list(channels) for event, channels in changes.items()
                      if channels is not None})
        table = RoutingTable.with_overrides(after)
        uow.settings.put(ROUTES_SETTING, {key: list(value)
                                          for key, value in table.overrides.items()})
        for event, channels in changes.items():
            uow.audit.record("settings.notification_route", "settings", event,
                             before={"channels": before.get(event)},
                             after={"channels": channels})
        uow.commit()
    rows = {row["event"]: row for row in table.rows()}
    return [rows[event] for event in changes]


def _known(changes: dict) -> None:
    for event in changes:
        if event not in rules.ROUTES:
            raise NotFound(lazy_gettext("No notification event '%(event)s'.", event=event))


def _refusals(changes: dict[str, list[str] | None]) -> dict[str, RoutingError]:
    """Why the rules refuse each change they refuse (going back to a default never is)."""
    refused = {}
    for event, channels in changes.items():
        try:
            if channels is not None:
                RoutingTable.with_overrides({event: channels})
        except RoutingError as exc:
            refused[event] = exc
    return refused


# --- a customer's preferences -----------------------------------------------------

def preferences_view(preferences: Preferences) -> dict:
    quiet = None
    if preferences.quiet_start and preferences.quiet_end:
        quiet = {"start": preferences.quiet_start, "end": preferences.quiet_end}
    return {**{channel: channel not in preferences.disabled for channel in OPTIONAL_CHANNELS},
            "email": True, "quiet_hours": quiet}


def preferences(ctx: TenantContext, user_id: int) -> dict:
    with ctx.uow() as uow:
        return preferences_view(uow.preferences.get(user_id))


KEEP = "keep"


def set_preferences(ctx: TenantContext, user_id: int, channels: dict,
                    quiet_hours: dict | None | str = KEEP) -> dict:
    """Switch optional channels on or off and set (``{"start": time, "end": time}``, the
    tenant's local time) or clear (``None``) the quiet hours; what is not given is kept."""
    with ctx.uow() as uow:
        current = uow.preferences.get(user_id)
        disabled = set(current.disabled)
        for channel, enabled in channels.items():
            (disabled.discard if enabled else disabled.add)(channel)
        if quiet_hours == KEEP:
            start, end = current.quiet_start, current.quiet_end
        else:
            start = quiet_hours["start"] if quiet_hours else None
            end = quiet_hours["end"] if quiet_hours else None
        if start is not None and start == end:
            raise Invalid(lazy_gettext("Quiet hours need a start and a different end."),
                          {"quiet_hours": [lazy_gettext("Start and end are the same.")]})
        chosen = Preferences(frozenset(disabled), _minute(start), _minute(end))
        uow.preferences.put(user_id, chosen)
        uow.commit()
    return preferences_view(chosen)


def _minute(moment: time | None) -> time | None:
    return moment.replace(second=0, microsecond=0) if moment else None


# --- reads ------------------------------------------------------------------------

def notification_page(ctx: TenantContext, offset: int, limit: int, *,
                      recipient_id: int | None = None, channel: str | None = None,
                      status: str | None = None):
    """Notifications, newest first; a customer passes their own id and sees only theirs."""
    with ctx.reader() as uow:
        return uow.notifications.page(offset, limit, recipient_id=recipient_id,
                                      channel=channel, status=status)


TASKS = (Task(DELIVER, deliver, takes_job_key=True),)

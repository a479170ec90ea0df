"""The notification routing matrix: events × channels, as checkboxes, through the same use
cases as ``GET/PUT/DELETE /settings/notifications[/<event>]``.

The grid is one form; what it changes is applied all or none (:func:`notifications.set_routes`),
each event audited as through the API. A locked event's row is no part of the form, and a
forged POST for it is refused by the use case, as the API refuses it.
"""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_wtf import FlaskForm

from caas.domain.notifications import CHANNELS
from caas.entrypoints.web.admin.settings import SETTINGS, in_page_language, settings_page
from caas.entrypoints.web.customer import record_labels
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import notifications
from caas.service_layer.errors import ServiceError

ROUTING = f"{SETTINGS}/notifications"
#: The events as an administrator knows them (a customer reads "Your account" for credentials).
EVENT = {**record_labels.EVENT,
         "credentials_generated": lazy_gettext("Credentials generated")}
#: The button that puts every event back on its default channels.
EVERY_EVENT = "*"


class RoutingForm(FlaskForm):
    """The CSRF token; the grid's checkboxes are read by event (``<event>`` → channels),
    for the events the form lists (``events``)."""


@blp.get(ROUTING, endpoint="admin_settings_notifications")
@signed_in(*ADMIN)
def routing():
    return _grid(saved=request.args.get("saved"))


@blp.post(ROUTING)
@signed_in(*ADMIN)
def change_routing():
    form = RoutingForm()
    if not form.validate_on_submit():
        return _grid(form, status=400)
    current = {row["event"]: row for row in notifications.routes(tenant_ctx())}
    reset = request.form.get("reset")
    if reset:
        changes = {event: None for event in _reset(reset, current)}
    else:
        changes = _chosen(current)
    try:
        notifications.set_routes(tenant_ctx(), changes)
    except ServiceError as error:
        return _grid(form, {event: [in_page_language(message) for message in messages]
                            for event, messages in error.errors.items()},
                     error.message, error.status, chosen=changes)
    return redirect(url_for(".admin_settings_notifications",
                            saved="reset" if reset else "routes"), 303)


def _reset(reset: str, current: dict) -> list[str]:
    """The events a reset button puts back: one, or every changed one."""
    if reset == EVERY_EVENT:
        return [event for event, row in current.items() if row["overridden"]]
    return [reset]


def _chosen(current: dict) -> dict[str, list[str]]:
    """The rows the form sent whose channels differ from the current ones."""
    chosen = {event: [channel for channel in CHANNELS
                      if channel in request.form.getlist(event)]
              for event in dict.fromkeys(request.form.getlist("events"))}
    return {event: channels for event, channels in chosen.items()
            if event not in current or channels != current[event]["channels"]}


def _grid(form=None, errors=None, problem=None, status=200, chosen=None, saved=None):
    rows = notifications.routes(tenant_ctx())
    for row in rows:  # a refused change is shown as it was sent, beside its error
        if chosen and chosen.get(row["event"]) is not None and not row["locked"]:
            row["channels"] = chosen[row["event"]]
    return settings_page("settings_notifications.html", status, rows=rows,
                         form=form or RoutingForm(formdata=None), errors=errors or {},
                         problem=problem, saved=saved, channels=CHANNELS,
                         event_names=EVENT, channel_names=record_labels.CHANNEL,
                         every_event=EVERY_EVENT)

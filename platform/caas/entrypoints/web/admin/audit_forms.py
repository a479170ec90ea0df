"""The audit log's filters, read from the address, and what each entry changed."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.widgets import DateTimeLocalInput

from caas.entrypoints.web.forms import longest
from caas.i18n import lazy_gettext

#: Who acted, in the reader's language.
ROLE = {"admin": lazy_gettext("administrator"), "employee": lazy_gettext("dealership employee"),
        "customer": lazy_gettext("customer"), "operator": lazy_gettext("operator"),
        "system": lazy_gettext("the platform")}


def _moment(_form, field):
    """A time as a ``datetime-local`` field sends it (``2026-12-08T09:30``)."""
    if field.data:
        try:
            datetime.fromisoformat(field.data)
        except ValueError:
            raise ValidationError(lazy_gettext("A date and time, such as 2026-12-08 09:30."))


class AuditFilterForm(FlaskForm):
    """A GET form: nothing to protect with a CSRF token. Its limits are the API's
    (:class:`~caas.entrypoints.http.api.schemas.AuditQuerySchema`)."""

    class Meta:
        csrf = False

    actor = StringField(validators=[longest(254)])
    action = StringField(validators=[longest(100)])
    entity = StringField(validators=[longest(50)])
    entity_id = StringField(validators=[longest(100)])
    since = StringField(widget=DateTimeLocalInput(), validators=[_moment])
    until = StringField(widget=DateTimeLocalInput(), validators=[_moment])

    #: The time zone a time without an offset is read in (the tenant's).
    zone = "UTC"

    def read_in(self, zone: str) -> AuditFilterForm:
        self.zone = zone
        return self

    def _aware(self, text: str) -> datetime:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(self.zone))

    def validate_until(self, field):
        if not (field.data and self.since.data):
            return
        try:
            later = self._aware(field.data) > self._aware(self.since.data)
        except ValueError:
            return  # said by :func:`_moment`
        if not later:
            raise ValidationError(lazy_gettext("Must be later than the start."))

    def filters(self) -> dict:
        """The use case's filters: the actor's email, an action's beginning, the entity (and
        its id), and the times (read in :attr:`zone` when they have no offset)."""
        chosen = {}
        if (self.actor.data or "").strip():
            chosen["actor_email"] = self.actor.data.strip().lower()
        if (self.action.data or "").strip():
            chosen["action"] = self.action.data.strip().rstrip("*") + "*"
        for name in ("entity", "entity_id"):
            if (self[name].data or "").strip():
                chosen[name] = self[name].data.strip()
        for name in ("since", "until"):
            if self[name].data:
                chosen[name] = self._aware(self[name].data)
        return chosen


def changes(entry: dict) -> list[tuple[str, str, str]]:
    """The fields an entry changed, each ``(name, before, after)`` written as JSON (``—``
    for a field one side lacks)."""
    before, after = entry.get("before") or {}, entry.get("after") or {}

    def shown(side: dict, name: str) -> str:
        return json.dumps(side[name], ensure_ascii=False, default=str) if name in side else "—"
    return [(name, shown(before, name), shown(after, name))
            for name in sorted(set(before) | set(after), key=str)
            if name not in before or name not in after or before[name] != after[name]]

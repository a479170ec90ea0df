"""The support tickets' forms: the list's filters, and staff's changes to one ticket."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Optional, ValidationError

from caas.domain.tickets import MAX_COMMENT_LENGTH, TicketStatus
from caas.entrypoints.web import labels
from caas.entrypoints.web.once import OnceField
from caas.entrypoints.web.rendering import localized
from caas.i18n import lazy_gettext

#: The assignee filter's value for tickets nobody has.
NOBODY = "nobody"


def _statuses() -> list[tuple[str, str]]:
    return [(status.value, localized(labels.TICKET_STATUS[status])) for status in TicketStatus]


def _staff(staff) -> list[tuple[int, str]]:
    return [(person.id, person.name or person.email) for person in staff]


def _staff_id(value):
    """A staff member's id, or ``None`` (nobody) for an empty choice."""
    return int(value) if value not in (None, "", "None") else None


class TicketFilterForm(FlaskForm):
    """Read from the address (a GET form): nothing to protect with a CSRF token."""

    class Meta:
        csrf = False

    status = SelectField(validators=[Optional()])
    assignee = SelectField(validators=[Optional()])

    def offer(self, staff) -> TicketFilterForm:
        self.status.choices = [("", localized(lazy_gettext("Any status")))] + _statuses()
        self.assignee.choices = [("", localized(lazy_gettext("Anyone or nobody"))),
                                 (NOBODY, localized(lazy_gettext("Nobody")))] + [
            (str(person_id), name) for person_id, name in _staff(staff)]
        return self

    def filters(self) -> dict:
        """The use case's filters for what was chosen."""
        chosen = {}
        if self.status.data:
            chosen["status"] = self.status.data
        if self.assignee.data == NOBODY:
            chosen["assigned"] = False
        elif self.assignee.data:
            chosen["assignee_id"] = int(self.assignee.data)
        return chosen


class AssignTicketForm(FlaskForm):
    # Any id may be sent: the use case decides who may have a ticket, as for the API.
    assignee_id = SelectField(coerce=_staff_id, validate_choice=False)

    def offer(self, staff) -> AssignTicketForm:
        self.assignee_id.choices = [("", localized(lazy_gettext("Nobody")))] + _staff(staff)
        return self


class TicketStatusForm(FlaskForm):
    status = SelectField()

    def offer(self) -> TicketStatusForm:
        self.status.choices = _statuses()
        return self


class QuickStatusForm(FlaskForm):
    """One button: resolve, or reopen (its status is a hidden input)."""

    status = SelectField(choices=[TicketStatus.RESOLVED.value, TicketStatus.OPEN.value])


class CommentForm(FlaskForm):
    # An empty comment is the use case's to refuse, in its words.
    body = TextAreaField()
    once = OnceField()  # a double click adds the comment once

    def validate_body(self, field):
        if len(field.data or "") > MAX_COMMENT_LENGTH:
            raise ValidationError(lazy_gettext("A comment has at most %(max)s characters.",
                                               max=MAX_COMMENT_LENGTH))

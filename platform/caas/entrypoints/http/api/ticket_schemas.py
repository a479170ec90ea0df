"""Schemas of support tickets: the list's filters, a ticket with its history, staff's changes."""
from marshmallow import ValidationError, fields, validate, validates_schema

from caas.entrypoints.http.api.common_schemas import ActorSchema
from caas.i18n import N_
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema, Timestamp
from caas.domain.tickets import MAX_COMMENT_LENGTH, ChangeKind, TicketStatus


STATUSES = [status.value for status in TicketStatus]
ID = validate.Range(min=1, max=2**31 - 1)


class TicketQuerySchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.Length(max=40))
    assignee_id = fields.Integer(validate=ID, metadata={"description": "tickets assigned to "
                                                                       "this staff member"})
    assigned = fields.Boolean(metadata={"description": "true: tickets someone has; "
                                                       "false: tickets nobody has"})


class TicketSchema(OutputSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"example": "ota_failed"})
    status = fields.String(metadata={"enum": STATUSES})
    assignee_id = fields.Integer(allow_none=True, metadata={"description": "the staff member "
                                                                           "who has it"})
    order_id = fields.Integer(allow_none=True)
    vin = fields.String(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    summary = fields.String()
    details = fields.Dict()
    created_at = Timestamp()
    updated_at = Timestamp(metadata={"description": "the latest change or comment"})
    resolved_at = Timestamp(allow_none=True, metadata={
        "description": "when it was resolved; null while open or once reopened"})


class TicketChangeSchema(OutputSchema):
    id = fields.Integer()
    at = Timestamp()
    change = fields.String(metadata={"enum": [kind.value for kind in ChangeKind]})
    before = fields.Dict(allow_none=True, metadata={
        "description": "what changed as it was, e.g. {\"status\": \"open\"}; null for an "
                       "opening or a comment"})
    after = fields.Dict(allow_none=True, metadata={
        "description": "as it became, e.g. {\"assignee_id\": 7}, or {\"body\": ...} for a "
                       "comment"})
    actor = fields.Nested(ActorSchema)


class TicketCommentSchema(OutputSchema):
    id = fields.Integer(metadata={"description": "the comment's entry in the history"})
    at = Timestamp()
    author = fields.Nested(ActorSchema)
    body = fields.String()


class TicketDetailSchema(TicketSchema):
    history = fields.List(fields.Nested(TicketChangeSchema), metadata={
        "description": "every change, oldest first: opening, status, assignee, comment"})
    comments = fields.List(fields.Nested(TicketCommentSchema), metadata={
        "description": "staff's discussion, oldest first"})


class TicketUpdateSchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={
        "description": "a resolved ticket may be reopened (open or in_progress)"})
    assignee_id = fields.Integer(allow_none=True, validate=ID, metadata={
        "description": "an active employee or admin of the tenant; null: nobody"})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError(N_("Give a status, an assignee_id or both."))


class TicketCommentCreateSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=MAX_COMMENT_LENGTH))

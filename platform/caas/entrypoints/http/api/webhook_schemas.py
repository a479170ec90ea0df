"""Schemas of the events external systems send, and of the platform's answer."""
from marshmallow import EXCLUDE, fields, validate

from caas.entrypoints.http.api.common_schemas import QUANTITY
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema


class FactoryEventSchema(StrictSchema):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    order_id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    status = fields.String(required=True, validate=validate.OneOf(["IN_PROGRESS", "READY"]))
    vin = fields.String(validate=validate.Regexp(r"^[A-HJ-NPR-Z0-9]{17}$"))


class PaymentEventSchema(StrictSchema):
    class Meta:
        unknown = EXCLUDE  # a provider adds fields to its events over time

    event_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    payment_id = fields.String(required=True, validate=validate.Length(min=1, max=60))
    type = fields.String(required=True, validate=validate.OneOf(
        ["payment.settled", "payment.failed", "refund.settled"]))
    refund_id = fields.String(validate=validate.Length(max=60))
    amount = fields.String(validate=validate.Length(max=40))
    currency = fields.String(validate=validate.Length(max=3))
    reference = fields.String(validate=validate.Length(max=120))
    idempotency_key = fields.String(validate=validate.Length(max=255), metadata={
        "description": "the key of the request the news follows from: how news about a "
                       "payment whose answer was lost is matched"})


class TelemetryEventSchema(StrictSchema):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    vin = fields.String(required=True, validate=validate.Regexp(r"^[A-HJ-NPR-Z0-9]{17}$"))
    metric = fields.String(required=True, validate=validate.Length(min=1, max=40),
                           metadata={"example": "data"})
    day = fields.Date(required=True, metadata={"description": "the local day measured"})
    quantity = fields.String(required=True, validate=QUANTITY, metadata={
        "description": "used that day, in the metric's unit (GB for data)", "example": "1.250"})


class WebhookAnswerSchema(OutputSchema):
    outcome = fields.String()

"""Schemas of services bought for a vehicle, their subscriptions and their usage."""
from marshmallow import fields, validate

from caas.domain.billing import PERIOD_PATTERN
from caas.entrypoints.http.api.catalog_schemas import OptionSchema
from caas.entrypoints.http.api.common_schemas import (CARD_TOKEN, TransitionSchema, displayed_quantity,
                                                      money)
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema, Timestamp
from caas.i18n import N_


class VehicleOptionSchema(OptionSchema):
    available = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={
        "enum": ["incompatible", "already_active", "maintenance_overdue"]})
    reason_text = fields.String(allow_none=True, metadata={"description": "in the caller's language"})
    maintenance_checked = fields.Boolean(metadata={
        "description": "false when the maintenance system could not be asked (purchase allowed)"})


class PurchaseSchema(StrictSchema):
    option = fields.String(required=True, validate=validate.Length(min=1, max=64))
    card_token = fields.String(required=True, validate=CARD_TOKEN)


class RefundSchema(OutputSchema):
    status = fields.String(metadata={"enum": ["pending", "refunded"]})
    amount = money("what is owed back")


class ServiceSchema(OutputSchema):
    id = fields.Integer()
    vin = fields.String()
    option = fields.String()
    billing = fields.String()
    status = fields.String(metadata={"enum": ["paying", "activating", "active", "failed",
                                              "cancelled", "withdrawn", "payment_failed",
                                              "ended"]})
    price = money()
    payment_status = fields.String(metadata={"enum": [
        "none", "unknown", "authorized", "capturing", "captured", "capture_declined",
        "releasing", "voided", "refunded", "failed"], "description":
        "`unknown`: the gateway's answer to the authorization was lost and is being confirmed"})
    refunded = money("refunded so far")
    refund = fields.Nested(RefundSchema, allow_none=True, metadata={
        "description": "money owed back (a withdrawal): `pending` until the refund is made"})
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    activated_at = Timestamp(allow_none=True)
    expires_at = Timestamp(allow_none=True)
    ended_at = Timestamp(allow_none=True)
    created_at = Timestamp()
    history = fields.List(fields.Nested(TransitionSchema))


class SubscriptionSchema(OutputSchema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": ["active", "cancelling", "ended"]})
    started_at = Timestamp()
    cancel_at = Timestamp(allow_none=True, metadata={
        "description": "when a cancellation takes effect: the end of the month"})
    ended_at = Timestamp(allow_none=True)
    end_reason = fields.String(allow_none=True, metadata={
        "enum": ["cancelled", "payment_failed", "withdrawn"]})


class UsageQuerySchema(StrictSchema):
    period = fields.String(validate=validate.Regexp(PERIOD_PATTERN,
                                                    error=N_("A month written YYYY-MM.")))


class DailyUsageSchema(OutputSchema):
    day = fields.Date()
    quantity = fields.String(metadata={"example": "1.250"})


class MetricUsageSchema(OutputSchema):
    metric = fields.String(metadata={"example": "data"})
    unit = fields.String(allow_none=True, metadata={"example": "GB"})
    total = fields.String()
    total_display = displayed_quantity("total", lambda item: item.get("unit"), "the total")
    days = fields.List(fields.Nested(DailyUsageSchema))


class VehicleUsageSchema(OutputSchema):
    vin = fields.String()
    period = fields.String()
    metrics = fields.List(fields.Nested(MetricUsageSchema))

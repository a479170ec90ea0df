"""Schemas of vehicles in stock."""
from marshmallow import fields, validate

from caas.entrypoints.http.api.common_schemas import CODE
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema, Timestamp


class VehicleSchema(OutputSchema):
    vin = fields.String()
    model = fields.String()
    status = fields.String()
    plate = fields.String(allow_none=True)
    linked = fields.Function(lambda vehicle: vehicle.linked_user_id is not None)
    linked_at = Timestamp(allow_none=True)


class StockQuerySchema(StrictSchema):
    model = fields.String(validate=CODE)


class AssignSchema(StrictSchema):
    order_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))

"""Schemas of the catalog: vehicle models, plans and the options the tenant sells."""
from marshmallow import fields, validate

from caas.entrypoints.http.api.common_schemas import CODE, QUANTITY, amount, displayed_quantity, money
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema
from caas.service_layer.catalog import MOST_TRIAL_DAYS


class FactoryOptionSchema(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    price = amount("in the tenant currency, VAT included")


class ModelCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    base_price = amount("in the tenant currency, VAT included")
    options = fields.List(fields.Nested(FactoryOptionSchema), load_default=list,
                          validate=validate.Length(max=100))


class FactoryOptionOutSchema(OutputSchema):
    code = fields.String()
    name = fields.String()
    price = money()


class ModelSchema(OutputSchema):
    code = fields.String()
    name = fields.String()
    base_price = money()
    options = fields.List(fields.Nested(FactoryOptionOutSchema))


class PlanCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    reservation = amount("paid when the sale is made, in the tenant currency")


class PlanSchema(OutputSchema):
    code = fields.String()
    name = fields.String()
    reservation = money()


class OptionSettingSchema(StrictSchema):
    enabled = fields.Boolean(required=True)
    price = amount("in the tenant currency, VAT included; per month for monthly billing")
    billing = fields.String(required=True, validate=validate.OneOf(["one_time", "monthly"]))
    usage_price = amount("per unit of the option's usage metric beyond the included quantity, "
                         "VAT included; only for an option with a usage metric",
                         required=False, load_default=None)
    included = fields.String(validate=QUANTITY, load_default=None, metadata={
        "description": "quantity included each month, in the metric's unit (with usage_price)",
        "example": "10"})
    trial_days = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=0, max=MOST_TRIAL_DAYS), metadata={
                                    "description": "days of free trial of a monthly option; "
                                                   "null: the option's own"})


class UsageMetricSchema(OutputSchema):
    metric = fields.String()
    unit = fields.String()
    name = fields.String(metadata={"description": "in the caller's language"})
    decimals = fields.Integer()


class OptionSchema(OutputSchema):
    code = fields.String()
    name = fields.String(metadata={"description": "in the caller's language"})
    description = fields.String()
    billing_modes = fields.List(fields.String())
    duration_days = fields.Integer(allow_none=True)
    trial_days = fields.Integer(allow_none=True, metadata={
        "description": "days of free trial of a monthly subscription"})
    requires_maintenance = fields.Boolean()
    compatible_models = fields.List(fields.String(),
                                    metadata={"description": "empty: every model"})
    enabled = fields.Boolean()
    price = money()
    billing = fields.String(allow_none=True)
    usage = fields.Nested(UsageMetricSchema, allow_none=True,
                          metadata={"description": "what the option measures, if anything"})
    usage_price = money("per unit of usage beyond the included quantity")
    included = fields.String(allow_none=True, metadata={"description": "per month"})
    included_display = displayed_quantity(
        "included", lambda item: (item.get("usage") or {}).get("unit"), "the quantity included")


class OtaSettingsSchema(StrictSchema):
    max_attempts = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    command_timeout_seconds = fields.Float(required=True,
                                           validate=validate.Range(min=0.1, max=600))
    backoff_seconds = fields.Float(required=True, validate=validate.Range(min=0.01, max=3600),
                                   metadata={"description": "wait after the first failure; "
                                                            "doubles each time, with jitter"})

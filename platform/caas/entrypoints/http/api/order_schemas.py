"""Schemas of sales and orders, with their payments."""
from marshmallow import INCLUDE, ValidationError, fields, validate, validates_schema

from caas.domain.orders import Status
from caas.entrypoints.http.api.common_schemas import CARD_TOKEN, CODE, TransitionSchema, money
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema, Timestamp
from caas.i18n import N_


class AddressSchema(StrictSchema):
    """A postal address; countries may use more keys (e.g. a Swiss ``canton``), kept as given."""

    street = fields.String(required=True, validate=validate.Length(min=1, max=200))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))
    postal_code = fields.String(required=True, validate=validate.Length(min=1, max=20))

    class Meta:
        unknown = INCLUDE

    @validates_schema(pass_original=True)
    def _country_keys(self, data, original, **kwargs):
        extra = {key: value for key, value in original.items() if key not in self.fields}
        if len(extra) > 10:
            raise ValidationError(N_("At most 10 country-specific keys."))
        for key, value in extra.items():
            if not (isinstance(key, str) and len(key) <= 40 and isinstance(value, str)
                    and len(value) <= 100):
                raise ValidationError(N_("Short text (at most 100 characters)."), key)


class CustomerInSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=32))
    address = fields.Nested(AddressSchema, required=True)
    locale = fields.String(validate=validate.Length(max=16))
    tax_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class SaleCreateSchema(StrictSchema):
    customer = fields.Nested(CustomerInSchema, required=True)
    model = fields.String(required=True, validate=CODE)
    plan = fields.String(required=True, validate=CODE)
    options = fields.List(fields.String(validate=CODE), load_default=list,
                          validate=validate.Length(max=100))


class PaymentSchema(OutputSchema):
    kind = fields.String()
    attempt = fields.Integer()
    status = fields.String()
    amount = money()
    settlement = fields.String(allow_none=True)
    at = Timestamp()


class OrderSchema(OutputSchema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.String(metadata={"enum": [status.value for status in Status]})
    customer_id = fields.Integer()
    model = fields.String()
    plan = fields.String()
    options = fields.List(fields.String())
    price = money()
    reservation = money()
    final_amount = money("price less the reservation")
    vin = fields.String(allow_none=True)
    plate = fields.String(allow_none=True)
    factory_order_id = fields.String(allow_none=True)
    estimated_date = fields.Date(allow_none=True)
    registration_escalated_at = Timestamp(allow_none=True)
    created_at = Timestamp()
    updated_at = Timestamp()
    history = fields.List(fields.Nested(TransitionSchema))
    payments = fields.List(fields.Nested(PaymentSchema))


class SaleCustomerSchema(OutputSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    locale = fields.String()
    created = fields.Boolean(metadata={"description": "false when an existing customer was reused"})


class SaleSchema(OutputSchema):
    order = fields.Nested(OrderSchema)
    customer = fields.Nested(SaleCustomerSchema)


class OrderQuerySchema(StrictSchema):
    status = fields.String(validate=validate.OneOf([status.value for status in Status]))


class CardSchema(StrictSchema):
    card_token = fields.String(required=True, validate=CARD_TOKEN)


class DeliverySchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(["delivered", "customer_absent"]))

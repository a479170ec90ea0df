"""Schemas of sales, orders, vehicles, stock and webhooks."""
from babel.numbers import format_currency
from marshmallow import EXCLUDE, INCLUDE, ValidationError, fields, validate, validates_schema

from caas.entrypoints.http.api.language import formatting_locale
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema, Timestamp
from caas.domain.billing import PERIOD_PATTERN
from caas.domain.orders import Status
from caas.i18n import N_
from caas.quantities import format_quantity

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$",
                       error=N_("Letters, digits, '_', '.' and '-'; at most 40."))
#: Card tokens come from the gateway's card form: the platform never sees card numbers.
CARD_TOKEN = validate.Regexp(r"^tok_[A-Za-z0-9_]{1,60}$",
                             error=N_("Not a card token (tok_...)."))
AMOUNT = validate.Regexp(r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
                         error=N_("A decimal amount such as 49.90 (at most two decimals)."))


def amount(description: str, required: bool = True, **kwargs):
    """An amount in, as a decimal string (never a float), in the tenant currency."""
    return fields.String(required=required, validate=AMOUNT,
                         metadata={"description": description, "example": "49.90"}, **kwargs)


class MoneyField(fields.Field):
    """Money out as ``{"amount": "49.00", "currency": "EUR", "display": "49,00 €"}``."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        rounded = value.rounded()
        return {"amount": str(rounded.amount), "currency": rounded.currency,
                "display": format_currency(rounded.amount, rounded.currency,
                                           locale=formatting_locale())}


def displayed_quantity(value_key: str, unit_of, description: str) -> fields.Function:
    """A quantity with its unit, written for the caller's locale: ``"10 GB"``, ``"0,8 GB"``.

    :param value_key: the item's key of the quantity (a decimal string, e.g. ``"10.000"``).
    :param unit_of: ``(item) -> unit`` symbol.
    """
    def display(item):
        value = item.get(value_key)
        return None if value is None else format_quantity(value, unit_of(item), formatting_locale())
    return fields.Function(display, dump_only=True, allow_none=True, metadata={
        "description": f"{description}, with its unit, written for the caller's locale",
        "example": "10 GB"})


MONEY_DOC = {"type": "object", "properties": {"amount": {"type": "string", "example": "49.00"},
                                              "currency": {"type": "string", "example": "EUR"},
                                              "display": {"type": "string"}}}


def money(description: str | None = None):
    metadata = dict(MONEY_DOC, description=description) if description else MONEY_DOC
    return MoneyField(dump_only=True, metadata=metadata)


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


class ActorSchema(OutputSchema):
    role = fields.String()
    id = fields.Integer(allow_none=True)
    email = fields.String(allow_none=True)


class TransitionSchema(OutputSchema):
    at = Timestamp()
    from_ = fields.String(attribute="from", data_key="from")
    to = fields.String()
    note = fields.String()
    actor = fields.Nested(ActorSchema)


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


QUANTITY = validate.Regexp(r"^[0-9]{1,12}(\.[0-9]{1,6})?$",
                          error=N_("A decimal quantity such as 1.250, zero or more."))


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


# --- catalog options and services ---------------------------------------------------

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


class VehicleOptionSchema(OptionSchema):
    available = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={
        "enum": ["incompatible", "already_active", "maintenance_overdue"]})
    reason_text = fields.String(allow_none=True, metadata={"description": "in the caller's language"})
    maintenance_checked = fields.Boolean(metadata={
        "description": "false when the maintenance system could not be asked (purchase allowed)"})


class OtaSettingsSchema(StrictSchema):
    max_attempts = fields.Integer(required=True, validate=validate.Range(min=1, max=20))
    command_timeout_seconds = fields.Float(required=True,
                                           validate=validate.Range(min=0.1, max=600))
    backoff_seconds = fields.Float(required=True, validate=validate.Range(min=0.01, max=3600),
                                   metadata={"description": "wait after the first failure; "
                                                            "doubles each time, with jitter"})


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

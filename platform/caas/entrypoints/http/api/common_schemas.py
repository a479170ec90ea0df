"""Fields and schemas the resources' schemas share: codes, amounts, money, quantities,
status histories."""
from babel.numbers import format_currency
from marshmallow import fields, validate

from caas.entrypoints.http.api.language import formatting_locale
from caas.entrypoints.http.api.schemas import OutputSchema, Timestamp
from caas.i18n import N_
from caas.quantities import format_quantity


CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$",
                       error=N_("Letters, digits, '_', '.' and '-'; at most 40."))


#: Card tokens come from the gateway's card form: the platform never sees card numbers.
CARD_TOKEN = validate.Regexp(r"^tok_[A-Za-z0-9_]{1,60}$",
                             error=N_("Not a card token (tok_...)."))


AMOUNT = validate.Regexp(r"^[0-9]{1,9}(\.[0-9]{1,2})?$",
                         error=N_("A decimal amount such as 49.90 (at most two decimals)."))


QUANTITY = validate.Regexp(r"^[0-9]{1,12}(\.[0-9]{1,6})?$",
                          error=N_("A decimal quantity such as 1.250, zero or more."))


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

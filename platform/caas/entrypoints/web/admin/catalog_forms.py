"""The catalog console's forms: an option's sale settings, a price move's notice, a new model
(with its factory options) or plan, and a model's manual. Each checks what the API's schema
checks, with its words; the rest is the use case's to refuse."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, SelectField,
                     StringField)
from wtforms.validators import (DataRequired, InputRequired, Length, Optional, Regexp,
                                StopValidation)

from caas.entrypoints.http.api.common_schemas import AMOUNT, CODE, QUANTITY
from caas.entrypoints.web.once import OnceField
from caas.i18n import lazy_gettext
from caas.service_layer.catalog import MOST_TRIAL_DAYS

REQUIRED = lazy_gettext("Missing data for required field.")
#: The longest notice a price move gives, as the API allows.
MOST_NOTICE_DAYS = 366
#: The notice a price move gives unless told (as the API's).
DEFAULT_NOTICE_DAYS = 30
#: How many factory options a new model's form offers (blank ones are left out).
FACTORY_OPTION_ROWS = 3


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _amount(required: bool = True):
    """A decimal amount as the API takes it (a string, never a float)."""
    return StringField(filters=[_strip], validators=[
        DataRequired(REQUIRED) if required else Optional(),
        Regexp(AMOUNT.regex, message=lazy_gettext(AMOUNT.error))])


def _code():
    return StringField(filters=[_strip], validators=[
        DataRequired(REQUIRED), Regexp(CODE.regex, message=lazy_gettext(CODE.error))])


def _name():
    return StringField(filters=[_strip], validators=[
        DataRequired(REQUIRED),
        Length(max=200, message=lazy_gettext("Longer than maximum length %(max)s."))])


def _days(most: int):
    """Whole days, 0 to ``most``, as the API's schema takes them (the field keeps the
    number; an empty optional field, ``None``)."""
    def check(_form, field):
        if field.data in (None, ""):
            field.data = None
            return
        try:
            field.data = int(field.data)
        except (TypeError, ValueError):
            raise StopValidation(lazy_gettext("Not a valid integer.")) from None
        if not 0 <= field.data <= most:
            raise StopValidation(lazy_gettext(
                "Must be greater than or equal to %(min)s and less than or equal to %(max)s.",
                min=0, max=most))
    return check


class OptionForm(FlaskForm):
    """One option's sale: on or off, its price and billing mode, its free trial (empty: the
    option's own), and for an option that measures usage, its usage price and the quantity
    included each month."""
    enabled = BooleanField()
    price = _amount()
    billing = SelectField(validate_choice=False)  # the use case refuses a mode not offered
    usage_price = _amount(required=False)
    included = StringField(filters=[_strip], validators=[
        Optional(), Regexp(QUANTITY.regex, message=lazy_gettext(QUANTITY.error))])
    trial_days = StringField(filters=[_strip], validators=[_days(MOST_TRIAL_DAYS)])

    def for_option(self, option: dict, billings: dict) -> OptionForm:
        """Ids of the option's own (the page has one form per option) and its billing modes,
        named in the page's language by ``billings``."""
        for field in self:
            field.id = f"{option['code']}-{field.name}"
        self.billing.choices = [(mode, billings[mode]) for mode in option["billing_modes"]]
        return self

    def setting(self) -> dict:
        """The use case's arguments, as the API's ``PUT /catalog/options/<code>`` sends them."""
        return {"enabled": self.enabled.data, "price": self.price.data,
                "billing": self.billing.data, "usage_price": self.usage_price.data or None,
                "included": self.included.data or None, "trial_days": self.trial_days.data}


class PriceMoveForm(FlaskForm):
    """The notice a price move gives; the confirmation carries a one-time key."""

    notice_days = StringField(default=str(DEFAULT_NOTICE_DAYS), filters=[_strip], validators=[
        InputRequired(REQUIRED), _days(MOST_NOTICE_DAYS)])
    once = OnceField()


class PreviewForm(FlaskForm):
    """The preview's GET form: nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    notice_days = PriceMoveForm.notice_days


class FactoryOptionForm(Form):
    """A row of the model's form (which has the CSRF token); a blank row is left out."""

    code = StringField(filters=[_strip], validators=[
        Optional(), Regexp(CODE.regex, message=lazy_gettext(CODE.error))])
    name = StringField(filters=[_strip], validators=[Length(
        max=200, message=lazy_gettext("Longer than maximum length %(max)s."))])
    price = _amount(required=False)

    def blank(self) -> bool:
        return not (self.code.data or self.name.data or self.price.data)

    def validate(self, extra_validators=None) -> bool:
        """A begun factory option needs its code, name and price."""
        if self.blank():
            return True
        valid = super().validate(extra_validators)
        for part in (self.code, self.name, self.price):
            if not part.data:
                part.errors = [*part.errors, REQUIRED]
                valid = False
        return valid


class ModelForm(FlaskForm):
    code = _code()
    name = _name()
    base_price = _amount()
    options = FieldList(FormField(FactoryOptionForm), min_entries=FACTORY_OPTION_ROWS,
                        max_entries=FACTORY_OPTION_ROWS)

    def model(self) -> dict:
        """The use case's arguments, as the API's ``POST /models`` sends them."""
        return {"code": self.code.data, "name": self.name.data,
                "base_price": self.base_price.data,
                "options": [{"code": entry.form.code.data, "name": entry.form.name.data,
                             "price": entry.form.price.data}
                            for entry in self.options.entries if not entry.form.blank()]}


class PlanForm(FlaskForm):
    code = _code()
    name = _name()
    reservation = _amount()

    def plan(self) -> dict:
        """The use case's arguments, as the API's ``POST /plans`` sends them."""
        return {"code": self.code.data, "name": self.name.data,
                "reservation": self.reservation.data}


class ManualForm(FlaskForm):
    model = HiddenField()
    title = _name()
    file = FileField(validators=[FileRequired(lazy_gettext("Choose a file."))])

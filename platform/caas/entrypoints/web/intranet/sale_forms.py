"""The sale form: the customer (as the API's register-sale schema has it), then the model, its
factory options and the plan. The country's rules are the use case's, not the form's."""
from __future__ import annotations

import re

from flask import request
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, SelectMultipleField, TelField
from wtforms.validators import DataRequired

from caas.entrypoints.web.forms import text, valid_email
from caas.entrypoints.web.once import OnceField
from caas.i18n import lazy_gettext

#: The fields' labels, shown beside them and in the error summary.
LABELS = {
    "name": lazy_gettext("Full name"), "email": lazy_gettext("Email"),
    "phone": lazy_gettext("Phone"), "tax_id": lazy_gettext("Tax id"),
    "street": lazy_gettext("Street and number"), "postal_code": lazy_gettext("Postal code"),
    "city": lazy_gettext("City"), "address": lazy_gettext("Postal address"),
    "locale": lazy_gettext("Language of the customer's emails"),
    "model": lazy_gettext("Model"), "options": lazy_gettext("Factory options"),
    "plan": lazy_gettext("Plan"),
}
#: The address's fields in the form (a country may check more keys: shown on the address).
ADDRESS = ("street", "postal_code", "city")
#: A country's own address key (the Swiss canton): a field ``address-<key>``, which the form
#: shows once the country asks for it. As the API's schema: at most 10, of 100 characters.
COUNTRY_KEY = re.compile(r"address-([a-z][a-z0-9_]{0,39})")
COUNTRY_KEYS, COUNTRY_VALUE = 10, 100


class SaleForm(FlaskForm):
    once = OnceField()
    name = text(200)
    email = text(254, EmailField, valid_email)
    phone = text(32, TelField)
    tax_id = text(40)
    street = text(200)
    postal_code = text(20)
    city = text(100)
    locale = SelectField(validate_choice=False)  # the use case says which the tenant offers
    model = RadioField(validate_choice=False,
                       validators=[DataRequired(lazy_gettext("Choose a model."))])
    # "model:option" (a code may repeat across models): the use case checks what is offered.
    options = SelectMultipleField(validate_choice=False)
    plan = RadioField(validate_choice=False,
                      validators=[DataRequired(lazy_gettext("Choose a plan."))])

    def customer(self) -> dict:
        """The customer as the use case takes it (the API's ``customer``)."""
        typed = {name: self[name].data or "" for name in
                 ("name", "email", "phone", "tax_id", "locale", *ADDRESS)}
        return {**{name: typed[name] for name in ("name", "email", "phone", "tax_id")},
                "locale": typed["locale"] or None,
                "address": {**self.country_address(), **{name: typed[name] for name in ADDRESS}}}

    def country_address(self) -> dict[str, str]:
        """The country's own address keys the form was sent with."""
        found = {}
        for name, value in request.form.items():
            key = COUNTRY_KEY.fullmatch(name)
            if key and key[1] not in ADDRESS and len(found) < COUNTRY_KEYS:
                found[key[1]] = value.strip()[:COUNTRY_VALUE]
        return found

    def option_codes(self) -> list[str]:
        return [each.rpartition(":")[2] for each in self.options.data or ()]

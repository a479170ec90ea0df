"""The order page's forms: a payment, a delivery's outcome, and a step with nothing to fill.

The payment form's card is the payment sandbox's test token (``tok_ok``, ``tok_decline``...).
In production the gateway's hosted card fields would give the form that token: no card
number ever reaches the platform.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp, ValidationError

from caas.entrypoints.http.api.common_schemas import CARD_TOKEN
from caas.entrypoints.web.once import OnceField
from caas.i18n import lazy_gettext
from caas.service_layer import delivery


class PaymentForm(FlaskForm):
    """Charges once however often it is sent (:mod:`~caas.entrypoints.web.once`)."""

    once = OnceField()
    card_token = StringField(validators=[
        DataRequired(lazy_gettext("Enter the card token.")),
        # The API's own rule for a token, so that both refuse the same input.
        Regexp(CARD_TOKEN.regex, message=lazy_gettext("Not a card token (tok_...)."))])


class DeliveryForm(FlaskForm):
    """Sent by one of two buttons, each naming its outcome."""

    outcome = StringField()

    def validate_outcome(self, field):
        if field.data not in delivery.OUTCOMES:
            raise ValidationError(lazy_gettext("Choose whether the vehicle was delivered or "
                                               "the customer was absent."))


class StepForm(FlaskForm):
    """A step with nothing to fill in (its CSRF token only)."""

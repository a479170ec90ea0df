"""The forms of the customer's vehicles and services: buying an option (once), withdrawing
(once), cancelling a subscription, linking a delivered vehicle."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Regexp

from caas.entrypoints.http.api.common_schemas import CARD_TOKEN
from caas.entrypoints.web.once import OnceField
from caas.i18n import lazy_gettext
from caas.service_layer.errors import ServiceError


class PurchaseForm(FlaskForm):
    """Buy one option. In sandbox mode the card is one of the payment sandbox's test tokens;
    in production the gateway's hosted fields give the token, and no card number ever
    reaches the platform."""
    option = HiddenField(validators=[DataRequired()])
    card_token = StringField(validators=[
        DataRequired(lazy_gettext("Enter a test card token.")),
        # The API's own rule for a token.
        Regexp(CARD_TOKEN.regex, message=lazy_gettext("Not a card token (tok_...)."))])
    once = OnceField()

    def for_option(self, code: str) -> "PurchaseForm":
        """Give the form's fields ids of their own: the catalog shows one form per option."""
        self.option.data = code
        self.option.id, self.card_token.id = f"option-{code}", f"card-token-{code}"
        return self


class WithdrawalForm(FlaskForm):
    once = OnceField()


class PlainForm(FlaskForm):
    """A button that changes state: nothing but the CSRF token."""


def refusal(form: FlaskForm | None, error: ServiceError):
    """The use case's refusal for the page: its message and status; its field errors go
    beside the form's fields."""
    for name, messages in (error.errors or {}).items():
        if form is not None and name in form:
            form[name].errors = list(messages)
    return error.message, error.status

"""The billing pages' forms: a month to bill, and the invoice search."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Optional, Regexp
from wtforms.widgets import MonthInput

from caas.domain.billing import PERIOD_PATTERN
from caas.entrypoints.web.admin.billing_labels import INVOICE_KIND, INVOICE_STATUS
from caas.entrypoints.web.forms import longest
from caas.entrypoints.web.once import OnceField
from caas.entrypoints.web.rendering import localized
from caas.i18n import lazy_gettext


class RunForm(FlaskForm):
    """The month to bill; a double click starts one run."""

    # A month picker where the browser has one; a text field written YYYY-MM elsewhere.
    period = StringField(widget=MonthInput(), validators=[
        InputRequired(lazy_gettext("Choose the month to bill.")),
        Regexp(PERIOD_PATTERN, message=lazy_gettext("A month written YYYY-MM."))])
    once = OnceField()


class InvoiceSearchForm(FlaskForm):
    """Read from the address (a GET form): nothing to protect with a CSRF token."""

    class Meta:
        csrf = False

    q = StringField(validators=[longest(254)])
    status = SelectField(validators=[Optional()])
    kind = SelectField(validators=[Optional()])

    def offer(self) -> InvoiceSearchForm:
        self.status.choices = [("", localized(lazy_gettext("Any status")))] + [
            (value, localized(name)) for value, name in INVOICE_STATUS.items()]
        self.kind.choices = [("", localized(lazy_gettext("Invoices and credit notes")))] + [
            (value, localized(name)) for value, name in INVOICE_KIND.items()]
        return self

    def filters(self) -> dict:
        """The use case's filters for what was asked."""
        return {"text": self.q.data or None, "status": self.status.data or None,
                "kind": self.kind.data or None}

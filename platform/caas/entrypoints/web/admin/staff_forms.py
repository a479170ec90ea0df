"""The staff pages' forms: inviting an admin or employee, changing a role, deactivating and
reactivating an account. The use cases decide what is allowed (who may be changed, which
languages the tenant offers); the forms only read what was sent."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField
from wtforms.validators import DataRequired

from caas.domain.users import STAFF_ROLES
from caas.entrypoints.web import labels
from caas.entrypoints.web.forms import text, valid_email
from caas.entrypoints.web.once import OnceField
from caas.entrypoints.web.rendering import localized, reader_language_name
from caas.i18n import lazy_gettext


def _roles() -> list[tuple[str, str]]:
    return [(role, localized(labels.STAFF_ROLE[role])) for role in STAFF_ROLES]


class InviteForm(FlaskForm):
    once = OnceField()  # a double click invites once (and emails one password)
    name = text(200)
    email = text(254, EmailField, valid_email)
    role = RadioField(validate_choice=False,
                      validators=[DataRequired(lazy_gettext("Choose a role."))])
    locale = SelectField(validate_choice=False)  # the use case says which the tenant offers

    def offer(self, tenant) -> InviteForm:
        self.role.choices = _roles()
        self.locale.choices = [(locale, reader_language_name(locale))
                               for locale in tenant.locales]
        if not self.is_submitted():
            self.role.data, self.locale.data = "employee", tenant.default_locale
        return self


class RoleForm(FlaskForm):
    role = SelectField(validate_choice=False)  # any role may be sent: the use case checks

    def offer(self) -> RoleForm:
        self.role.choices = _roles()
        return self


class DeactivateForm(FlaskForm):
    confirm = BooleanField(validators=[DataRequired(lazy_gettext(
        "Tick the box to confirm the deactivation."))])


class ReactivateForm(FlaskForm):
    """Nothing but the CSRF token: the button says what it does."""

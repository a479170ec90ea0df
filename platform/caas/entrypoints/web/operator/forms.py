"""The console's forms: a new tenant with its first admin, and the buttons that act."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from caas.entrypoints.web.forms import REQUIRED, longest, text, valid_email
from caas.entrypoints.web.rendering import language_name, localized
from caas.i18n import lazy_gettext

DEFAULT_LANGUAGE = lazy_gettext("The tenant's first language")


class TenantSearchForm(FlaskForm):
    """Read from the address (a GET form): nothing to protect with a CSRF token."""

    class Meta:
        csrf = False

    q = StringField(validators=[Optional(), longest(200)],
                    filters=[lambda value: value.strip() if isinstance(value, str) else value])


class NewTenantForm(FlaskForm):
    """As the API's ``TenantCreateSchema`` with its ``admin``: the country's languages and
    currency are the tenant's."""

    slug = text(40)
    name = text(200)
    country = RadioField(validators=[DataRequired(REQUIRED)])
    admin_name = text(200)
    admin_email = text(254, EmailField, valid_email)
    #: Empty: the tenant's first language.
    admin_locale = SelectField(validators=[Optional()])

    def offer(self, countries) -> NewTenantForm:
        """Choices from the installed country plugins (``countries``: code → Country)."""
        self.country.choices = sorted(countries)
        self.admin_locale.choices = [("", localized(DEFAULT_LANGUAGE))] + [
            (locale, language_name(locale))
            for locale in sorted({each for country in countries.values()
                                  for each in country.locales})]
        return self

    def use_case_arguments(self) -> dict:
        return {"slug": self.slug.data, "name": self.name.data, "country": self.country.data,
                "admin": {"name": self.admin_name.data, "email": self.admin_email.data,
                          "locale": self.admin_locale.data or None}}

    def show(self, errors: dict) -> None:
        """Put the use case's ``errors`` beside their fields (the admin's are nested)."""
        for name, messages in errors.items():
            if name == "admin" and isinstance(messages, dict):
                self.show({f"admin_{key}": value for key, value in messages.items()})
            elif name in self:
                self[name].errors = list(messages)


class ActForm(FlaskForm):
    """A button that changes state: nothing but the CSRF token."""

"""The pages' forms (WTForms through Flask-WTF: each carries its CSRF token).

Labels are written in the templates, in the page's language; errors are
:class:`~caas.i18n.LazyText`, rendered there too.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from marshmallow import ValidationError as NotAnEmail
from marshmallow import validate
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from caas.i18n import lazy_gettext

REQUIRED = lazy_gettext("Missing data for required field.")


def show_errors(form, errors: dict | None) -> None:
    """Put a use case's field ``errors`` (by field name) beside the form's fields of that name."""
    for name, messages in (errors or {}).items():
        if name in form:
            form[name].errors = list(messages)


def longest(limit: int):
    """At most ``limit`` characters, as the API's schema allows (the input says so too)."""
    def check(_form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(lazy_gettext("Longer than maximum length %(max)s.",
                                               max=limit))
    check.field_flags = {"maxlength": limit}
    return check


def valid_email(_form, field):
    """The same check as the API's (marshmallow's)."""
    try:
        validate.Email()(field.data or "")
    except NotAnEmail:
        raise ValidationError(lazy_gettext("Not a valid email address.")) from None


def text(limit: int, field=StringField, *more):
    """A required text of at most ``limit`` characters, without surrounding spaces."""
    return field(validators=[DataRequired(REQUIRED), longest(limit), *more],
                 filters=[lambda value: value.strip() if isinstance(value, str) else value])


class SignInForm(FlaskForm):
    email = EmailField(validators=[
        DataRequired(lazy_gettext("Enter your email address.")), Length(max=254)])
    password = PasswordField(validators=[DataRequired(lazy_gettext("Enter your password."))])


class PasswordChangeForm(FlaskForm):
    old_password = PasswordField(validators=[
        DataRequired(lazy_gettext("Enter your current password."))])
    new_password = PasswordField(validators=[
        DataRequired(lazy_gettext("Enter a new password."))])


class ResetRequestForm(FlaskForm):
    email = EmailField(validators=[
        DataRequired(lazy_gettext("Enter your email address.")), Length(max=254)])


class NewPasswordForm(FlaskForm):
    new_password = PasswordField(validators=[
        DataRequired(lazy_gettext("Enter a new password."))])


class LanguageForm(FlaskForm):
    language = SelectField(validate_choice=True)
    next = HiddenField()


class SignOutForm(FlaskForm):
    """Nothing but the CSRF token: signing out changes state, so it is a POST."""


"""The pages' forms (WTForms through Flask-WTF: each carries its CSRF token).

Labels are written in the templates, in the page's language; errors are
:class:`~caas.i18n.LazyText`, rendered there too.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Length, ValidationError

from caas.i18n import lazy_gettext


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


class AtMost:
    """A text of at most ``length`` characters, said in the page's language (WTForms' own
    ``Length`` formats its message itself, which a lazy text does not allow)."""

    def __init__(self, length: int):
        self.length = length

    def __call__(self, _form, field):
        if len(field.data or "") > self.length:
            raise ValidationError(lazy_gettext("At most %(max)s characters.", max=self.length))

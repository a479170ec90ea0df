"""Each plugin's per-tenant settings, as a form drawn from the schema it declares, through
the same use cases as ``GET/PUT /plugins/<name>/settings``.

Secrets are write-only: the page says whether one is set, never what it is; a secret's
field left empty keeps it, and "clear" removes one the schema does not require.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from flask import g, redirect, request, url_for
from flask_wtf import FlaskForm

from caas import i18n

from caas.entrypoints.web import rendering
from caas.entrypoints.web.admin.settings import (SETTINGS, in_page_language, settings_page,
                                                 typed_number)
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.service_layer import plugin_settings
from caas.service_layer.errors import ServiceError

PLUGIN = f"{SETTINGS}/plugins/<string(maxlength=100):name>"
#: The checkbox that clears a secret is named after it, with this prefix.
CLEAR = "clear-"


class PluginSettingsForm(FlaskForm):
    """The CSRF token; the fields are the plugin's schema's, read by name."""


@blp.get(PLUGIN, endpoint="admin_settings_plugin")
@signed_in(*ADMIN)
def plugin(name):
    fields = plugin_settings.fields(tenant_ctx(), name)  # NotFound: the 404 page
    view = plugin_settings.read(tenant_ctx(), name)
    return _form_page(name, fields, view, view["settings"], saved=request.args.get("saved"))


@blp.post(PLUGIN)
@signed_in(*ADMIN)
def change_plugin(name):
    fields = plugin_settings.fields(tenant_ctx(), name)
    view = plugin_settings.read(tenant_ctx(), name)
    form = PluginSettingsForm()
    sent = {field.name: request.form.get(field.name, "") for field in fields
            if not field.secret}
    if not form.validate_on_submit():
        return _form_page(name, fields, view, sent, form=form, status=400)
    try:
        plugin_settings.replace(tenant_ctx(), name, _payload(fields))
    except ServiceError as error:
        errors = {field: [in_page_language(message) for message in messages]
                  for field, messages in error.errors.items()}
        return _form_page(name, fields, view, sent, form=form, errors=errors,
                          problem=error.message, status=error.status)
    return redirect(url_for(".admin_settings_plugin", name=name, saved=1), 303)


def _payload(fields) -> dict:
    """What the form says, as the use case takes it: an empty field is left out (a secret
    kept, a setting back to its default), a cleared secret is ``None``."""
    payload = {}
    for field in fields:
        text = request.form.get(field.name, "")
        if field.kind == "boolean":
            payload[field.name] = field.name in request.form
        elif field.secret and request.form.get(CLEAR + field.name):
            payload[field.name] = None
        elif text.strip():
            payload[field.name] = _typed(field.kind, text.strip())
    return payload


def _typed(kind: str, text: str):
    """A number field's value as a JSON number, as the API would be sent it; what is no
    number stays text, for the schema to refuse in its words."""
    if kind not in ("integer", "number"):
        return text
    try:
        value = Decimal(typed_number(text))
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    if kind == "number":
        return float(value)
    return int(value) if value == value.to_integral_value() else text


def _form_page(name, fields, view, values, *, form=None, errors=None, problem=None,
               status=200, saved=None):
    errors = errors or {}
    names = {field.name for field in fields}
    return settings_page(
        "settings_plugin.html", status, name=name, secrets=view["secrets"],
        fields=[replace(field, label=_plugins_text(field.label),
                        description=field.description and _plugins_text(field.description))
                for field in fields],
        values={key: _shown(value) for key, value in values.items()},
        form=form or PluginSettingsForm(formdata=None), errors=errors,
        problem=problem, saved=saved, clear=CLEAR,
        # The schema's errors about no one field are said at the top.
        others=[message for key, messages in errors.items() if key not in names
                for message in messages])


def _plugins_text(text: str) -> str:
    """A plugin's text, in the page's language where the plugin's catalogs translate it."""
    return i18n.localized(text, {}, g.web_locale, g.web_fallback)


def _shown(value) -> str:
    """A setting as the form shows it: numbers the reader's way, nothing for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    return rendering.number(value) if isinstance(value, (int, float)) else str(value)

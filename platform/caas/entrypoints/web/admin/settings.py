"""The admin console's settings: a landing page linking its parts, and the OTA retry policy
(the same use cases as ``GET/PUT /settings/ota``, checked by the API's own schema).

The notification routing (:mod:`settings_routes`) and each plugin's settings
(:mod:`settings_plugins`) are parts of it too.
"""
from __future__ import annotations

from babel.numbers import NumberFormatError, parse_decimal
from flask import g, redirect, request, url_for
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import StringField

from caas.entrypoints.http.api import field_messages
from caas.entrypoints.http.api.catalog_schemas import OtaSettingsSchema
from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import catalog, plugin_settings

navigation.link("web.admin_settings", lazy_gettext("Settings"), *ADMIN, position=130,
                section="admin")

SETTINGS = "/admin/settings"


@blp.get(SETTINGS, endpoint="admin_settings")
@signed_in(*ADMIN)
def landing():
    return rendering.page("admin/settings.html", plugins=plugin_settings.offered(tenant_ctx()))


def settings_page(template: str, status: int = 200, **context):
    """A settings page, with the settings' parts to move between."""
    return rendering.page(f"admin/{template}", status, parts=_parts(), **context)


def _parts() -> list[tuple[str, object]]:
    """(address, name) of each part of the settings."""
    return [(url_for(".admin_settings"), lazy_gettext("All settings")),
            (url_for(".admin_settings_ota"), lazy_gettext("Over-the-air activation")),
            (url_for(".admin_settings_notifications"), lazy_gettext("Notification routing")),
            *[(url_for(".admin_settings_plugin", name=plugin["plugin"]),
               lazy_gettext("Plugin %(name)s", name=plugin["plugin"]))
              for plugin in plugin_settings.offered(tenant_ctx())]]


def in_page_language(message) -> str:
    """A use case's or a schema's message (marshmallow writes English) in the page's language."""
    if isinstance(message, str):
        return field_messages.translate(message, g.web_translations)
    return rendering.localized(message)


def show_errors(form, errors: dict) -> None:
    """Put field ``errors`` (by field name) beside the form's fields, in the page's language."""
    for name, messages in (errors or {}).items():
        if name in form:
            form[name].errors = [in_page_language(message) for message in messages]


def typed_number(text: str | None):
    """A number as the reader writes it (``2,5`` in Spanish), or the text as it was, for the
    schema to refuse."""
    if not text or not text.strip():
        return text
    try:
        return str(parse_decimal(text.strip(), locale=rendering.formatting(), strict=True))
    except NumberFormatError:
        return text


# --- the OTA retry policy ------------------------------------------------------------------

class OtaForm(FlaskForm):
    # Text fields: a browser's number field reads a decimal comma by its own language, not
    # the page's.
    max_attempts = StringField()
    command_timeout_seconds = StringField()
    backoff_seconds = StringField()


@blp.route(f"{SETTINGS}/ota", methods=["GET", "POST"], endpoint="admin_settings_ota")
@signed_in(*ADMIN)
def ota():
    current = catalog.ota_settings(tenant_ctx())
    form = OtaForm(data={name: rendering.number(value) for name, value in current.items()})
    if not form.validate_on_submit():
        return settings_page("settings_ota.html", form=form,
                             saved=bool(request.args.get("saved")))
    try:
        chosen = OtaSettingsSchema().load({name: typed_number(form[name].data)
                                           for name in current})
    except ValidationError as refused:
        show_errors(form, refused.messages)
        return settings_page("settings_ota.html", 422, form=form,
                             problem=lazy_gettext("Check the values: what is wrong is said "
                                                  "beside them."))
    catalog.set_ota_settings(tenant_ctx(), chosen)
    return redirect(url_for(".admin_settings_ota", saved=1), 303)

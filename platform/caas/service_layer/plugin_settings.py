"""Per-tenant settings of a plugin, validated by the schema the plugin declares.

Secrets (``load_only`` fields) are written and kept, never returned, and masked
in the audit log. A PUT replaces the settings; a secret left out of it keeps
its stored value, since the administrator cannot read it back to resend it, and
a secret sent as ``None`` is cleared (refused if the schema requires it).
"""
from __future__ import annotations

from dataclasses import dataclass

import marshmallow
from marshmallow import fields as kinds, validate

from caas.i18n import lazy_gettext
from caas.service_layer.errors import Invalid, NotFound
from caas.service_layer.context import TenantContext

MASK = "********"


def _key(name: str) -> str:
    return f"plugin:{name}"


def _serves(ctx: TenantContext, name: str) -> bool:
    """Whether plugin ``name`` is loaded, has settings, and serves this tenant (a country
    plugin serves only the tenants of its countries)."""
    record = ctx.plugins.loaded.get(name)
    return (record is not None and not record.error and name in ctx.plugins.settings_schemas
            and (not record.countries or ctx.tenant.country in record.countries))


def _schema(ctx: TenantContext, name: str) -> marshmallow.Schema:
    """The plugin's settings schema, if the plugin serves this tenant and has settings."""
    if not _serves(ctx, name):
        raise NotFound(lazy_gettext("No plugin '%(name)s' with settings for this tenant.",
                                    name=name))
    return ctx.plugins.settings_schemas[name]


def offered(ctx: TenantContext) -> list[dict]:
    """The plugins whose settings this tenant's administrator may set, by name, each with
    its distribution."""
    return [{"plugin": name, "distribution": ctx.plugins.loaded[name].distribution}
            for name in sorted(ctx.plugins.settings_schemas) if _serves(ctx, name)]


@dataclass(frozen=True)
class SettingField:
    """What a form needs to ask for one setting; texts are the plugin's own."""

    name: str
    #: ``text``, ``integer``, ``number``, ``boolean``, ``choice``, ``email`` or ``url``.
    kind: str
    required: bool
    secret: bool
    label: str
    description: str | None = None
    choices: tuple = ()


#: Field classes by the kind of input they take; the first match wins (Email is a String).
_KINDS = ((kinds.Boolean, "boolean"), (kinds.Integer, "integer"), (kinds.Number, "number"),
          (kinds.Email, "email"), (kinds.Url, "url"))


def _kind(field: marshmallow.fields.Field) -> tuple[str, tuple]:
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            return "choice", tuple(validator.choices)
    return next((kind for cls, kind in _KINDS if isinstance(field, cls)), "text"), ()


def fields(ctx: TenantContext, name: str) -> list[SettingField]:
    """The settings plugin ``name`` takes for this tenant, in its schema's order.

    :raises NotFound: no such plugin, or it has no settings for this tenant.
    """
    described = []
    for field_name, field in _schema(ctx, name).fields.items():
        if field.dump_only:
            continue
        kind, choices = _kind(field)
        described.append(SettingField(
            field_name, kind, field.required, field.load_only,
            field.metadata.get("title") or field_name.replace("_", " ").capitalize(),
            field.metadata.get("description"), choices))
    return described


def _secrets(schema: marshmallow.Schema) -> list[str]:
    return sorted(name for name, field in schema.fields.items() if field.load_only)


def _view(schema: marshmallow.Schema, name: str, stored: dict) -> dict:
    try:
        values = schema.load(stored, partial=True)
    except marshmallow.ValidationError:
        # Stored under an earlier schema of the plugin: show the defaults.
        values = {}
    for field_name, field in schema.fields.items():  # a partial load applies no defaults
        if field_name not in values and field.load_default is not marshmallow.missing:
            default = field.load_default
            values[field_name] = default() if callable(default) else default
    return {"plugin": name, "settings": schema.dump(values),
            "secrets": {secret: secret in stored for secret in _secrets(schema)}}


def _masked(schema: marshmallow.Schema, values: dict | None) -> dict | None:
    if values is None:
        return None
    secrets = set(_secrets(schema))
    return {key: MASK if key in secrets else value for key, value in values.items()}


def stored(ctx: TenantContext, name: str) -> dict:
    """What the tenant's administrator set for plugin ``name``, secrets included (for the
    core's own use, such as a registration adapter's credentials); ``{}`` when nothing."""
    with ctx.reader() as uow:
        return uow.settings.get(_key(name), {})


def read(ctx: TenantContext, name: str) -> dict:
    """The plugin's settings for ``tenant`` (defaults where unset) and which secrets are set."""
    schema = _schema(ctx, name)
    return _view(schema, name, stored(ctx, name))


def replace(ctx: TenantContext, name: str, payload: dict) -> dict:
    """Validate ``payload`` with the plugin's schema and store it; a secret left out keeps
    its value, a secret given as ``None`` is cleared.

    :raises Invalid: with the schema's field errors; nothing is stored.
    :raises NotFound: no such plugin, or it has no settings for this tenant.
    """
    schema = _schema(ctx, name)
    with ctx.uow() as uow:
        before = uow.settings.get(_key(name))
        kept = {secret: (before or {})[secret] for secret in _secrets(schema)
                if secret not in payload and secret in (before or {})}
        cleared = {secret for secret in _secrets(schema) if payload.get(secret, "") is None}
        candidate = {key: value for key, value in {**kept, **payload}.items()
                     if key not in cleared}
        try:
            schema.load(candidate)
        except marshmallow.ValidationError as exc:
            raise Invalid(lazy_gettext("Invalid plugin settings."), _field_errors(exc.messages))
        uow.settings.put(_key(name), candidate)
        uow.audit.record("settings.plugin", "plugin_settings", name,
                         before=_masked(schema, before), after=_masked(schema, candidate))
        uow.commit()
    return _view(schema, name, candidate)


def _field_errors(messages) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {"_schema": [str(message) for message in messages]}
    return {str(field): errors if isinstance(errors, list) else [str(errors)]
            for field, errors in messages.items()}

"""Marshmallow schemas shared by the blueprints."""
from collections.abc import Mapping
from datetime import timezone

from marshmallow import (EXCLUDE, Schema, ValidationError, fields, pre_load, validate,
                         validates_schema)

from caas.domain.users import MIN_PASSWORD_LENGTH
from caas.i18n import N_


class Timestamp(fields.AwareDateTime):
    """An instant, always with its UTC offset: read only with one, and written with one even
    when the database handed back a naive value (everything stored is UTC)."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=timezone.utc, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


#: No database stores it (PostgreSQL refuses it in text), so no input may carry it.
NUL_REFUSED = N_("Text may not contain the NUL character.")


class StrictSchema(Schema):
    """Input schemas refuse unknown fields (the default) and text with a NUL character;
    output ones ignore unknown fields."""

    @pre_load
    def _refuse_nul(self, data, **kwargs):
        errors = _nul_errors(data)
        if errors:
            raise ValidationError(errors)
        return data


def _nul_errors(data):
    """Where ``data`` (a body or query, at any depth) has text with a NUL character."""
    items = (data.items() if isinstance(data, Mapping)
             else enumerate(data) if isinstance(data, list) else ())
    errors = {}
    for key, value in items:
        if any(isinstance(text, str) and "\x00" in text for text in (key, value)):
            errors[key] = [NUL_REFUSED]
        elif isinstance(value, (Mapping, list)) and (nested := _nul_errors(value)):
            errors[key] = nested
    return errors


class OutputSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class TenantAdminSchema(StrictSchema):
    email = fields.Email(required=True)
    name = fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "default: the email"})
    locale = fields.String(validate=validate.Length(max=16),
                           metadata={"description": "one of the tenant's; default: its first"})


class TenantCreateSchema(StrictSchema):
    slug = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = fields.String(required=True, validate=validate.Length(equal=2))
    locales = fields.List(fields.String(validate=validate.Length(max=16)),
                          validate=validate.Length(min=1, max=10))
    currency = fields.String(validate=validate.Length(equal=3))
    admin = fields.Nested(TenantAdminSchema, metadata={
        "description": "the tenant's first admin, created with it (credentials emailed)"})


class TenantSchema(OutputSchema):
    slug = fields.String()
    name = fields.String()
    country = fields.String()
    currency = fields.String()
    locales = fields.List(fields.String())
    timezone = fields.String()
    status = fields.String()
    created_at = Timestamp()


class TenantQuerySchema(StrictSchema):
    q = fields.String(validate=validate.Length(max=200), metadata={
        "description": "only tenants whose slug or name contains it (any case)",
        "example": "demo"})


class PluginSchema(OutputSchema):
    name = fields.String(metadata={"description": "entry-point name"})
    distribution = fields.String(allow_none=True)
    version = fields.String(allow_none=True)
    api_version = fields.String(allow_none=True, metadata={
        "description": "plugin-API version the plugin was written for; null if undeclared"})
    countries = fields.List(fields.String())
    catalog_options = fields.List(fields.String())
    error = fields.String(allow_none=True)


class PluginsSchema(OutputSchema):
    api_version = fields.String()
    plugins = fields.List(fields.Nested(PluginSchema))


class TokenRequestSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class TokenSchema(OutputSchema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    role = fields.String()
    device_token = fields.String(metadata={"description": (
        "Keep it on this device and send it in `X-Device-Token` when signing in to this "
        "account again: it spares the device the delays others' failed attempts cause. "
        "Signed, bound to the account, valid for a limited time (90 days by default) and "
        "renewed at each sign-in.")})


class MeSchema(OutputSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    locale = fields.String()
    tenant = fields.String(allow_none=True)


class PasswordChangeSchema(StrictSchema):
    old_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(required=True,
                                 validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=1024))


class PasswordResetRequestSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class PasswordResetConfirmSchema(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"description": "the token of the emailed link"})
    password = fields.String(required=True,
                             validate=validate.Length(min=MIN_PASSWORD_LENGTH, max=1024))


class StaffCreateSchema(StrictSchema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(["admin", "employee"]))
    locale = fields.String(validate=validate.Length(max=16))


class StaffChangeSchema(StrictSchema):
    role = fields.String(validate=validate.OneOf(["admin", "employee"]))
    active = fields.Boolean(metadata={
        "description": "false deactivates: the account's tokens and sessions are refused at once"})


class StaffSchema(OutputSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    locale = fields.String()
    active = fields.Boolean()
    created_at = Timestamp()


class CreatedTenantSchema(TenantSchema):
    admin = fields.Nested(StaffSchema, allow_none=True, metadata={
        "description": "the first admin, when one was asked for"})


class AuditQuerySchema(StrictSchema):
    action = fields.String(validate=validate.Length(max=100), metadata={
        "description": "exact, or a prefix when it ends with '.' or '*' (order. or order.*: "
                       "every order action)", "example": "order."})
    entity = fields.String(validate=validate.Length(max=50), metadata={"example": "order"})
    entity_id = fields.String(validate=validate.Length(max=100))
    actor_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "the acting user's id (an operator's for operators)"})
    actor_email = fields.String(validate=validate.Length(max=254))
    actor_role = fields.String(validate=validate.OneOf(
        ["operator", "admin", "employee", "customer", "system"]))
    since = fields.AwareDateTime(metadata={
        "description": "entries at or after this time; ISO 8601 with its offset",
        "example": "2026-11-01T00:00:00+01:00"})
    until = fields.AwareDateTime(metadata={"description": "entries before this time; ISO "
                                                          "8601 with its offset"})

    @validates_schema
    def _time_range(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError(N_("Must be later than since."), "until")


class AuditEntrySchema(OutputSchema):
    id = fields.Integer()
    at = Timestamp()
    actor_role = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_email = fields.String(allow_none=True)
    action = fields.String()
    entity = fields.String()
    entity_id = fields.String(allow_none=True)
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    request_id = fields.String(allow_none=True)

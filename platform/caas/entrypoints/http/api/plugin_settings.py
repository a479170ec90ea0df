"""A plugin's per-tenant settings (role admin)."""
from flask.views import MethodView
from marshmallow import INCLUDE, Schema, fields

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.schemas import OutputSchema
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import plugin_settings

PREFIX = "/plugins"
blp = Blueprint("plugin_settings", __name__,
                description="Per-tenant settings of plugins (role admin); secrets are write-only")


class SettingsInputSchema(Schema):
    """Any JSON object: the plugin's own schema validates it."""

    class Meta:
        unknown = INCLUDE


class PluginSettingsSchema(OutputSchema):
    plugin = fields.String()
    settings = fields.Dict(metadata={"description": "the settings, without the secrets"})
    secrets = fields.Dict(keys=fields.String(), values=fields.Boolean(),
                          metadata={"description": "each secret the plugin takes: whether it is set"})


@blp.route("/<string:name>/settings")
class PluginSettings(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, PluginSettingsSchema)
    def get(self, name):
        """The plugin's settings for this tenant; secrets show only whether they are set"""
        return plugin_settings.read(tenant_ctx(), name)

    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(SettingsInputSchema)
    @blp.response(200, PluginSettingsSchema)
    def put(self, data, name):
        """Replace them (a secret left out keeps its value, a secret sent as null is cleared);
        422 with field errors"""
        return plugin_settings.replace(tenant_ctx(), name, data)

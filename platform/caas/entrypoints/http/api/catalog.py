"""The tenant's catalog of options (admin) and its OTA settings."""
from flask.views import MethodView
from marshmallow import fields, validate

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.language import request_locale
from caas.entrypoints.http.api.catalog_schemas import OptionSchema, OptionSettingSchema, OtaSettingsSchema
from caas.entrypoints.http.api.common_schemas import money
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import catalog
from caas.service_layer.billing import pricing

PREFIX = ""
blp = Blueprint("catalog", __name__, description="Catalog options and OTA settings (role admin)")


@blp.route("/catalog/options")
class Options(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, OptionSchema(many=True))
    def get(self):
        """Every option the loaded plugins offer, with this tenant's settings"""
        return catalog.admin_catalog(tenant_ctx(), request_locale())


@blp.route("/catalog/options/<string:code>")
class Option(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(OptionSettingSchema)
    @blp.response(200, OptionSchema)
    def put(self, data, code):
        """Enable or disable an option, with its price and billing in the tenant currency"""
        return catalog.set_option(tenant_ctx(), code, locale=request_locale(),
                                  **data)


class PriceMoveSchema(StrictSchema):
    notice_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=366),
                                 metadata={"description": "days of notice the customers get"})


class PriceMovedSchema(OutputSchema):
    option = fields.String()
    price = money("the new monthly price")
    effective_from = fields.String(metadata={"description": "first month billed at it"})
    subscriptions = fields.Integer(metadata={"description": "subscriptions moved"})
    usage_price = money("the new price per unit of usage beyond the included quantity")
    included = fields.String(allow_none=True, metadata={
        "description": "the new quantity included each month"})


@blp.route("/catalog/options/<string:code>/price-moves")
class PriceMoves(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(PriceMoveSchema)
    @blp.response(200, PriceMovedSchema)
    def post(self, data, code):
        """Move running subscriptions to the option's current price after a notice period;
        each customer is told"""
        return pricing.move_prices(tenant_ctx(), code, data["notice_days"])


@blp.route("/settings/ota")
class OtaSettings(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, OtaSettingsSchema)
    def get(self):
        """Attempts, command timeout and backoff of over-the-air activations"""
        return catalog.ota_settings(tenant_ctx())

    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(OtaSettingsSchema)
    @blp.response(200, OtaSettingsSchema)
    def put(self, data):
        """Change them; they apply to purchases made from now on"""
        return catalog.set_ota_settings(tenant_ctx(), data)

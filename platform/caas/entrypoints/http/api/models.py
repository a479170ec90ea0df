"""Vehicle models and commercial plans (role admin; staff may read them)."""
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.catalog_schemas import ModelCreateSchema, ModelSchema, PlanCreateSchema, PlanSchema
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import sales

PREFIX = ""
blp = Blueprint("models", __name__, description="Vehicle models and commercial plans")


@blp.route("/models")
class Models(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin", "employee")
    @blp.response(200, ModelSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Vehicle models (base platforms) with base price and factory options"""
        models, pagination_parameters.item_count = sales.models_page(
            tenant_ctx(), pagination_parameters.first_item,
            pagination_parameters.page_size)
        return models

    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(ModelCreateSchema)
    @blp.response(201, ModelSchema)
    @blp.alt_response(409, description="The code is taken")
    def post(self, data):
        """Add a vehicle model; prices in the tenant currency"""
        return sales.add_model(tenant_ctx(), **data)


@blp.route("/plans")
class Plans(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin", "employee")
    @blp.response(200, PlanSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Commercial plans and the reservation each asks for"""
        plans, pagination_parameters.item_count = sales.plans_page(
            tenant_ctx(), pagination_parameters.first_item,
            pagination_parameters.page_size)
        return plans

    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    @blp.alt_response(409, description="The code is taken")
    def post(self, data):
        """Add a commercial plan"""
        return sales.add_plan(tenant_ctx(), **data)

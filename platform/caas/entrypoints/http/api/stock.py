"""Stock vehicles "sin asignar" (staff) and linking the mobile app to a vehicle (customer)."""
from flask import g
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.order_schemas import OrderSchema
from caas.entrypoints.http.api.vehicle_schemas import AssignSchema, StockQuerySchema, VehicleSchema
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import delivery, sales

PREFIX = ""
blp = Blueprint("vehicles", __name__, description="Stock vehicles and app linking")


@blp.route("/stock")
class Stock(MethodView):
    @blp.doc(security=BEARER)
    @roles("employee", "admin")
    @blp.arguments(StockQuerySchema, location="query")
    @blp.response(200, VehicleSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Unassigned vehicles, for sale now"""
        vehicles, pagination_parameters.item_count = delivery.stock_page(
            tenant_ctx(), pagination_parameters.first_item,
            pagination_parameters.page_size, **query)
        return vehicles


@blp.route("/stock/<string:vin>/assign")
class Assign(MethodView):
    @blp.doc(security=BEARER)
    @roles("employee", "admin")
    @blp.arguments(AssignSchema)
    @blp.response(200, OrderSchema)
    @blp.alt_response(409, description="The order is not waiting for a vehicle")
    def post(self, data, vin):
        """Give a stock vehicle to an order that paid its reservation (same model)"""
        delivery.assign_stock(tenant_ctx(), vin, data["order_id"])
        return sales.order_view(tenant_ctx(), data["order_id"])


@blp.route("/vehicles/<string:vin>/link")
class Link(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer")
    @blp.response(200, VehicleSchema)
    @blp.alt_response(409, description="Not delivered yet, or linked to another account")
    def post(self, vin):
        """Bind the mobile app to your delivered vehicle (one vehicle, one account)"""
        return delivery.link_vehicle(tenant_ctx(), g.actor.id, vin)

"""Stock vehicles "sin asignar" (staff) and linking the mobile app to a vehicle (customer)."""
from flask import g
from flask.views import MethodView

from caas.api import Blueprint
from caas.api.order_schemas import AssignSchema, OrderSchema, StockQuerySchema, VehicleSchema
from caas.api.security import BEARER, platform, require_tenant, roles
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
            platform(), require_tenant(), pagination_parameters.first_item,
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
        tenant = require_tenant()
        delivery.assign_stock(platform(), tenant, vin, data["order_id"])
        return sales.order_view(platform(), tenant, data["order_id"])


@blp.route("/vehicles/<string:vin>/link")
class Link(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer")
    @blp.response(200, VehicleSchema)
    @blp.alt_response(409, description="Not delivered yet, or linked to another account")
    def post(self, vin):
        """Bind the mobile app to your delivered vehicle (one vehicle, one account)"""
        return delivery.link_vehicle(platform(), require_tenant(), g.actor.id, vin)

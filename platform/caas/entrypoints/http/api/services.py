"""Services for a vehicle: the customer's catalog, purchases, withdrawal (role customer;
staff read)."""
from flask import g
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.language import request_locale
from caas.entrypoints.http.api.idempotency import PARAMETER, idempotent
from caas.entrypoints.http.api.service_schemas import (PurchaseSchema, ServiceSchema, SubscriptionSchema,
                                                       UsageQuerySchema, VehicleOptionSchema,
                                                       VehicleUsageSchema)
from caas.domain.billing import Period, local_day
from caas.entrypoints.http.api.security import BEARER, own_customer_id, roles, tenant_ctx
from caas.service_layer import catalog, service_purchase, service_views, usage, withdrawal
from caas.service_layer.billing import subscriptions

PREFIX = ""
blp = Blueprint("services", __name__, description="Options bought for a vehicle, activated "
                                                   "over the air")


@blp.route("/vehicles/<string:vin>/catalog")
class VehicleCatalog(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer", "employee", "admin")
    @blp.response(200, VehicleOptionSchema(many=True))
    def get(self, vin):
        """Options for this vehicle, priced, each available or blocked with the reason"""
        return catalog.vehicle_catalog(tenant_ctx(), vin, own_customer_id(),
                                       request_locale())


@blp.route("/vehicles/<string:vin>/usage")
class VehicleUsage(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer", "employee", "admin")
    @blp.arguments(UsageQuerySchema, location="query")
    @blp.response(200, VehicleUsageSchema)
    def get(self, query, vin):
        """What the vehicle's telemetry reported for a month, day by day (`?period=YYYY-MM`,
        default this month by the billing clock)"""
        ctx = tenant_ctx()
        period = Period.parse(query["period"]) if query.get("period") else Period.of(
            local_day(ctx.now(), ctx.tenant.timezone))
        return usage.vehicle_usage(tenant_ctx(), vin, own_customer_id(), period)


@blp.route("/vehicles/<string:vin>/services")
class VehicleServices(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer", "employee", "admin")
    @blp.response(200, ServiceSchema(many=True))
    @blp.paginate()
    def get(self, vin, pagination_parameters):
        """Services of the vehicle, newest first, with their history"""
        services, pagination_parameters.item_count = service_views.vehicle_services(
            tenant_ctx(), vin, own_customer_id(),
            pagination_parameters.first_item, pagination_parameters.page_size)
        return services

    @blp.doc(security=BEARER, parameters=[PARAMETER])
    @roles("customer")
    @idempotent
    @blp.arguments(PurchaseSchema)
    @blp.response(202, ServiceSchema)
    @blp.alt_response(402, description="Card declined; nothing charged or activated")
    @blp.alt_response(409, description="Blocked (see `reason`) or already being bought")
    @blp.alt_response(503, description="Payment gateway unavailable; nothing charged")
    def post(self, data, vin):
        """Buy an option: the price is authorized and the activation queued (`activating`)"""
        return service_purchase.purchase(tenant_ctx(), g.actor.id, vin,
                                   data["option"], data["card_token"])


@blp.route("/services/<int(max=2147483647):service_id>")
class ServiceDetail(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer", "employee", "admin")
    @blp.response(200, ServiceSchema)
    def get(self, service_id):
        """One service with its state history"""
        return service_views.service_view(tenant_ctx(), service_id,
                                       own_customer_id())

    @blp.doc(security=BEARER)
    @roles("customer")
    @blp.response(200, SubscriptionSchema)
    @blp.alt_response(409, description="Not a subscription, or already cancelled")
    def delete(self, service_id):
        """End a subscription at the end of the current month; that month is still billed"""
        return subscriptions.cancel(tenant_ctx(), g.actor.id, service_id)


@blp.route("/services/<int(max=2147483647):service_id>/withdrawal")
class Withdrawal(MethodView):
    @blp.doc(security=BEARER, parameters=[PARAMETER])
    @roles("customer")
    @idempotent
    @blp.response(200, ServiceSchema)
    @blp.alt_response(409, description="Refused: `reason` and a message in your language")
    def post(self, service_id):
        """Exercise the right of withdrawal: switched off and refunded under the country's law"""
        return withdrawal.withdraw(tenant_ctx(), g.actor.id, service_id)

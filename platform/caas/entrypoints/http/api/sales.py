"""Sales and orders (role employee; admin may too; a customer reads their own orders)."""
from flask import g
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.idempotency import PARAMETER, idempotent, provisional
from caas.entrypoints.http.api.order_schemas import (CardSchema, DeliverySchema, OrderQuerySchema, OrderSchema,
                                                     SaleCreateSchema, SaleSchema)
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import delivery, payments, registration, sales

PREFIX = ""
blp = Blueprint("sales", __name__, description="Dealership sales and the vehicle's lifecycle")
STAFF = ("employee", "admin")
MONEY_MOVING = dict(security=BEARER, parameters=[PARAMETER])


def _order(order_id: int):
    return sales.order_view(tenant_ctx(), order_id)


#: The answer while the gateway's answer is lost and being confirmed.
OUTCOME_UNKNOWN = ("The gateway's answer was lost: the payment (its attempt `unknown` under "
                   "`payments`) is being confirmed by its key, and nothing more is charged. "
                   "Read the order again, or retry: a retry asks the gateway about the same "
                   "charge, never makes a second one")


def _paid(outcome: str, order_id: int):
    """The order after a payment; 202 while its outcome is being confirmed."""
    if outcome == payments.UNKNOWN:
        provisional()
        return _order(order_id), 202
    return _order(order_id)


@blp.route("/sales")
class Sales(MethodView):
    @blp.doc(**MONEY_MOVING)
    @roles(*STAFF)
    @idempotent
    @blp.arguments(SaleCreateSchema)
    @blp.response(201, SaleSchema)
    @blp.alt_response(409, description="The email belongs to a staff account")
    def post(self, data):
        """Register a sale: the customer's account (credentials emailed) and the order"""
        order, customer = sales.register_sale(tenant_ctx(), g.actor, **data)
        return {"order": sales.order_view(tenant_ctx(), order.id), "customer": customer}


@blp.route("/orders")
class Orders(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF, "customer")
    @blp.arguments(OrderQuerySchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Orders with status and history, newest first; a customer sees only theirs"""
        customer = g.actor.id if g.actor.role == "customer" else None
        orders, pagination_parameters.item_count = sales.order_page(
            tenant_ctx(), pagination_parameters.first_item,
            pagination_parameters.page_size, customer_id=customer, **query)
        return orders


@blp.route("/orders/<int(max=2147483647):order_id>")
class OrderDetail(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF, "customer")
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """One order with its status history and payments"""
        customer = g.actor.id if g.actor.role == "customer" else None
        return sales.order_view(tenant_ctx(), order_id, customer)


@blp.route("/orders/<int(max=2147483647):order_id>/reservation-payment")
class ReservationPayment(MethodView):
    @blp.doc(**MONEY_MOVING)
    @roles(*STAFF)
    @idempotent
    @blp.arguments(CardSchema)
    @blp.response(200, OrderSchema)
    @blp.alt_response(402, description="Card declined; nothing changed")
    @blp.alt_response(409, description="Not awaiting a reservation, or a payment is running")
    @blp.alt_response(202, schema=OrderSchema, description=OUTCOME_UNKNOWN)
    @blp.alt_response(503, description="The payment gateway did not act; nothing charged")
    def post(self, data, order_id):
        """Pay the reservation; the factory order is placed (or queued if the factory is down)"""
        return _paid(payments.pay_reservation(tenant_ctx(), order_id,
                                              data["card_token"]), order_id)


@blp.route("/orders/<int(max=2147483647):order_id>/final-payment")
class FinalPayment(MethodView):
    @blp.doc(**MONEY_MOVING)
    @roles(*STAFF)
    @idempotent
    @blp.arguments(CardSchema)
    @blp.response(200, OrderSchema)
    @blp.alt_response(402, description="Declined: the order is cancelled, the vehicle to stock")
    @blp.alt_response(409, description="Not awaiting the final payment, or a payment is running")
    @blp.alt_response(202, schema=OrderSchema, description=OUTCOME_UNKNOWN)
    @blp.alt_response(503, description="The payment gateway did not act; nothing charged")
    def post(self, data, order_id):
        """Pay the rest; the vehicle is then registered with the country's authority"""
        return _paid(payments.pay_final(tenant_ctx(), order_id,
                                        data["card_token"]), order_id)


@blp.route("/orders/<int(max=2147483647):order_id>/registration")
class Registration(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF)
    @blp.response(202, OrderSchema)
    @blp.alt_response(409, description="The order is not awaiting registration")
    def post(self, order_id):
        """Try the registration again (after an escalation)"""
        registration.retry(tenant_ctx(), order_id)
        return _order(order_id)


@blp.route("/orders/<int(max=2147483647):order_id>/delivery")
class Delivery(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF)
    @blp.arguments(DeliverySchema)
    @blp.response(200, OrderSchema)
    @blp.alt_response(409, description="The order is not in transit")
    def post(self, data, order_id):
        """Delivered, or the customer was absent and the vehicle went back to the dealership"""
        delivery.record_delivery(tenant_ctx(), order_id, data["outcome"])
        return _order(order_id)


@blp.route("/orders/<int(max=2147483647):order_id>/pickup")
class Pickup(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF)
    @blp.response(200, OrderSchema)
    @blp.alt_response(409, description="The vehicle is not waiting at the dealership")
    def post(self, order_id):
        """The customer collected the vehicle at the dealership"""
        delivery.record_pickup(tenant_ctx(), order_id)
        return _order(order_id)

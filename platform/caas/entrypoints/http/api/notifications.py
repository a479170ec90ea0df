"""Notifications: what was sent (customers see theirs, staff anyone's), the tenant's routing
table (admin), and a customer's channel preferences."""
from flask import g
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.notification_schemas import (NotificationQuerySchema, NotificationSchema,
                                                            PreferencesSchema, RouteSchema, RouteUpdateSchema)
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import notifications

PREFIX = ""
blp = Blueprint("notifications", __name__,
                description="Notifications sent, their routing per event, and preferences")


@blp.route("/notifications")
class Notifications(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer", "employee", "admin")
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """What was sent, on which channel, in which language, with its outcome; newest first.
        A customer sees only their own"""
        recipient = g.actor.id if g.actor.role == "customer" else query.get("customer_id")
        items, pagination_parameters.item_count = notifications.notification_page(
            tenant_ctx(), pagination_parameters.first_item,
            pagination_parameters.page_size, recipient_id=recipient,
            channel=query.get("channel"), status=query.get("status"))
        return items


@blp.route("/settings/notifications")
class Routes(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, RouteSchema(many=True))
    def get(self):
        """The routing table: the channels of each event, and the defaults"""
        return notifications.routes(tenant_ctx())


@blp.route("/settings/notifications/<string:event>")
class Route(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(RouteUpdateSchema)
    @blp.response(200, RouteSchema)
    @blp.alt_response(404, description="No such event")
    def put(self, data, event):
        """Send an event on these channels (credentials: email only, always)"""
        return notifications.set_route(tenant_ctx(), event, data["channels"])

    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, RouteSchema)
    @blp.alt_response(404, description="No such event")
    def delete(self, event):
        """Send an event on its default channels again"""
        return notifications.set_route(tenant_ctx(), event, None)


@blp.route("/me/notification-preferences")
class Preferences(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer")
    @blp.response(200, PreferencesSchema)
    def get(self):
        """Which optional channels reach me, and my quiet hours (email always does)"""
        return notifications.preferences(tenant_ctx(), g.actor.id)

    @blp.doc(security=BEARER)
    @roles("customer")
    @blp.arguments(PreferencesSchema)
    @blp.response(200, PreferencesSchema)
    def put(self, data):
        """Switch push, SMS or the vehicle's display on or off; set or clear quiet hours"""
        quiet_hours = data.pop("quiet_hours", notifications.KEEP)
        return notifications.set_preferences(tenant_ctx(), g.actor.id, data,
                                             quiet_hours)

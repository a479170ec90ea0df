"""Cases escalated to staff: registrations, factory refusals, settlement failures."""
from flask.views import MethodView

from caas.api import Blueprint
from caas.api.order_schemas import TicketQuerySchema, TicketSchema
from caas.api.security import BEARER, platform, require_tenant, roles

PREFIX = "/support"
blp = Blueprint("support", __name__, description="Support tickets (staff)")


@blp.route("/tickets")
class Tickets(MethodView):
    @blp.doc(security=BEARER)
    @roles("employee", "admin")
    @blp.arguments(TicketQuerySchema, location="query")
    @blp.response(200, TicketSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Open and resolved tickets, newest first, with their details"""
        with platform().tenant_uow(require_tenant().slug) as uow:
            tickets, pagination_parameters.item_count = uow.tickets.page(
                pagination_parameters.first_item, pagination_parameters.page_size, **query)
        return tickets

"""Cases escalated to staff (registrations, factory refusals, failed activations, settlement
failures), which staff take on, assign, discuss and resolve."""
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.entrypoints.http.api.ticket_schemas import (TicketCommentCreateSchema, TicketCommentSchema,
                                                      TicketDetailSchema, TicketQuerySchema, TicketSchema,
                                                      TicketUpdateSchema)
from caas.service_layer import tickets

PREFIX = "/support"
blp = Blueprint("support", __name__, description="Support tickets (staff)")
STAFF = ("employee", "admin")
TICKET = "/tickets/<int(max=2147483647):ticket_id>"


@blp.route("/tickets")
class Tickets(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF)
    @blp.arguments(TicketQuerySchema, location="query")
    @blp.response(200, TicketSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """Tickets, newest first, with their details; by status, kind or assignee"""
        found, pagination_parameters.item_count = tickets.page(
            tenant_ctx(), pagination_parameters.first_item,
            pagination_parameters.page_size, **query)
        return found


@blp.route(TICKET)
class Ticket(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF)
    @blp.response(200, TicketDetailSchema)
    def get(self, ticket_id):
        """One ticket with its history (who changed what, when) and its comments"""
        return tickets.view(tenant_ctx(), ticket_id)

    @blp.doc(security=BEARER)
    @roles(*STAFF)
    @blp.arguments(TicketUpdateSchema)
    @blp.response(200, TicketDetailSchema)
    @blp.alt_response(409, description="Someone else changed the ticket meanwhile; reload it")
    def patch(self, data, ticket_id):
        """Take on, assign, resolve or reopen a ticket; each change joins its history and
        the audit log"""
        return tickets.update(tenant_ctx(), ticket_id, data)


@blp.route(f"{TICKET}/comments")
class TicketComments(MethodView):
    @blp.doc(security=BEARER)
    @roles(*STAFF)
    @blp.arguments(TicketCommentCreateSchema)
    @blp.response(201, TicketCommentSchema)
    def post(self, data, ticket_id):
        """Comment on a ticket; the comment joins its history and the audit log"""
        return tickets.comment(tenant_ctx(), ticket_id, data["body"])

"""The tenant's audit log, read-only."""
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.schemas import AuditEntrySchema, AuditQuerySchema
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import audit

PREFIX = "/audit"
blp = Blueprint("audit", __name__, description="Audit log (role admin); never editable")


@blp.route("")
class Audit(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginate()
    def get(self, filters, pagination_parameters):
        """Who changed what, when, with the state before and after; newest first.

        Filters: actor (id, email, role), action (exact, or a prefix ending with '.' or
        '*'), entity and entity id, and a time range (since included, until excluded)"""
        entries, total = audit.page(tenant_ctx(), pagination_parameters.first_item,
                                    pagination_parameters.page_size, filters)
        pagination_parameters.item_count = total
        return entries

"""The tenant's audit log, read-only."""
from flask.views import MethodView

from caas.api import Blueprint
from caas.api.schemas import AuditEntrySchema, AuditQuerySchema
from caas.api.security import BEARER, platform, require_tenant, roles

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
        with platform().tenant_uow(require_tenant().slug) as uow:
            entries, total = uow.audit.page(pagination_parameters.first_item,
                                            pagination_parameters.page_size, filters)
        pagination_parameters.item_count = total
        return entries

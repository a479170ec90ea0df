"""Tenant staff: admins and dealership employees, provisioned by admins."""
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.schemas import (StaffChangeSchema, StaffCreateSchema,
                                               StaffSchema)
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import users

PREFIX = "/staff"
blp = Blueprint("staff", __name__, description="Tenant staff (role admin)")


@blp.route("")
class Staff(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, StaffSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List admins and employees"""
        people, total = users.staff_page(tenant_ctx(),
                                         pagination_parameters.first_item,
                                         pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return people

    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(StaffCreateSchema)
    @blp.response(201, StaffSchema)
    @blp.alt_response(409, description="The email already has an account")
    def post(self, data):
        """Provision an admin or employee; the generated credentials are emailed"""
        return users.provision_staff(tenant_ctx(), **data)


@blp.route("/<int(max=2147483647):user_id>")
class StaffMember(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(StaffChangeSchema)
    @blp.response(200, StaffSchema)
    @blp.alt_response(404, description="No staff account has this id")
    @blp.alt_response(409, description="One's own account, or the tenant's last active admin")
    def patch(self, data, user_id):
        """Change a role, or deactivate or reactivate an account (refused at once when
        deactivated, tokens and web sessions included)"""
        return users.change_staff(tenant_ctx(), user_id, **data)

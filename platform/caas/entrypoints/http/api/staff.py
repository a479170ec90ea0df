"""Tenant staff: admins and dealership employees, provisioned by admins."""
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.schemas import StaffCreateSchema, StaffSchema
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

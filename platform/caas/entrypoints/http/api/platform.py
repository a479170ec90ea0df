"""Platform administration (operators): tenants and loaded plugins."""
from flask.views import MethodView

from caas import PLUGIN_API_VERSION
from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.schemas import (CreatedTenantSchema, PluginsSchema,
                                               TenantCreateSchema, TenantQuerySchema,
                                               TenantSchema)
from caas.entrypoints.http.api.security import BEARER, platform, roles
from caas.service_layer.tenants import create_tenant, create_tenant_with_admin, search

PREFIX = "/platform"
blp = Blueprint("platform", __name__, description="Platform administration (role operator)")


@blp.route("/tenants")
class Tenants(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(TenantQuerySchema, location="query")
    @blp.response(200, TenantSchema(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List tenants by slug, a page at a time; ``q`` keeps those whose slug or name
        contains it"""
        found, total = search(platform(), query.get("q"), pagination_parameters.first_item,
                              pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return found

    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(TenantCreateSchema)
    @blp.response(201, CreatedTenantSchema)
    @blp.alt_response(409, description="The slug is taken")
    def post(self, data):
        """Create a tenant with its own database at the current migration head, and its
        first admin if asked"""
        admin = data.pop("admin", None)
        if admin is None:
            return create_tenant(platform(), **data)
        tenant, first_admin = create_tenant_with_admin(platform(), admin=admin, **data)
        return {**vars(tenant), "admin": first_admin}


@blp.route("/plugins")
class LoadedPlugins(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.response(200, PluginsSchema)
    def get(self):
        """Loaded plugins with their distribution and version"""
        return {"api_version": PLUGIN_API_VERSION,
                "plugins": sorted(platform().plugins.loaded.values(), key=lambda p: p.name)}

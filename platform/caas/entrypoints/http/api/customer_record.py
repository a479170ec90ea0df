"""The customer record (the path says ``expediente``, as the API always has) and its documents."""
from flask import Response, g, request
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.notification_schemas import (CustomerRecordSchema, DocumentSchema,
                                                            ManualQuerySchema)
from caas.entrypoints.http.api.security import BEARER, roles, tenant_ctx
from caas.service_layer import customer_record, documents

PREFIX = ""
blp = Blueprint("customer_record", __name__,
                description="The customer's record: vehicles, orders, documents, maintenance, "
                            "services, invoices and notifications")


@blp.route("/me/expediente")
class MyCustomerRecord(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer")
    @blp.response(200, CustomerRecordSchema)
    def get(self):
        """My purchase record"""
        return customer_record.customer_record(tenant_ctx(), g.actor.id)


@blp.route("/customers/<int(max=2147483647):customer_id>/expediente")
class CustomerRecord(MethodView):
    @blp.doc(security=BEARER)
    @roles("employee", "admin")
    @blp.response(200, CustomerRecordSchema)
    @blp.alt_response(404, description="No such customer in this tenant")
    def get(self, customer_id):
        """A customer's purchase record (staff)"""
        return customer_record.customer_record(tenant_ctx(), customer_id)


@blp.route("/documents/<int(max=2147483647):document_id>")
class Document(MethodView):
    @blp.doc(security=BEARER, responses={"200": {"description": "the file"}})
    @roles("customer", "employee", "admin")
    @blp.alt_response(404, description="No such document among yours")
    def get(self, document_id):
        """Download a document: a manual of a model you bought, or your sale's contract"""
        customer = g.actor.id if g.actor.role == "customer" else None
        found = documents.document(tenant_ctx(), document_id, customer)
        return Response(found["content"], content_type=found["content_type"], headers={
            "Content-Disposition": f'attachment; filename="{found["filename"]}"'})


@blp.route("/models/<string:code>/manual")
class ModelManual(MethodView):
    @blp.doc(security=BEARER, requestBody={"content": {
        kind: {"schema": {"type": "string", "format": "binary"}}
        for kind in documents.MANUAL_TYPES}})
    @roles("admin")
    @blp.arguments(ManualQuerySchema, location="query")
    @blp.response(201, DocumentSchema)
    @blp.alt_response(404, description="Unknown model")
    @blp.alt_response(415, description="Not a PDF, text or HTML file")
    def post(self, query, code):
        """Add the owner's manual of a model (the file is the request body)"""
        return documents.store_manual(tenant_ctx(), code, query["title"], query["filename"],
                                      request.content_type or "", request.get_data())

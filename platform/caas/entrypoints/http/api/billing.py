"""Invoices and credit notes (customers their own, staff all), and billing runs (admins)."""
from flask import Response
from flask.views import MethodView
from marshmallow import fields, validate

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.common_schemas import displayed_quantity, money
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema, Timestamp
from caas.entrypoints.http.api.security import BEARER, own_customer_id, roles, tenant_ctx
from caas.domain.billing import PERIOD_PATTERN, Period
from caas.i18n import N_
from caas.service_layer.billing import runs, views

PREFIX = ""
blp = Blueprint("billing", __name__, description="Invoices, credit notes and month-end billing")


def _unit(line) -> str | None:
    return line.get("unit")


class InvoiceLineSchema(OutputSchema):
    kind = fields.String(metadata={"enum": ["subscription", "usage", "one_time", "credit"]})
    option = fields.String()
    period = fields.String(allow_none=True)
    days = fields.Integer(allow_none=True, metadata={"description": "days of the period billed"})
    days_in_period = fields.Integer(allow_none=True)
    vat_rate = fields.String(metadata={"example": "0.21"})
    net = money("before VAT")
    vat = money()
    total = money("VAT included")
    quantity = fields.String(allow_none=True, metadata={
        "description": "a usage line's quantity used in the period, in its unit",
        "example": "12.500"})
    included = fields.String(allow_none=True, metadata={
        "description": "the quantity the monthly price includes"})
    billed = fields.String(allow_none=True, metadata={"description": "used beyond included"})
    unit = fields.String(allow_none=True, metadata={"example": "GB"})
    unit_price = money("per unit billed, VAT included")
    quantity_display = displayed_quantity("quantity", _unit, "the quantity used")
    included_display = displayed_quantity("included", _unit, "the quantity included")
    billed_display = displayed_quantity("billed", _unit, "the quantity billed")


class InvoiceSchema(OutputSchema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.String(metadata={"enum": ["invoice", "credit_note"]})
    customer_id = fields.Integer()
    period = fields.String(allow_none=True, metadata={"description": "the month billed"})
    service_id = fields.Integer(allow_none=True)
    credited_invoice_id = fields.Integer(allow_none=True)
    currency = fields.String()
    status = fields.String(metadata={"enum": ["open", "paid", "failed", "unconfirmed",
                                              "refunding", "refunded", "credited"]})
    customer_name = fields.String()
    customer_tax_id = fields.String()
    customer_address = fields.Dict()
    locale = fields.String()
    issue_date = fields.Date()
    due_date = fields.Date()
    payment_id = fields.String(allow_none=True)
    net = money("before VAT")
    vat = money()
    total = money("VAT included; negative on a credit note")
    lines = fields.List(fields.Nested(InvoiceLineSchema))


class RunRequestSchema(StrictSchema):
    period = fields.String(required=True, validate=validate.Regexp(
        PERIOD_PATTERN, error=N_("A month written YYYY-MM.")))


class InvoiceCountSchema(OutputSchema):
    status = fields.String()
    count = fields.Integer()


class BillingRunSchema(OutputSchema):
    id = fields.Integer()
    period = fields.String()
    trigger = fields.String()
    status = fields.String(metadata={"enum": ["running", "finished"]})
    batches = fields.Integer()
    batches_done = fields.Integer()
    started_at = Timestamp()
    finished_at = Timestamp(allow_none=True)
    invoices = fields.Integer(metadata={"description": "invoices the run created"})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    amounts = fields.List(money(), metadata={"description": "invoiced, per currency"})
    reconciled = fields.Integer(metadata={
        "description": "invoices paid though their charge's answer was lost at first: "
                       "settled with the gateway since"})
    failures = fields.List(fields.Dict(), metadata={
        "description": "invoices whose charge was refused or is unconfirmed"})


@blp.route("/invoices")
class Invoices(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer", "employee", "admin")
    @blp.response(200, InvoiceSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Invoices and credit notes, newest first: a customer's own, every one for staff"""
        found, pagination_parameters.item_count = views.invoices(
            tenant_ctx(), own_customer_id(), pagination_parameters.first_item,
            pagination_parameters.page_size)
        return found


@blp.route("/invoices/<int(max=2147483647):invoice_id>")
class InvoiceDetail(MethodView):
    @blp.doc(security=BEARER)
    @roles("customer", "employee", "admin")
    @blp.response(200, InvoiceSchema)
    def get(self, invoice_id):
        """One invoice or credit note with its lines, VAT and totals"""
        return views.invoice(tenant_ctx(), invoice_id, own_customer_id())


@blp.route("/invoices/<int(max=2147483647):invoice_id>/document")
class InvoiceDocument(MethodView):
    @blp.doc(security=BEARER, responses={200: {"description": "The invoice as an HTML page "
                                                              "in the customer's language",
                                               "content": {"text/html": {}}}})
    @roles("customer", "employee", "admin")
    def get(self, invoice_id):
        """The invoice or credit note as a document (HTML) in the customer's language"""
        html = views.invoice_document(tenant_ctx(), invoice_id, own_customer_id())
        return Response(html, 200, mimetype="text/html")


@blp.route("/billing/runs")
class BillingRuns(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, BillingRunSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Month-end billing runs, newest first, with what each invoiced and what failed"""
        found, pagination_parameters.item_count = views.runs(
            tenant_ctx(), pagination_parameters.first_item,
            pagination_parameters.page_size)
        return found

    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.arguments(RunRequestSchema)
    @blp.response(202, BillingRunSchema)
    @blp.alt_response(409, description="The month is not over yet in the tenant's time zone "
                                       "(reason period_open), or a run of it is in progress "
                                       "(run_in_progress)")
    def post(self, data):
        """Bill a month (it must have ended) in the background; follow the run with its id.
        What is already billed is not billed again"""
        return runs.start_run(tenant_ctx(), Period.parse(data["period"]),
                                 trigger="api")


@blp.route("/billing/runs/<int(max=2147483647):run_id>")
class BillingRunDetail(MethodView):
    @blp.doc(security=BEARER)
    @roles("admin")
    @blp.response(200, BillingRunSchema)
    def get(self, run_id):
        """A billing run's outcome: invoices created, amounts per currency, failures"""
        return views.run_view(tenant_ctx(), run_id)

"""Schemas of notifications, their routing and preferences, and the customer's record."""
from marshmallow import fields, validate

from caas.entrypoints.http.api.billing import InvoiceSchema
from caas.entrypoints.http.api.order_schemas import OrderSchema
from caas.entrypoints.http.api.service_schemas import ServiceSchema
from caas.entrypoints.http.api.schemas import OutputSchema, StrictSchema, Timestamp
from caas.domain.notifications import CHANNELS, EVENTS
from caas.i18n import N_


STATUSES = ["queued", "sending", "retrying", "sent", "failed", "skipped"]


class NotificationSchema(OutputSchema):
    id = fields.Integer()
    recipient_id = fields.Integer()
    event = fields.String(metadata={"enum": list(EVENTS)})
    channel = fields.String(metadata={"enum": list(CHANNELS)})
    language = fields.String(attribute="locale", metadata={"example": "es-ES"})
    status = fields.String(metadata={"enum": STATUSES, "description": "the delivery outcome"})
    attempts = fields.Integer()
    error = fields.String(allow_none=True, metadata={
        "description": "the last failure, or why the channel was skipped (no_address, "
                       "opted_out, quiet_hours)"})
    subject = fields.String(allow_none=True, metadata={"description": "as sent"})
    destination = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    service_id = fields.Integer(allow_none=True)
    vin = fields.String(allow_none=True)
    created_at = Timestamp()
    sent_at = Timestamp(allow_none=True)


class NotificationQuerySchema(StrictSchema):
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                                 metadata={"description": "staff only: one customer's"})
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    status = fields.String(validate=validate.OneOf(STATUSES))


class RouteSchema(OutputSchema):
    event = fields.String()
    channels = fields.List(fields.String())
    default = fields.List(fields.String())
    locked = fields.Boolean(metadata={"description": "credentials: email only, always"})
    overridden = fields.Boolean()


class RouteUpdateSchema(StrictSchema):
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), required=True,
                           validate=validate.Length(min=1, max=len(CHANNELS)))


class QuietHoursSchema(StrictSchema):
    start = fields.Time(required=True, format="%H:%M", metadata={"example": "22:00"})
    end = fields.Time(required=True, format="%H:%M", metadata={"example": "07:00"})


class PreferencesSchema(StrictSchema):
    email = fields.Boolean(dump_only=True, metadata={"description": "always on"})
    push = fields.Boolean()
    sms = fields.Boolean()
    vehicle_display = fields.Boolean()
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True, metadata={
        "description": "pushes that are not urgent are not sent in these hours (the tenant's "
                       "local time); null: none"})


class CustomerRecordCustomerSchema(OutputSchema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    locale = fields.String()
    phone = fields.String(allow_none=True)


class CustomerRecordVehicleSchema(OutputSchema):
    vin = fields.String()
    model = fields.String()
    plate = fields.String(allow_none=True)
    status = fields.String()
    order_id = fields.Integer()
    order_status = fields.String()
    linked = fields.Boolean()
    linked_at = Timestamp(allow_none=True)


class DocumentSchema(OutputSchema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["manual", "contract"]})
    title = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    model = fields.String(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    created_at = Timestamp()
    url = fields.Function(lambda document: f"/api/v1/documents/{document['id']}")


class MaintenanceEntrySchema(OutputSchema):
    date = fields.String()
    workshop = fields.String()
    kind = fields.String()
    mileage_km = fields.Integer()


class MaintenanceSchema(OutputSchema):
    vin = fields.String()
    available = fields.Boolean(metadata={"description": "false: the VSS never answered for it"})
    stale = fields.Boolean(metadata={"description": "true: the VSS is unavailable; this is its "
                                                    "last answer, from fetched_at"})
    fetched_at = Timestamp(allow_none=True)
    error = fields.String(allow_none=True)
    status = fields.String()
    last_service = fields.String(allow_none=True)
    next_due = fields.String(allow_none=True)
    completion_percentage = fields.Integer()
    history = fields.List(fields.Nested(MaintenanceEntrySchema))


class CustomerRecordSchema(OutputSchema):
    customer = fields.Nested(CustomerRecordCustomerSchema)
    vehicles = fields.List(fields.Nested(CustomerRecordVehicleSchema))
    orders = fields.List(fields.Nested(OrderSchema))
    documents = fields.List(fields.Nested(DocumentSchema))
    maintenance = fields.List(fields.Nested(MaintenanceSchema))
    services = fields.List(fields.Nested(ServiceSchema))
    invoices = fields.List(fields.Nested(InvoiceSchema), metadata={
        "description": "invoices and credit notes, newest first: the latest 100; all of "
                       "them at /invoices"})
    notifications = fields.List(fields.Nested(NotificationSchema), metadata={
        "description": "the latest 100; all of them at /notifications"})
    notifications_total = fields.Integer()


class ManualQuerySchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filename = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$",
        error=N_("Letters, digits, '_', '.' and '-'.")))

"""Table definitions: the control plane's and every tenant database's.

Alembic migrations under ``caas/migrations`` create exactly these; a test
compares the two so that they never drift. Money is stored as whole minor
units (``*_minor``, BigInteger) beside its currency: exact on every backend.
"""
from sqlalchemy import (JSON, BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Integer,
                        LargeBinary, MetaData, String, Table, Text, UniqueConstraint, func)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# --- control plane --------------------------------------------------------

control_metadata = MetaData(naming_convention=NAMING)

tenants = Table(
    "tenants", control_metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("locales", JSON, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("status", String(20), nullable=False, default="active"),
    Column("secrets", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

operators = Table(
    "operators", control_metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _login_failures(metadata: MetaData) -> Table:
    """Failed sign-ins per key: ``account:<email>``, ``device:<id>`` or ``address:<client>``."""
    return Table(
        "login_failures", metadata,
        Column("key", String(300), primary_key=True),
        Column("failures", Integer, nullable=False),
        Column("window_started_at", DateTime(timezone=True), nullable=False),
        # The code always sets it; the default serves rows written by an older release
        # during a rolling upgrade.
        Column("last_failed_at", DateTime(timezone=True), nullable=False,
               server_default=func.now()),
    )


control_login_failures = _login_failures(control_metadata)

# --- every tenant database -------------------------------------------------

tenant_metadata = MetaData(naming_convention=NAMING)

users = Table(
    "users", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True)),
    UniqueConstraint("email"),
)

audit_log = Table(
    "audit_log", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", Integer),
    Column("actor_email", String(254)),
    Column("action", String(100), nullable=False, index=True),
    Column("entity", String(50), nullable=False),
    Column("entity_id", String(100)),
    Column("before", JSON),
    Column("after", JSON),
    Column("request_id", String(64)),
)

outbox = Table(
    "outbox", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("task", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True)),
    Column("processed_at", DateTime(timezone=True), index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    # A failed job is due again from then on (backoff); None: as soon as it is sent.
    Column("not_before", DateTime(timezone=True)),
)

login_failures = _login_failures(tenant_metadata)

password_resets = Table(
    "password_resets", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    # sha256 of the emailed token: the database never holds a usable link.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    # Set when the link is used, or when a newer request replaces it.
    Column("spent_at", DateTime(timezone=True)),
)

# --- sales and the vehicle lifecycle ---------------------------------------

customers = Table(
    "customers", tenant_metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("phone", String(32), nullable=False),
    Column("tax_id", String(40), nullable=False),
    Column("address", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

vehicle_models = Table(
    "vehicle_models", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("base_price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("options", JSON, nullable=False),  # factory-fitted: [{code, name, price_minor}]
    Column("created_at", DateTime(timezone=True), nullable=False),
)

plans = Table(
    "plans", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("reservation_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

orders = Table(
    "orders", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(40), nullable=False, unique=True),
    Column("customer_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("model", String(40), nullable=False),
    Column("plan", String(40), nullable=False),
    Column("options", JSON, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("reservation_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("owner", JSON, nullable=False),
    Column("status", String(30), nullable=False, index=True),
    Column("vin", String(17), index=True),
    Column("plate", String(20)),
    Column("factory_order_id", String(40), unique=True),
    Column("estimated_date", Date),
    Column("created_by", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("registration_escalated_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
)

order_events = Table(
    "order_events", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("source", String(30), nullable=False),
    Column("target", String(30), nullable=False),
    Column("note", String(500), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", Integer),
    Column("actor_email", String(254)),
)

vehicles = Table(
    "vehicles", tenant_metadata,
    Column("vin", String(17), primary_key=True),
    Column("model", String(40), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("order_id", Integer, ForeignKey("orders.id")),
    Column("plate", String(20)),
    Column("linked_user_id", Integer, ForeignKey("users.id")),
    Column("linked_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

payments = Table(
    "payments", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # reservation | final
    Column("attempt", Integer, nullable=False),
    # processing | succeeded | declined | failed | unknown (answer lost: reconcile by key);
    # indexed: the reconciliation pass looks for the unresolved ones.
    Column("status", String(20), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("gateway_key", String(120), nullable=False, unique=True),
    # The gateway's token, never a card number: an unanswered request is sent again as it was.
    Column("card_token", String(80)),
    Column("gateway_payment_id", String(60), unique=True),
    Column("settlement", String(20)),  # pending | settled | failed
    Column("error", String(500)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("order_id", "kind", "attempt"),
)

webhook_events = Table(
    "webhook_events", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("system", String(20), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("outcome", String(200), nullable=False),
    UniqueConstraint("system", "event_id"),
)

# Payment news about a payment the platform did not know when it came (its charge's answer
# was lost, or is still on its way): kept until a payment claims it by its key, or refunded
# as an orphan charge once nothing has for a while.
held_payment_events = Table(
    "held_payment_events", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("payment_id", String(60), nullable=False, index=True),
    Column("idempotency_key", String(255), index=True),
    Column("payload", JSON, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution", String(40)),  # claimed | orphan_refunded
    Column("ticket_id", Integer, ForeignKey("support_tickets.id")),
)

idempotency_keys = Table(
    "idempotency_keys", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", String(60), nullable=False),  # "<role>:<account id>"
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer),
    Column("response", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("owner", "key"),
)

support_tickets = Table(
    "support_tickets", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False, index=True),
    Column("status", String(20), nullable=False, index=True),  # open | in_progress | resolved
    Column("order_id", Integer, ForeignKey("orders.id")),
    Column("vin", String(17)),
    Column("customer_id", Integer, ForeignKey("users.id")),
    Column("service_id", Integer, ForeignKey("services.id"), index=True),
    Column("summary", String(500), nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("assignee_id", Integer, ForeignKey("users.id"), index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Bumped by each change of status or assignee, so that two staff never overwrite each other.
    Column("version", Integer, nullable=False),
)

ticket_events = Table(
    "ticket_events", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, ForeignKey("support_tickets.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("change", String(20), nullable=False),  # opened | status | assignee | comment
    Column("before", JSON),
    Column("after", JSON),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", Integer),
    Column("actor_email", String(254)),
)

# --- catalog options and the services bought with them --------------------------

catalog_options = Table(
    "catalog_options", tenant_metadata,
    Column("code", String(64), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("billing", String(20), nullable=False),  # one_time | monthly
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Usage pricing of an option with a usage metric: per unit, VAT included, and the
    # quantity included each month in the metric's steps (e.g. thousandths of a GB).
    Column("usage_price_minor", BigInteger),
    Column("usage_included", BigInteger),
    # The free trial of a monthly option, in days; none set: the plugin's own.
    Column("trial_days", Integer),
)

tenant_settings = Table(
    "tenant_settings", tenant_metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

services = Table(
    "services", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("vin", String(17), ForeignKey("vehicles.vin"), nullable=False, index=True),
    Column("option", String(64), nullable=False),
    Column("billing", String(20), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    # "<vin>:<option>" while the service is being bought or is on: one at a time per vehicle.
    Column("live_key", String(100), unique=True),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_token", String(80), nullable=False),  # the gateway's token, never a card number
    Column("payment_id", String(60), index=True),
    # Indexed: the reconciliation pass looks for holds nobody will capture.
    Column("payment_status", String(20), nullable=False, index=True),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("refund_due_minor", BigInteger),  # owed back by a withdrawal
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), index=True),
    Column("last_error", String(1000)),
    Column("activated_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

service_events = Table(
    "service_events", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", Integer, ForeignKey("services.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("source", String(20)),
    Column("target", String(20), nullable=False),
    Column("note", String(500), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("actor_id", Integer),
    Column("actor_email", String(254)),
)

# --- notifications and the customer's record -------------------------------------

notifications = Table(
    "notifications", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("event", String(40), nullable=False),  # a routing-table row: ota_success...
    Column("message", String(40), nullable=False),  # the text: credentials, order_update...
    Column("context", JSON, nullable=False),  # what the text is rendered from (no secrets)
    Column("channel", String(20), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("fallback_locale", String(16), nullable=False),
    Column("destination", String(254)),
    # queued | sending | retrying | sent | failed | skipped
    Column("status", String(20), nullable=False, index=True),
    Column("attempts", Integer, nullable=False),
    Column("error", String(1000)),
    Column("subject", String(500)),
    Column("order_id", Integer, ForeignKey("orders.id")),
    Column("service_id", Integer, ForeignKey("services.id")),
    Column("vin", String(17)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
)

notification_preferences = Table(
    "notification_preferences", tenant_metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("disabled", JSON, nullable=False),  # optional channels switched off
    Column("quiet_start", String(5)),  # "22:00", the tenant's local time
    Column("quiet_end", String(5)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

maintenance_reminders = Table(
    "maintenance_reminders", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("vin", String(17), ForeignKey("vehicles.vin"), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("customer_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # One reminder per vehicle and due date, whoever runs the job and however often.
    UniqueConstraint("vin", "due_date"),
)

maintenance_records = Table(
    "maintenance_records", tenant_metadata,
    Column("vin", String(17), ForeignKey("vehicles.vin"), primary_key=True),
    Column("record", JSON, nullable=False),  # the VSS's last answer
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)

documents = Table(
    "documents", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # manual (per model) | contract (per order)
    Column("model", String(40), index=True),
    Column("order_id", Integer, ForeignKey("orders.id"), index=True),
    Column("title", String(200), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# --- subscriptions and month-end billing ------------------------------------------

subscriptions = Table(
    "subscriptions", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("service_id", Integer, ForeignKey("services.id"), nullable=False, unique=True),
    Column("customer_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("vin", String(17), nullable=False),
    Column("option", String(64), nullable=False),
    Column("price_minor", BigInteger, nullable=False),  # per month, VAT included
    Column("currency", String(3), nullable=False),
    # A price change the admin moved the subscription to, from a month on ("YYYY-MM").
    Column("next_price_minor", BigInteger),
    Column("next_price_from", String(7)),
    # Usage pricing taken at the purchase (and moved with the price): per unit, included steps.
    Column("usage_price_minor", BigInteger),
    Column("usage_included", BigInteger),
    Column("next_usage_price_minor", BigInteger),
    Column("next_usage_included", BigInteger),
    Column("card_token", String(80), nullable=False),
    Column("status", String(20), nullable=False, index=True),  # active | cancelling | ended
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("trial_ends_at", DateTime(timezone=True)),  # billed from then on
    Column("trial_reminded_at", DateTime(timezone=True)),
    Column("cancel_at", DateTime(timezone=True)),  # takes effect then (a month end)
    Column("ended_at", DateTime(timezone=True)),
    Column("end_reason", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

billing_runs = Table(
    "billing_runs", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("period", String(7), nullable=False, index=True),
    Column("trigger", String(20), nullable=False),  # cli | schedule | clock | api
    Column("status", String(20), nullable=False),  # running | finished
    Column("batches", Integer, nullable=False),
    Column("batches_done", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)

invoice_counters = Table(
    "invoice_counters", tenant_metadata,
    Column("series", String(20), primary_key=True),  # "INV-2026", "CN-2026"
    Column("last_number", Integer, nullable=False),
)

invoices = Table(
    "invoices", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # invoice | credit_note
    Column("customer_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("period", String(7)),  # the month billed, for month-end invoices
    Column("service_id", Integer, ForeignKey("services.id")),  # one-time purchases
    Column("credited_invoice_id", Integer, ForeignKey("invoices.id")),  # credit notes
    Column("billing_run_id", Integer, ForeignKey("billing_runs.id"), index=True),
    Column("currency", String(3), nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("vat_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("customer_name", String(200), nullable=False),
    Column("customer_tax_id", String(40), nullable=False),
    Column("customer_address", JSON, nullable=False),
    Column("locale", String(16), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    # open (to charge) | paid | failed | unconfirmed (charge outcome unknown) | refunded
    Column("status", String(20), nullable=False, index=True),
    Column("card_token", String(80)),
    Column("payment_id", String(60), index=True),
    Column("error", String(500)),
    # Its receipt was queued for the customer (at most once: see billing.charging.send_receipts).
    Column("receipt_sent_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # One purchase invoice and one credit note per service, whoever writes it first.
    UniqueConstraint("kind", "service_id"),
)

invoice_lines = Table(
    "invoice_lines", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # subscription | usage | one_time | credit
    Column("subscription_id", Integer, ForeignKey("subscriptions.id")),
    Column("period", String(7)),
    Column("option", String(64), nullable=False),
    Column("days", Integer),
    Column("days_in_period", Integer),
    Column("net_minor", BigInteger, nullable=False),
    Column("vat_rate", String(12), nullable=False),  # a Decimal fraction, e.g. "0.21"
    Column("vat_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    # A usage line's quantities (decimal text in the unit, like the VAT rate) and unit price.
    Column("quantity", String(24)),
    Column("included", String(24)),
    Column("unit", String(16)),
    Column("unit_price_minor", BigInteger),
    # The guard of month-end billing: a subscription is billed once per period.
    UniqueConstraint("subscription_id", "period", "kind"),
)

daily_usage = Table(
    "daily_usage", tenant_metadata,
    Column("id", Integer, primary_key=True),
    Column("vin", String(17), ForeignKey("vehicles.vin"), nullable=False),
    Column("metric", String(40), nullable=False),
    Column("day", Date, nullable=False),  # the tenant's local calendar day
    Column("quantity", BigInteger, nullable=False),  # in the metric's steps
    # The local day's bounds, so billing compares instants on every backend.
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("event_id", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # One reading per vehicle, metric and day: a later report corrects it.
    UniqueConstraint("vin", "metric", "day"),
)

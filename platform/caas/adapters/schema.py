"""Table definitions: the control plane's and every tenant database's.

Alembic migrations under ``caas/migrations`` create exactly these; a test
compares the two so that they never drift.
"""
from sqlalchemy import (JSON, Boolean, Column, DateTime, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

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
    return Table(
        "login_failures", metadata,
        Column("key", String(300), primary_key=True),
        Column("failures", Integer, nullable=False),
        Column("window_started_at", DateTime(timezone=True), nullable=False),
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
)

login_failures = _login_failures(tenant_metadata)

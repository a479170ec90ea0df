"""telemetry webhook secret: tenants created before the telemetry feed get one

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-28 21:40:00.000000
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = 'c0002'
down_revision = 'c0001'
branch_labels = None
depends_on = None

tenants = sa.table('tenants', sa.column('id', sa.Integer()), sa.column('secrets', sa.JSON()))


def upgrade():
    conn = op.get_bind()
    for row in conn.execute(sa.select(tenants.c.id, tenants.c.secrets)).all():
        if "telemetry" not in (row.secrets or {}):
            conn.execute(tenants.update().where(tenants.c.id == row.id).values(
                secrets={**(row.secrets or {}), "telemetry": secrets.token_hex(32)}))


def downgrade():
    pass  # an extra secret is harmless to the older code

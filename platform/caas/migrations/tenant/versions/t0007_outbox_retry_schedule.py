"""outbox retry schedule: a failed job is due again at not_before

Revision ID: t0007
Revises: t0005
Create Date: 2026-11-28 19:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 't0007'
down_revision = 't0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.drop_column('not_before')

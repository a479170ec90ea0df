"""catalog trial days: the free trial an admin sets for an option (none set: the plugin's)

Revision ID: t0014
Revises: t0013
Create Date: 2026-12-08 01:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 't0014'
down_revision = 't0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('catalog_options') as batch:
        batch.add_column(sa.Column('trial_days', sa.Integer))


def downgrade():
    with op.batch_alter_table('catalog_options') as batch:
        batch.drop_column('trial_days')

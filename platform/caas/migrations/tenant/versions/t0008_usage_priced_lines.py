"""usage-priced lines: daily usage readings, usage pricing of options and subscriptions

Revision ID: t0008
Revises: t0007
Create Date: 2026-11-28 21:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 't0008'
down_revision = 't0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('daily_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('metric', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['vin'], ['vehicles.vin'], name=op.f('fk_daily_usage_vin_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_usage')),
    sa.UniqueConstraint('vin', 'metric', 'day', name=op.f('uq_daily_usage_vin'))
    )
    with op.batch_alter_table('catalog_options') as batch_op:
        batch_op.add_column(sa.Column('usage_price_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('usage_included', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('subscriptions') as batch_op:
        batch_op.add_column(sa.Column('usage_price_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('usage_included', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('next_usage_price_minor', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('next_usage_included', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('invoice_lines') as batch_op:
        batch_op.add_column(sa.Column('quantity', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('included', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('unit', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('unit_price_minor', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('invoice_lines') as batch_op:
        for column in ('unit_price_minor', 'unit', 'included', 'quantity'):
            batch_op.drop_column(column)
    with op.batch_alter_table('subscriptions') as batch_op:
        for column in ('next_usage_included', 'next_usage_price_minor', 'usage_included',
                       'usage_price_minor'):
            batch_op.drop_column(column)
    with op.batch_alter_table('catalog_options') as batch_op:
        batch_op.drop_column('usage_included')
        batch_op.drop_column('usage_price_minor')
    op.drop_table('daily_usage')

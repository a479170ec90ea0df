"""payment outcomes: unknown attempts resent as they were, payment news held until claimed,
and what a withdrawal owes back

Revision ID: t0011
Revises: t0010
Create Date: 2026-12-07 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 't0011'
down_revision = 't0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments') as batch_op:
        batch_op.add_column(sa.Column('card_token', sa.String(80), nullable=True))
    with op.batch_alter_table('services') as batch_op:
        batch_op.add_column(sa.Column('refund_due_minor', sa.BigInteger, nullable=True))
    op.create_index('ix_services_payment_status', 'services', ['payment_status'])
    op.create_index('ix_payments_status', 'payments', ['status'])
    op.create_table(
        'held_payment_events',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('event_id', sa.String(100), nullable=False, unique=True),
        sa.Column('payment_id', sa.String(60), nullable=False, index=True),
        sa.Column('idempotency_key', sa.String(255), index=True),
        sa.Column('payload', sa.JSON, nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True)),
        sa.Column('resolution', sa.String(40)),
        sa.Column('ticket_id', sa.Integer, sa.ForeignKey('support_tickets.id')),
    )


def downgrade():
    op.drop_table('held_payment_events')
    op.drop_index('ix_payments_status', 'payments')
    op.drop_index('ix_services_payment_status', 'services')
    with op.batch_alter_table('services') as batch_op:
        batch_op.drop_column('refund_due_minor')
    with op.batch_alter_table('payments') as batch_op:
        batch_op.drop_column('card_token')

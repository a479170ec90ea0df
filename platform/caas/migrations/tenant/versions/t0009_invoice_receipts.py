"""invoice receipts: when the customer was sent an invoice's receipt

Revision ID: t0009
Revises: t0008
Create Date: 2026-11-28 22:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 't0009'
down_revision = 't0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.add_column(sa.Column('receipt_sent_at', sa.DateTime(timezone=True),
                                      nullable=True))
    # Invoices paid before this revision had their receipt sent with the payment's record.
    op.execute("UPDATE invoices SET receipt_sent_at = updated_at WHERE status = 'paid'")


def downgrade():
    with op.batch_alter_table('invoices') as batch_op:
        batch_op.drop_column('receipt_sent_at')

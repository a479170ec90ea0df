"""login throttle: the time of each key's latest failure, for per-account delays

Revision ID: c0003
Revises: c0002
Create Date: 2026-12-01 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 'c0003'
down_revision = 'c0002'
branch_labels = None
depends_on = None


def upgrade():
    # The former counters (per email and per address, one window) mean nothing to the new
    # keys; they covered fifteen minutes at most.
    op.execute("DELETE FROM login_failures")
    # Batch mode rebuilds the table on SQLite, which cannot add a column with a
    # non-constant default.
    with op.batch_alter_table('login_failures') as batch_op:
        batch_op.add_column(sa.Column('last_failed_at', sa.DateTime(timezone=True),
                                      server_default=sa.func.now(), nullable=False))


def downgrade():
    op.execute("DELETE FROM login_failures")
    with op.batch_alter_table('login_failures') as batch_op:
        batch_op.drop_column('last_failed_at')

"""ticket history: assignees, versions and the history of support tickets

Revision ID: t0010
Revises: t0009
Create Date: 2026-12-02 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = 't0010'
down_revision = 't0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_tickets') as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.create_index(batch_op.f('ix_support_tickets_assignee_id'), ['assignee_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_support_tickets_assignee_id_users'), 'users',
                                    ['assignee_id'], ['id'])
    # Nothing changed a ticket before this revision: it was last touched when opened.
    op.execute("UPDATE support_tickets SET updated_at = created_at")
    with op.batch_alter_table('support_tickets') as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.alter_column('version', existing_type=sa.Integer(), server_default=None)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('change', sa.String(length=20), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['support_tickets.id'], name=op.f('fk_ticket_events_ticket_id_support_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events') as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    # Tickets opened before this revision start their history with their opening, by the system.
    tickets = sa.table('support_tickets', sa.column('id', sa.Integer),
                       sa.column('kind', sa.String), sa.column('summary', sa.String),
                       sa.column('created_at', sa.DateTime(timezone=True)))
    events = sa.table('ticket_events', sa.column('ticket_id', sa.Integer),
                      sa.column('at', sa.DateTime(timezone=True)), sa.column('change', sa.String),
                      sa.column('after', sa.JSON), sa.column('actor_role', sa.String),
                      sa.column('actor_email', sa.String))
    conn = op.get_bind()
    opened = [{"ticket_id": row.id, "at": row.created_at, "change": "opened",
               "after": {"status": "open", "kind": row.kind, "summary": row.summary},
               "actor_role": "system", "actor_email": "system"}
              for row in conn.execute(sa.select(tickets).order_by(tickets.c.id))]
    if opened:
        conn.execute(events.insert(), opened)


def downgrade():
    with op.batch_alter_table('ticket_events') as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))
    op.drop_table('ticket_events')
    with op.batch_alter_table('support_tickets') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_support_tickets_assignee_id_users'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_support_tickets_assignee_id'))
        batch_op.drop_column('version')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('assignee_id')

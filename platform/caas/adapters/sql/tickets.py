"""Support tickets and their changes."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.audit import AuditLog
from caas.adapters.sql.rows import aware, page
from caas.clock import WALL, TenantClock
from caas.domain.tickets import Change, ChangeKind, Ticket, TicketStatus
from caas.service_layer.unit_of_work import StaleTicket


class SupportTickets:
    """Cases escalated to staff (failed registrations and activations, payment risks), with
    their history; every change is also an audit entry (``ticket.<change>``)."""

    #: The audit action of each kind of change.
    ACTIONS = {ChangeKind.OPENED: "ticket.opened", ChangeKind.STATUS: "ticket.status_changed",
               ChangeKind.ASSIGNEE: "ticket.assigned", ChangeKind.COMMENT: "ticket.commented"}

    def __init__(self, conn: Connection, audit: AuditLog, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn
        self.audit = audit

    @staticmethod
    def _ticket(row) -> Ticket:
        return Ticket(
            id=row.id, kind=row.kind, status=TicketStatus(row.status), summary=row.summary,
            details=dict(row.details), order_id=row.order_id, service_id=row.service_id,
            vin=row.vin, customer_id=row.customer_id, assignee_id=row.assignee_id,
            created_at=aware(row.created_at), updated_at=aware(row.updated_at),
            resolved_at=aware(row.resolved_at), version=row.version)

    def open(self, kind: str, summary: str, details: dict, *, order_id: int | None = None,
             service_id: int | None = None, vin: str | None = None,
             customer_id: int | None = None) -> int:
        now = self.now()
        ticket = Ticket(kind=kind, summary=summary[:500], details=details, order_id=order_id,
                        service_id=service_id, vin=vin, customer_id=customer_id)
        ticket.id = self.conn.execute(tables.support_tickets.insert().values(
            kind=ticket.kind, status=ticket.status.value, summary=ticket.summary,
            details=details, order_id=order_id, service_id=service_id, vin=vin,
            customer_id=customer_id, created_at=now, updated_at=now,
            version=ticket.version)).inserted_primary_key[0]
        ticket.pending.append(Change(ChangeKind.OPENED, None, {
            "status": ticket.status.value, "kind": kind, "summary": ticket.summary}))
        self._record(ticket, now)
        return ticket.id

    def get(self, ticket_id: int) -> Ticket | None:
        row = self.conn.execute(sa.select(tables.support_tickets)
                                .where(tables.support_tickets.c.id == ticket_id)).first()
        return self._ticket(row) if row else None

    def save(self, ticket: Ticket) -> list[int]:
        """Write the ticket's pending changes; returns their ids in its history.

        A change of status or assignee is written only if nobody changed either since the
        ticket was read (else :class:`StaleTicket`); a comment alone needs no such care.
        """
        if not ticket.pending:
            return []
        table, now = tables.support_tickets, self.now()
        if ticket.state_changed:
            changed = self.conn.execute(
                table.update().where(table.c.id == ticket.id, table.c.version == ticket.version)
                .values(status=ticket.status.value, assignee_id=ticket.assignee_id,
                        resolved_at=ticket.resolved_at, updated_at=now,
                        version=ticket.version + 1)).rowcount
            if not changed:
                raise StaleTicket(ticket.id)
            ticket.version += 1
        else:
            self.conn.execute(table.update().where(table.c.id == ticket.id).values(updated_at=now))
        ticket.updated_at = now
        return self._record(ticket, now)

    def _record(self, ticket: Ticket, at: datetime) -> list[int]:
        """Append the pending changes to the history and the audit log; their history ids."""
        actor, ids = self.audit.actor, []
        for change in ticket.pending:  # one or two at a time
            ids.append(self.conn.execute(tables.ticket_events.insert().values(
                ticket_id=ticket.id, at=at, change=change.kind.value, before=change.before,
                after=change.after, actor_role=actor.role, actor_id=actor.id,
                actor_email=actor.email)).inserted_primary_key[0])
            self.audit.record(self.ACTIONS[change.kind], "ticket", ticket.id,
                              before=change.before, after=change.after)
        ticket.pending.clear()
        return ids

    def history(self, ticket_id: int) -> list[dict]:
        """Every change of the ticket, oldest first."""
        table = tables.ticket_events
        rows = self.conn.execute(sa.select(table).where(table.c.ticket_id == ticket_id)
                                 .order_by(table.c.id))
        return [{"id": row.id, "at": aware(row.at), "change": row.change, "before": row.before,
                 "after": row.after,
                 "actor": {"role": row.actor_role, "id": row.actor_id, "email": row.actor_email}}
                for row in rows]

    def unresolved(self) -> int:
        """How many tickets are open or in progress."""
        table = tables.support_tickets
        return self.conn.execute(sa.select(sa.func.count()).where(
            table.c.status != TicketStatus.RESOLVED.value)).scalar_one()

    def page(self, offset: int, limit: int, *, status: str | None = None,
             kind: str | None = None, assignee_id: int | None = None,
             assigned: bool | None = None) -> tuple[list[Ticket], int]:
        """Newest first; ``assigned`` tells tickets with an assignee from those without."""
        table = tables.support_tickets
        query = sa.select(table)
        if status:
            query = query.where(table.c.status == status)
        if kind:
            query = query.where(table.c.kind == kind)
        if assignee_id is not None:
            query = query.where(table.c.assignee_id == assignee_id)
        if assigned is not None:
            query = query.where(table.c.assignee_id.is_not(None) if assigned
                                else table.c.assignee_id.is_(None))
        rows, total = page(self.conn, query, table.c.id.desc(), offset, limit)
        return [self._ticket(row) for row in rows], total

"""Support tickets: cases escalated to staff, who take them on, discuss and resolve them.

A ticket keeps every change as a :class:`Change` (what it was, what it became), which
its history and the audit log record alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

#: Longest comment staff may write on a ticket, in characters.
MAX_COMMENT_LENGTH = 5000


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"  # may be reopened (to open or in progress)


class ChangeKind(StrEnum):
    OPENED = "opened"
    STATUS = "status"
    ASSIGNEE = "assignee"
    COMMENT = "comment"


@dataclass(frozen=True)
class Change:
    """One entry of a ticket's history."""

    kind: ChangeKind
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class EmptyComment(ValueError):
    """A comment with nothing but blanks in it."""


@dataclass
class Ticket:
    kind: str
    summary: str
    details: dict[str, Any]
    status: TicketStatus = TicketStatus.OPEN
    id: int | None = None
    order_id: int | None = None
    service_id: int | None = None
    vin: str | None = None
    customer_id: int | None = None
    assignee_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    version: int = 1
    pending: list[Change] = field(default_factory=list, repr=False)

    def set_status(self, status: TicketStatus | str, at: datetime) -> None:
        """Move to ``status`` (any other one: a resolved ticket may be reopened).

        ``resolved_at`` becomes ``at`` when resolved and is cleared when reopened.
        """
        status = TicketStatus(status)
        if status is self.status:
            return
        self.pending.append(Change(ChangeKind.STATUS, {"status": self.status.value},
                                   {"status": status.value}))
        self.status = status
        self.resolved_at = at if status is TicketStatus.RESOLVED else None

    def assign(self, assignee_id: int | None) -> None:
        """Give the ticket to a staff member (``None``: to nobody)."""
        if assignee_id == self.assignee_id:
            return
        self.pending.append(Change(ChangeKind.ASSIGNEE, {"assignee_id": self.assignee_id},
                                   {"assignee_id": assignee_id}))
        self.assignee_id = assignee_id

    def comment(self, body: str) -> None:
        if not body.strip():
            raise EmptyComment("a comment needs some text")
        self.pending.append(Change(ChangeKind.COMMENT, None, {"body": body}))

    @property
    def state_changed(self) -> bool:
        """Whether the pending changes touch the ticket itself, not only its discussion."""
        return any(change.kind is not ChangeKind.COMMENT for change in self.pending)

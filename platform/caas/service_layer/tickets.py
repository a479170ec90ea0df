"""Support tickets: staff list and read them, take them on, assign, discuss and resolve them."""
from __future__ import annotations

from caas.service_layer.unit_of_work import StaleTicket
from caas.domain.tickets import ChangeKind, EmptyComment, Ticket
from caas.domain.users import STAFF_ROLES, User
from caas.i18n import lazy_gettext
from caas.service_layer.errors import Conflict, Invalid, NotFound
from caas.service_layer.context import TenantContext


def page(ctx: TenantContext, offset: int, limit: int, **filters):
    """Tickets, newest first, by ``status``, ``kind``, ``assignee_id`` or ``assigned``."""
    with ctx.uow() as uow:
        return uow.tickets.page(offset, limit, **filters)


def view(ctx: TenantContext, ticket_id: int) -> dict:
    with ctx.uow() as uow:
        return _view(uow, _load(uow, ticket_id))


def update(ctx: TenantContext, ticket_id: int, changes: dict) -> dict:
    """Change the ticket's ``status`` and/or ``assignee_id`` (``None``: unassigned).

    :raises Invalid: the assignee is not an active staff member of the tenant.
    :raises Conflict: someone else changed the ticket since it was read.
    """
    with ctx.uow() as uow:
        ticket = _load(uow, ticket_id)
        if "assignee_id" in changes:
            if changes["assignee_id"] is not None:
                _require_staff(uow, changes["assignee_id"])
            ticket.assign(changes["assignee_id"])
        if "status" in changes:
            ticket.set_status(changes["status"], uow.now())
        _save(uow, ticket)
        uow.commit()
        return _view(uow, ticket)


def comment(ctx: TenantContext, ticket_id: int, body: str) -> dict:
    """Add a staff comment to the ticket's discussion; returns the comment."""
    with ctx.uow() as uow:
        ticket = _load(uow, ticket_id)
        try:
            ticket.comment(body)
        except EmptyComment:
            raise Invalid(lazy_gettext("The comment is empty."),
                          {"body": [lazy_gettext("Write something.")]}) from None
        [comment_id] = _save(uow, ticket)
        uow.commit()
        return next(entry for entry in _comments(uow.tickets.history(ticket.id))
                    if entry["id"] == comment_id)


def assignees(ctx: TenantContext) -> list[User]:
    """The staff a ticket may be given to (those :func:`update` accepts), by name."""
    with ctx.reader() as uow:
        return uow.users.active_staff()


def people(ctx: TenantContext, user_ids) -> dict[int, User]:
    """The accounts named by tickets (customers, assignees), by id; ``None`` ids are skipped."""
    with ctx.reader() as uow:
        return uow.users.many([user_id for user_id in user_ids if user_id is not None])


def _load(uow, ticket_id: int) -> Ticket:
    ticket = uow.tickets.get(ticket_id)
    if ticket is None:
        raise NotFound(lazy_gettext("Ticket %(id)s not found.", id=ticket_id))
    return ticket


def _require_staff(uow, user_id: int) -> None:
    person = uow.users.get(user_id)
    if person is None or person.role not in STAFF_ROLES or not person.active:
        raise Invalid(lazy_gettext("The assignee must be a staff member of this tenant."), {
            "assignee_id": [lazy_gettext("No active employee or admin has the id %(id)s.",
                                         id=user_id)]})


def _save(uow, ticket: Ticket) -> list[int]:
    try:
        return uow.tickets.save(ticket)
    except StaleTicket:
        raise Conflict(lazy_gettext("The ticket was changed by someone else meanwhile; reload "
                                    "it and retry.")) from None


def _comments(history: list[dict]) -> list[dict]:
    return [{"id": entry["id"], "at": entry["at"], "author": entry["actor"],
             "body": entry["after"]["body"]}
            for entry in history if entry["change"] == ChangeKind.COMMENT]


def _view(uow, ticket: Ticket) -> dict:
    history = uow.tickets.history(ticket.id)
    return dict(vars(ticket), history=history, comments=_comments(history))

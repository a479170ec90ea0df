"""Support tickets: staff list them, read one with its history, and assign, resolve, reopen or
comment on it, through the same use cases as the API (:mod:`service_layer.tickets`)."""
from __future__ import annotations

from flask import redirect, request, url_for

from caas.domain.tickets import TicketStatus
from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.forms import show_errors
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.intranet.ticket_forms import (AssignTicketForm, CommentForm,
                                                        QuickStatusForm, TicketFilterForm,
                                                        TicketStatusForm)
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import STAFF, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import orders, tickets
from caas.service_layer.errors import NotFound, ServiceError

navigation.link("web.tickets", lazy_gettext("Support tickets"), *STAFF, position=40)

TICKET = "/tickets/<int(max=2147483647):ticket_id>"


@blp.get("/tickets", endpoint="tickets")
@signed_in(*STAFF)
def tickets_list():
    staff = tickets.assignees(tenant_ctx())
    form = TicketFilterForm(request.args).offer(staff)
    valid = form.validate()
    paging = Paging.requested()
    found, total = tickets.page(tenant_ctx(), paging.offset, paging.size,
                                **(form.filters() if valid else {}))
    shown = {"tickets": found, "form": form, "paging": paging.of(total),
             "people": tickets.people(tenant_ctx(), [ticket.assignee_id for ticket in found]),
             "arguments": {name: value for name, value in request.args.items()
                           if name != "page"}}
    status = 200 if valid else 422
    if _list_alone():
        return rendering.fragment("ticket_list.html", status, **shown)
    return rendering.page("intranet/tickets.html", status, **shown)


def _list_alone() -> bool:
    """htmx asks for the list alone; a history restore (Back) needs the whole page."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get(
        "HX-History-Restore-Request")


@blp.get(TICKET)
@signed_in(*STAFF)
def ticket(ticket_id):
    return _ticket_page(ticket_id)


@blp.post(f"{TICKET}/assignee")
@signed_in(*STAFF)
def assign_ticket(ticket_id):
    form = AssignTicketForm().offer(tickets.assignees(tenant_ctx()))
    return _change(ticket_id, "assignee", form, lambda: tickets.update(
        tenant_ctx(), ticket_id, {"assignee_id": form.assignee_id.data}))


@blp.post(f"{TICKET}/status")
@signed_in(*STAFF)
def ticket_status(ticket_id):
    form = TicketStatusForm().offer()
    return _change(ticket_id, "status", form, lambda: tickets.update(
        tenant_ctx(), ticket_id, {"status": form.status.data}))


@blp.post(f"{TICKET}/resolution")
@signed_in(*STAFF)
def resolve_ticket(ticket_id):
    """Resolve an unresolved ticket, or reopen a resolved one (one button each)."""
    form = QuickStatusForm()
    return _change(ticket_id, "resolution", form, lambda: tickets.update(
        tenant_ctx(), ticket_id, {"status": form.status.data}))


@blp.post(f"{TICKET}/comments")
@signed_in(*STAFF)
@once
def comment_ticket(ticket_id):
    form = CommentForm()
    return _change(ticket_id, "comment", form, lambda: tickets.comment(
        tenant_ctx(), ticket_id, form.body.data))


def _change(ticket_id: int, action: str, form, act):
    """Send a form to its use case (``act``); 303 back to the ticket, or the ticket's page
    again with the refusal beside that form, in the use case's words and status."""
    if not form.validate_on_submit():
        return _ticket_page(ticket_id, {action: form}, action, status=422)
    try:
        act()
    except NotFound:
        raise  # an unknown ticket (or another tenant's) is the 404 page, not a refusal
    except ServiceError as error:
        show_errors(form, error.errors)
        return _ticket_page(ticket_id, {action: form}, action, error.message, error.status)
    return redirect(url_for(".ticket", ticket_id=ticket_id, done=action), 303)


def _ticket_page(ticket_id, sent=None, refused=None, problem=None, status=200):
    """The ticket; ``sent`` forms (refused ones) are shown as sent, beside the ``problem``."""
    ctx = tenant_ctx()
    shown = tickets.view(ctx, ticket_id)
    forms = {**_forms(shown), **(sent or {})}
    forms["assignee"].offer(tickets.assignees(ctx))
    forms["status"].offer()
    return rendering.page(
        "intranet/ticket.html", status, ticket=shown, forms=forms, refused=refused,
        problem=problem, done=request.args.get("done"),
        people=tickets.people(ctx, _people_named(shown)),
        order=orders.read(ctx, shown["order_id"]) if shown["order_id"] else None)


def _forms(shown: dict) -> dict:
    """The ticket's forms as they start: its assignee and status chosen, one button to
    resolve it (or reopen it, once resolved)."""
    resolved = shown["status"] is TicketStatus.RESOLVED
    return {"assignee": AssignTicketForm(formdata=None, assignee_id=shown["assignee_id"]),
            "status": TicketStatusForm(formdata=None, status=shown["status"].value),
            "resolution": QuickStatusForm(formdata=None, status=(
                TicketStatus.OPEN if resolved else TicketStatus.RESOLVED).value),
            "comment": CommentForm(formdata=None)}


def _people_named(shown: dict) -> list[int | None]:
    """The accounts the ticket and its history name by id: its customer and assignees."""
    assignees = [change[side]["assignee_id"] for change in shown["history"]
                 if change["change"] == "assignee" for side in ("before", "after")]
    return [shown["customer_id"], shown["assignee_id"], *assignees]

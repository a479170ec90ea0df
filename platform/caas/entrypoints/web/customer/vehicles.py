"""The customer's vehicles: each order's status, plate and VIN, and its timeline from
reservation to operational, live while the order moves."""
from __future__ import annotations

from flask import g, redirect, url_for

from caas.domain.orders import TRANSITIONS, Status
from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.customer.service_forms import PlainForm, refusal
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import delivery, sales
from caas.service_layer.errors import ServiceError

#: Rows a list shows.
LISTED = 50
#: The way from reservation to operational (a customer absent at delivery adds a step, and
#: a stock vehicle skips the factory's: the history says which were taken).
ROUTE = [status for status in Status if status not in (Status.AT_DEALERSHIP, Status.CANCELLED)]

navigation.link("web.vehicles", lazy_gettext("My vehicles"), *CUSTOMER, position=10)


@blp.get("/vehicles")
@signed_in(*CUSTOMER)
def vehicles():
    orders, _ = sales.order_page(tenant_ctx(), 0, LISTED, customer_id=g.web_actor.id)
    return rendering.page("customer/vehicles.html", orders=orders)


@blp.get("/vehicles/<int:order_id>")
@signed_in(*CUSTOMER)
def vehicle(order_id: int):
    return rendering.page("customer/vehicle.html", **_state(order_id))


@blp.get("/vehicles/<int:order_id>/state")
@signed_in(*CUSTOMER)
def vehicle_state(order_id: int):
    """The vehicle page's live part, which htmx polls while the order moves."""
    state = _state(order_id)
    return rendering.live_fragment("vehicle_state.html", state["order"]["status"], **state)


@blp.post("/vehicles/<int:order_id>/link")
@signed_in(*CUSTOMER)
def link_vehicle(order_id: int):
    """Link the delivered vehicle to the account (as the mobile app does): it is then
    operational, and its options can be bought."""
    form = PlainForm()
    state = _state(order_id)
    if form.validate_on_submit():
        try:
            delivery.link_vehicle(tenant_ctx(), g.web_actor.id, state["order"]["vin"] or "")
        except ServiceError as error:
            problem, status = refusal(None, error)
            return rendering.page("customer/vehicle.html", status, problem=problem, **state)
    return redirect(url_for(".vehicle", order_id=order_id), 303)


def _state(order_id: int) -> dict:
    """The order (another customer's is not found) and its timeline."""
    order = sales.order_view(tenant_ctx(), order_id, g.web_actor.id)
    current = Status(order["status"])
    return {"order": order, "steps": _steps(order), "upcoming": _upcoming(current),
            "final": not TRANSITIONS[current], "link_form": PlainForm(formdata=None)}


def _steps(order: dict) -> list[dict]:
    """The statuses the order went through, each with its time, from its registration (not
    in the history: a sale starts there); notes on a status are not steps."""
    registered = {"from": None, "to": Status.CREATED.value, "at": order["created_at"]}
    return [registered] + [step for step in order["history"]
                           if step["from"] != step["to"] and step["to"] != Status.CREATED]


def _upcoming(current: Status) -> list[str]:
    if current is Status.CANCELLED:
        return []
    here = Status.IN_TRANSIT if current is Status.AT_DEALERSHIP else current
    return [status.value for status in ROUTE[ROUTE.index(here) + 1:]]

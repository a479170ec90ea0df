"""One order, for the dealership: its details, payments and timeline, and only the steps its
status admits, each a form sent to the same use case as the API's.

Every step answers 303 back to the order's page; a step the use case refuses (a declined
card, a status that moved meanwhile) is shown on the page with the refusal's status. While
the order waits on the factory, the authority or the gateway, the page polls its status
(:func:`order_status`) and reloads once it has changed, so the next step appears.
"""
from __future__ import annotations

from flask import redirect, request, url_for

from caas.domain.orders import Status
from caas.entrypoints.web import rendering
from caas.entrypoints.web.intranet.order_forms import DeliveryForm, PaymentForm, StepForm
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import STAFF, blp, customer_scope, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import delivery, order_actions, payments, registration, sales
from caas.service_layer.errors import ServiceError

ORDER = "/orders/<int(max=2147483647):order_id>"
#: The steps' addresses (below the order's); a GET of one (a redirected double submit) goes
#: back to the order.
STEPS = "any('reservation-payment', 'final-payment', registration, delivery, pickup)"
#: Statuses in which the order waits on the factory or the authority: its status is polled.
WAITING = frozenset({Status.RESERVED, Status.FACTORY_ORDERED, Status.MANUFACTURING,
                     Status.VEHICLE_READY, Status.REGISTERING, Status.REGISTERED})
#: Payment attempts still being decided (sent, or their answer lost and being confirmed).
UNSETTLED = ("processing", payments.UNKNOWN)
#: The payments table's words for an attempt's kind and outcome.
PAYMENT_KINDS = {"reservation": lazy_gettext("Reservation"), "final": lazy_gettext("Final payment")}
PAYMENT_OUTCOMES = {
    "processing": lazy_gettext("Being processed"),
    "succeeded": lazy_gettext("Paid"),
    "declined": lazy_gettext("Declined"),
    "failed": lazy_gettext("Not charged"),
    payments.UNKNOWN: lazy_gettext("Pending confirmation"),
}
PAY = {"reservation": payments.pay_reservation, "final": payments.pay_final}
#: What the page says after a step went through (``?done=``).
DONE = {
    "paid": lazy_gettext("The payment was taken."),
    "retried": lazy_gettext("The registration is being tried again."),
    "delivered": lazy_gettext("The delivery was recorded."),
    "customer_absent": lazy_gettext("The customer was absent: the vehicle is back at the "
                                    "dealership, for them to collect."),
    "collected": lazy_gettext("The customer collected the vehicle."),
}


@blp.get(ORDER)
@signed_in(*STAFF)
def order(order_id: int):
    return _page(order_id, notice=DONE.get(request.args.get("done", "")))


@blp.get(f"{ORDER}/status")
@signed_in(*STAFF)
def order_status(order_id: int):
    """The polled status; a whole reload (``HX-Refresh``) once it is not the one drawn."""
    view = _view(order_id)
    response = rendering.fragment("order_status.html", **_live(view))
    if request.args.get("drawn", _state(view)) != _state(view):
        response.headers["HX-Refresh"] = "true"
    return response


@blp.get(f"{ORDER}/<{STEPS}:step>")
@signed_in(*STAFF)
def order_step(order_id: int, step: str):
    return redirect(url_for(".order", order_id=order_id), 303)


@blp.post(f"{ORDER}/<any(reservation, final):kind>-payment")
@signed_in(*STAFF)
@once
def order_payment(order_id: int, kind: str):
    form = PaymentForm()
    if not form.validate_on_submit():
        return _page(order_id, 422, payment=form)
    return _act(order_id, lambda: PAY[kind](tenant_ctx(), order_id, form.card_token.data),
                lambda outcome: "paid" if outcome == payments.SUCCEEDED else None, payment=form)


@blp.post(f"{ORDER}/registration")
@signed_in(*STAFF)
def order_registration(order_id: int):
    if not StepForm().validate_on_submit():
        return _page(order_id, 422)
    return _act(order_id, lambda: registration.retry(tenant_ctx(), order_id), "retried")


@blp.post(f"{ORDER}/delivery")
@signed_in(*STAFF)
def order_delivery(order_id: int):
    form = DeliveryForm()
    if not form.validate_on_submit():
        return _page(order_id, 422, problem=form.outcome.errors[0], delivery=form)
    outcome = form.outcome.data
    return _act(order_id, lambda: delivery.record_delivery(tenant_ctx(), order_id, outcome),
                outcome, delivery=form)


@blp.post(f"{ORDER}/pickup")
@signed_in(*STAFF)
def order_pickup(order_id: int):
    if not StepForm().validate_on_submit():
        return _page(order_id, 422)
    return _act(order_id, lambda: delivery.record_pickup(tenant_ctx(), order_id), "collected")


def _act(order_id: int, step, done, **forms):
    """Run ``step`` (a use case); back to the order saying ``done`` (or ``done(outcome)``), or
    the order again with the use case's refusal."""
    try:
        outcome = step()
    except ServiceError as error:
        for form in forms.values():
            for name, messages in error.errors.items():
                if name in form:
                    form[name].errors = list(messages)
        return _page(order_id, error.status, problem=error.message, **forms)
    said = done(outcome) if callable(done) else done
    return redirect(url_for(".order", order_id=order_id, done=said), 303)


def _view(order_id: int) -> dict:
    return sales.order_view(tenant_ctx(), order_id, customer_scope())


def _page(order_id: int, status: int = 200, *, problem=None, notice=None, **forms):
    view = _view(order_id)
    drawn = {"payment": PaymentForm(formdata=None), "delivery": DeliveryForm(formdata=None),
             "step": StepForm(formdata=None), **forms}
    return rendering.page("intranet/order.html", status, steps=order_actions.allowed(
        view["status"]), problem=problem, notice=notice, payment_kinds=PAYMENT_KINDS,
        payment_outcomes=PAYMENT_OUTCOMES, seller=sales.seller_email(tenant_ctx(), view),
        **_live(view), **drawn)


def _live(view: dict) -> dict:
    """What the status part of the page shows, and whether it is polled."""
    pending = any(payment["status"] in UNSETTLED for payment in view["payments"])
    return {"order": view, "pending_payment": pending, "state": _state(view),
            "live": pending or Status(view["status"]) in WAITING}


def _state(view: dict) -> str:
    """What the drawn page depends on: the status and the payments' outcomes."""
    return "/".join([view["status"], *(payment["status"] for payment in view["payments"])])

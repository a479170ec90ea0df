"""A vehicle's catalog: every option with its price, billing and availability (or why it
is blocked), and buying one, once, however often the form is sent."""
from __future__ import annotations

from flask import current_app, g, redirect, url_for

from caas.entrypoints.web import rendering
from caas.entrypoints.web.customer.service_forms import PurchaseForm, refusal
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import catalog, sales, service_purchase
from caas.service_layer.errors import NotFound, ServiceError


@blp.get("/vehicles/<int:order_id>/catalog")
@signed_in(*CUSTOMER)
def vehicle_catalog(order_id: int):
    return _page(_vehicle_order(order_id))


@blp.post("/vehicles/<int:order_id>/catalog")
@signed_in(*CUSTOMER)
@once
def buy_option(order_id: int):
    """Buy the form's option: the price is authorized and the activation queued; then the
    service's page, which follows the activation."""
    order, form = _vehicle_order(order_id), PurchaseForm()
    if not form.validate_on_submit():
        return _page(order, 422, form=form)
    try:
        bought = service_purchase.purchase(tenant_ctx(), g.web_actor.id, order["vin"],
                                           form.option.data, form.card_token.data)
    except ServiceError as error:
        problem, status = refusal(form, error)
        return _page(order, status, form=form, problem=problem)
    return redirect(url_for(".service", service_id=bought["id"]), 303)


def _vehicle_order(order_id: int) -> dict:
    """The customer's order with its vehicle (another customer's, or one without a vehicle
    yet, is not found)."""
    order = sales.order_view(tenant_ctx(), order_id, g.web_actor.id)
    if not order["vin"]:
        raise NotFound(lazy_gettext("Order %(id)s not found.", id=order_id))
    return order


def _page(order: dict, status: int = 200, *, form: PurchaseForm | None = None, **context):
    """The catalog, each available option with its buy form (the one sent, with its
    errors, when it comes back)."""
    items = catalog.vehicle_catalog(tenant_ctx(), order["vin"], g.web_actor.id, g.web_locale)
    sent = form.option.data if form is not None else None
    forms = {item["code"]: (form if item["code"] == sent else PurchaseForm(formdata=None))
             .for_option(item["code"]) for item in items if item["available"]}
    return rendering.page("customer/catalog.html", status, order=order, items=items,
                          forms=forms, sandbox=current_app.config["CAAS_SANDBOX"],
                          failed=status >= 400, **context)

"""Stock "sin asignar": vehicles no order has, each offered to the orders of its model that
wait for one (:func:`delivery.assign_stock` decides, as for the API)."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.forms import show_errors
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.once import OnceField, once
from caas.entrypoints.web.pages import STAFF, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import delivery, orders
from caas.service_layer.errors import ServiceError

navigation.link("web.stock", lazy_gettext("Stock"), *STAFF, position=30)


class AssignForm(FlaskForm):
    # Any order id may be sent: the use case, not the list shown, decides which one may have it.
    order_id = SelectField(coerce=int, validate_choice=False, validators=[
        InputRequired(lazy_gettext("Choose the order that gets the vehicle."))])
    # A double click gives the vehicle once, and shows that, not "no longer in stock".
    once = OnceField()


@blp.get("/stock")
@signed_in(*STAFF)
def stock():
    return _stock_page()


@blp.post("/stock/<string(maxlength=17):vin>/assign")
@signed_in(*STAFF)
@once
def assign_stock(vin):
    form = AssignForm()
    if not form.validate_on_submit():
        return _stock_page(vin, form, status=422)
    try:
        delivery.assign_stock(tenant_ctx(), vin, form.order_id.data)
    except ServiceError as error:
        show_errors(form, error.errors)
        return _stock_page(vin, form, error.message, error.status)
    return redirect(url_for(".stock", assigned=form.order_id.data), 303)


def _stock_page(refused_vin=None, refused_form=None, problem=None, status=200):
    """The list; a refused assignment keeps its choice and says why, beside its vehicle."""
    paging = Paging.requested()
    vehicles, total = delivery.stock_page(tenant_ctx(), paging.offset, paging.size)
    waiting = delivery.orders_awaiting(tenant_ctx(), [vehicle.model for vehicle in vehicles])
    forms = {vehicle.vin: _assign_form(vehicle, waiting[vehicle.model]) for vehicle in vehicles}
    if refused_vin in forms:
        refused_form.order_id.choices = forms[refused_vin].order_id.choices
        refused_form.order_id.id = forms[refused_vin].order_id.id
        forms[refused_vin] = refused_form
    assigned = request.args.get("assigned", type=int)
    return rendering.page(
        "intranet/stock.html", status, vehicles=vehicles, forms=forms, paging=paging.of(total),
        refused_vin=refused_vin, problem=problem,
        assigned=orders.read(tenant_ctx(), assigned) if assigned else None)


def _assign_form(vehicle, waiting) -> AssignForm:
    form = AssignForm(formdata=None)
    form.order_id.id = f"order-for-{vehicle.vin}"
    form.order_id.choices = [(order.id, f"{order.reference} · {order.owner.get('name', '')}")
                             for order in waiting]
    return form

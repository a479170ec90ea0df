"""Registering a sale: the customer (checked by the country's rules), the model, its factory
options and the plan; the customer gets their password by email, as through the API."""
from __future__ import annotations

from flask import g, redirect, url_for

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.intranet.sale_forms import ADDRESS, COUNTRY_KEY, LABELS, SaleForm
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import STAFF, blp, signed_in, tenant_ctx
from caas.i18n import ListText, lazy_gettext
from caas.service_layer import sales
from caas.service_layer.errors import Conflict, ServiceError

#: As many models and plans as a form can offer to pick from.
OFFERED = 200

navigation.link("web.sale", lazy_gettext("Register a sale"), *STAFF, position=20)


@blp.route("/sales/new", methods=["GET", "POST"])
@signed_in(*STAFF)
@once
def sale():
    ctx = tenant_ctx()
    form, problem, status = SaleForm(), None, 200
    form.locale.choices = [(locale, rendering.language_name(locale))
                           for locale in g.web_tenant.locales]
    address_errors: dict = {}
    if form.validate_on_submit():
        try:
            order, customer = sales.register_sale(
                ctx, g.web_actor, customer=form.customer(), model=form.model.data,
                plan=form.plan.data, options=form.option_codes())
        except ServiceError as error:
            problem, status = error.message, error.status
            if isinstance(error, Conflict):  # the email is a staff member's
                form.email.errors = [error.message]
            address_errors = _place_errors(form, error.errors or {})
        else:
            return redirect(url_for("web.orders", sold=order.id,
                                    new_customer=int(customer["created"])), 303)
    elif form.is_submitted():
        problem, status = lazy_gettext("The sale has invalid fields; see errors."), 422
        # The country's verdict on what was typed, at once, not after the next try.
        address_errors = _place_errors(
            form, {"customer": sales.customer_errors(ctx, form.customer())}, keep=True)
    models, _ = sales.models_page(ctx, 0, OFFERED)
    plans, _ = sales.plans_page(ctx, 0, OFFERED)
    return rendering.page(
        "intranet/sale.html", status, form=form, problem=problem, models=models, plans=plans,
        labels=LABELS, country_address=_country_address(form, address_errors),
        summary=_summary(form, address_errors),
        tax_id_kinds=ListText(ctx.country.tax_id_kinds, "or"))


def _place_errors(form: SaleForm, errors: dict, keep: bool = False) -> dict:
    """Put the use case's field errors beside their fields; returns those of the country's
    own address keys (such as the Swiss canton), which have no field until asked for.
    With ``keep``, a field the form itself refused keeps its own error."""
    errors = dict(errors)
    customer = dict(errors.pop("customer", None) or {})
    address = dict(customer.pop("address", None) or {})
    beside = {**errors, **customer}
    for key in ADDRESS:
        if key in address:
            beside[key] = address.pop(key)
    for name, messages in beside.items():
        if name in form and not (keep and form[name].errors):
            form[name].errors = list(messages)
    return {key: list(messages) for key, messages in address.items()
            if COUNTRY_KEY.fullmatch(f"address-{key}")}


def _country_address(form: SaleForm, errors: dict) -> dict[str, dict]:
    """The country's own address keys to show: those sent, and those it asked for."""
    sent = form.country_address() if form.is_submitted() else {}
    return {key: {"value": sent.get(key, ""), "errors": errors.get(key, [])}
            for key in dict.fromkeys([*sent, *errors])}


def _summary(form: SaleForm, address_errors: dict) -> list[tuple[str, object, list]]:
    """``(the field's id, its label, its errors)`` for the error summary's links."""
    anchors = {"model": "model-0", "plan": "plan-0", "options": "options"}
    found = [(anchors.get(name, name), LABELS[name], form[name].errors)
             for name in LABELS if name in form and form[name].errors]
    found += [(f"address-{key}", lazy_gettext("Address: %(key)s", key=key), messages)
              for key, messages in address_errors.items()]
    return found

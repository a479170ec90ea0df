"""The admin console's catalog: each option's sale (on or off, price, billing, usage price),
its compatibility with the tenant's models, and price moves previewed before they are made,
through the API's use cases (:mod:`service_layer.catalog`, :mod:`~.billing.pricing`).
Models, plans and manuals are in :mod:`.catalog_models`."""
from __future__ import annotations

from datetime import date

from flask import g, redirect, request, url_for

from caas.entrypoints.web import navigation, rendering
# Models, plans and manuals: a module of their own, its views on the same blueprint.
from caas.entrypoints.web.admin import catalog_models  # noqa: F401
from caas.entrypoints.web.admin.catalog_forms import (DEFAULT_NOTICE_DAYS, OptionForm,
                                                     PreviewForm, PriceMoveForm)
from caas.entrypoints.web.customer.service_forms import refusal
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import catalog, sales
from caas.service_layer.billing import pricing
from caas.service_layer.errors import NotFound, ServiceError

navigation.link("web.admin_catalog", lazy_gettext("Catalog"), *ADMIN, position=110,
                section="admin")

OPTION = "/admin/catalog/options/<string(maxlength=40):code>"
BILLINGS = {"one_time": lazy_gettext("One-time"), "monthly": lazy_gettext("Monthly")}


@blp.get("/admin/catalog", endpoint="admin_catalog")
@signed_in(*ADMIN)
def options():
    return _options_page()


@blp.post(OPTION, endpoint="admin_catalog_option")
@signed_in(*ADMIN)
def set_option(code):
    option = _option(code)
    form = OptionForm().for_option(option, _billings())
    if not form.validate_on_submit():
        return _options_page(code, form, status=422)
    try:
        catalog.set_option(tenant_ctx(), code, locale=g.web_locale,
                           **form.setting())
    except NotFound:
        raise
    except ServiceError as error:
        return _options_page(code, form, *refusal(form, error))
    return redirect(url_for(".admin_catalog", saved=code, _anchor=f"option-{code}"), 303)


def _options_page(refused=None, refused_form=None, problem=None, status=200):
    """Every option with its form; a refused one keeps what was sent, and says why."""
    items = catalog.admin_catalog(tenant_ctx(), g.web_locale)
    forms = {item["code"]: _form(item) for item in items}
    if refused is not None:
        forms[refused] = refused_form
    saved = next((item for item in items if item["code"] == request.args.get("saved")), None)
    moved = next((item for item in items if item["code"] == request.args.get("moved")), None)
    applies_on = request.args.get("applies_on", type=_day)
    return rendering.page(
        "admin/catalog.html", status, items=items, forms=forms, refused=refused,
        problem=problem, saved=saved, moved=moved and applies_on and {
            "option": moved, "subscriptions": request.args.get("subscriptions", 0, type=int),
            "applies_on": applies_on})


def _day(value: str) -> date:
    """An ISO date of the address (a ``ValueError`` leaves the argument out)."""
    return date.fromisoformat(value)


def _form(item: dict) -> OptionForm:
    """The option's form as the tenant sells it now (its first billing mode until set)."""
    return OptionForm(formdata=None, data={
        "enabled": item["enabled"], "price": item["price"] and str(item["price"].amount),
        "billing": item["billing"] or item["billing_modes"][0],
        "usage_price": item["usage_price"] and str(item["usage_price"].amount),
        "included": item["included"], "trial_days": item["trial_days"]}).for_option(
            item, _billings())


def _option(code: str) -> dict:
    found = [item for item in catalog.admin_catalog(tenant_ctx(), g.web_locale)
             if item["code"] == code]
    if not found:
        raise NotFound(lazy_gettext("No loaded plugin offers the option '%(code)s'.", code=code))
    return found[0]


def _billings() -> dict:
    return {mode: rendering.localized(label) for mode, label in BILLINGS.items()}


# --- compatibility ------------------------------------------------------------------------

@blp.get("/admin/catalog/compatibility", endpoint="admin_catalog_compatibility")
@signed_in(*ADMIN)
def compatibility():
    """Options × the tenant's models (a page of them): which option fits which model."""
    paging = Paging.requested()
    models, total = sales.models_page(tenant_ctx(), paging.offset, paging.size)
    items = catalog.admin_catalog(tenant_ctx(), g.web_locale)
    fits = {(item["code"], model["code"]): not item["compatible_models"]
            or model["code"] in item["compatible_models"] for item in items for model in models}
    return rendering.page("admin/catalog_compatibility.html", items=items, models=models,
                          fits=fits, paging=paging.of(total))


# --- price moves --------------------------------------------------------------------------

@blp.get(f"{OPTION}/price-move", endpoint="admin_catalog_price_move")
@signed_in(*ADMIN)
def price_move(code):
    """Who a price move would move, and from when, before it is confirmed."""
    form = PreviewForm(request.args)
    if "notice_days" in request.args and not form.validate():
        return _price_move_page(code, form, status=422)
    days = int(form.notice_days.data)
    return _price_move_page(code, form, PriceMoveForm(formdata=None, notice_days=days), days)


@blp.post(f"{OPTION}/price-move", endpoint="admin_catalog_price_move_confirm")
@signed_in(*ADMIN)
@once
def confirm_price_move(code):
    form = PriceMoveForm()
    if not form.validate_on_submit():
        return _price_move_page(code, _as_sent(form), status=422)
    try:
        moved = pricing.move_prices(tenant_ctx(), code, form.notice_days.data)
    except NotFound:
        raise
    except ServiceError as error:
        problem, status = refusal(form, error)
        return _price_move_page(code, _as_sent(form), status=status, problem=problem)
    return redirect(url_for(".admin_catalog", moved=code, subscriptions=moved["subscriptions"],
                            applies_on=f"{moved['effective_from']}-01",
                            _anchor=f"option-{code}"), 303)


def _as_sent(form: PriceMoveForm) -> PreviewForm:
    """The notice as the refused confirmation sent it, with its errors, in the page's own
    notice field (the confirmation's is hidden)."""
    shown = PreviewForm(formdata=None, notice_days=(form.notice_days.raw_data or [""])[0])
    shown.notice_days.errors = list(form.notice_days.errors)
    return shown


def _price_move_page(code, form, confirm=None, days=DEFAULT_NOTICE_DAYS, status=200,
                     problem=None):
    """The preview of a move with ``days`` of notice, its notice form, and (``confirm``) the
    form that makes it."""
    option = _option(code)
    preview = pricing.preview_price_move(tenant_ctx(), code, days)
    return rendering.page("admin/catalog_price_move.html", status, option=option,
                          preview=preview, form=form, confirm=confirm, problem=problem)

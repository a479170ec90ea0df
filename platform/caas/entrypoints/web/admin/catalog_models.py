"""The admin console's vehicle models (with their factory options and manuals) and commercial
plans, listed and added through the API's use cases (:mod:`service_layer.sales`,
:func:`service_layer.documents.store_manual`)."""
from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from caas.entrypoints.web import rendering
from caas.entrypoints.web.admin.catalog_forms import ManualForm, ModelForm, PlanForm
from caas.entrypoints.web.customer.service_forms import refusal
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.pages import ADMIN, blp, permitted, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import documents, sales
from caas.service_layer.errors import NotFound, ServiceError

MODELS, PLANS = "/admin/catalog/models", "/admin/catalog/plans"
#: A use case's field errors that belong to another field of the page's form.
MANUAL_FIELDS = {"body": "file", "filename": "file"}


@blp.get(MODELS, endpoint="admin_catalog_models")
@signed_in(*ADMIN)
def models():
    return _models_page()


@blp.post(MODELS, endpoint="admin_catalog_add_model")
@signed_in(*ADMIN)
def add_model():
    form = ModelForm()
    if not form.validate_on_submit():
        return _models_page(new=form, status=422)
    try:
        added = sales.add_model(tenant_ctx(), **form.model())
    except ServiceError as error:
        problem, status = refusal(form, error)
        return _models_page(new=form, problem=problem, status=status)
    return redirect(url_for(".admin_catalog_models", added=added["code"]), 303)


@blp.post(f"{MODELS}/<string(maxlength=40):code>/manuals", endpoint="admin_catalog_manual")
@signed_in(*ADMIN)
def upload_manual(code):
    form = ManualForm()
    if not form.validate_on_submit():
        return _models_page(code, form, status=422)
    upload = form.file.data
    try:
        stored = documents.store_manual(
            tenant_ctx(), code, form.title.data, secure_filename(upload.filename or "") or
            "manual", upload.mimetype or "", upload.read())
    except NotFound:
        raise
    except ServiceError as error:
        problem, status = refusal(form, _on_fields(error))
        return _models_page(code, form, problem, status)
    return redirect(url_for(".admin_catalog_models", manual=stored["id"],
                            _anchor=f"model-{code}"), 303)


@blp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A manual past the size the platform takes: said beside its file field, as any refusal
    (the request is refused before its form is read, so nothing is stored)."""
    if request.endpoint != "web.admin_catalog_manual" or g.get("web_actor") is None \
            or not permitted(g.web_actor.role, ADMIN):
        return error
    form = ManualForm(formdata=None)
    form.file.errors = [_too_large()]
    return _models_page(request.view_args["code"], form, _too_large(), 413)


def _too_large():
    return lazy_gettext("The file is larger than %(size)s.", size=_largest())


def _largest() -> str:
    """The largest request the platform takes, in kilobytes as the page's locale writes them."""
    return rendering.number(current_app.config["MAX_CONTENT_LENGTH"] // 1024) + " KB"


def _on_fields(error: ServiceError) -> ServiceError:
    """The use case's field errors on the form's fields (the API's body is the form's file)."""
    error.errors = {MANUAL_FIELDS.get(name, name): messages
                    for name, messages in (error.errors or {}).items()}
    return error


def _models_page(refused=None, refused_form=None, problem=None, status=200, new=None):
    """The models (a page of them) with their manuals and an upload form each, and the form
    that adds one; a refused form keeps what was sent, beside its problem."""
    paging = Paging.requested()
    found, total = sales.models_page(tenant_ctx(), paging.offset, paging.size)
    codes = [model["code"] for model in found]
    uploads = {code: _manual_form(code) for code in codes}
    if refused is not None:
        uploads[refused] = _manual_form(refused, refused_form)
    return rendering.page(
        "admin/catalog_models.html", status, models=found, manuals=documents.manuals(
            tenant_ctx(), codes), uploads=uploads, refused=refused, problem=problem,
        new=new or ModelForm(formdata=None), paging=paging.of(total), largest=_largest(),
        types=", ".join(documents.MANUAL_TYPES), added=request.args.get("added"),
        uploaded=request.args.get("manual", type=int))


def _manual_form(code: str, form: ManualForm | None = None) -> ManualForm:
    form = form or ManualForm(formdata=None)
    form.model.data = code
    for field in form:
        field.id = f"manual-{code}-{field.name}"
    return form


@blp.get(PLANS, endpoint="admin_catalog_plans")
@signed_in(*ADMIN)
def plans():
    return _plans_page(PlanForm(formdata=None))


@blp.post(PLANS, endpoint="admin_catalog_add_plan")
@signed_in(*ADMIN)
def add_plan():
    form = PlanForm()
    if not form.validate_on_submit():
        return _plans_page(form, status=422)
    try:
        added = sales.add_plan(tenant_ctx(), **form.plan())
    except ServiceError as error:
        problem, status = refusal(form, error)
        return _plans_page(form, problem, status)
    return redirect(url_for(".admin_catalog_plans", added=added["code"]), 303)


def _plans_page(form, problem=None, status=200):
    paging = Paging.requested()
    found, total = sales.plans_page(tenant_ctx(), paging.offset, paging.size)
    return rendering.page("admin/catalog_plans.html", status, plans=found, form=form,
                          problem=problem, paging=paging.of(total),
                          added=request.args.get("added"))

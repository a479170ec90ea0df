"""Tenants: searched and paged, created with their first admin, their health; and an operator
opening a tenant's admin console (and leaving it), audited in that tenant's log."""
from __future__ import annotations

from flask import redirect, request, session, url_for

from caas.entrypoints.web import rendering
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.operator.console import blp, operator_only
from caas.entrypoints.web.operator.forms import ActForm, NewTenantForm, TenantSearchForm
from caas.entrypoints.web.pages import platform
from caas.service_layer import tenant_health, tenants
from caas.service_layer.errors import Conflict, ServiceError

TENANT = "/tenants/<string(maxlength=40):slug>"


@blp.get("/")
@operator_only
def index():
    return redirect(url_for(".tenants"))


@blp.get("/tenants", endpoint="tenants")
@operator_only
def tenants_list():
    form = TenantSearchForm(request.args)
    valid = form.validate()
    paging = Paging.requested()
    found, total = tenants.search(platform(), form.q.data if valid else None,
                                  paging.offset, paging.size)
    return rendering.page("operator/tenants.html", 200 if valid else 422, form=form,
                          tenants=found, paging=paging.of(total), act=ActForm(formdata=None),
                          arguments={"q": form.q.data} if valid and form.q.data else {})


@blp.route("/tenants/new", methods=["GET", "POST"])
@operator_only
def new_tenant():
    countries = platform().plugins.countries
    form, problem, status = NewTenantForm().offer(countries), None, 200
    if form.validate_on_submit():
        try:
            tenant, _admin = tenants.create_tenant_with_admin(platform(),
                                                              **form.use_case_arguments())
        except ServiceError as error:
            problem, status = error.message, error.status
            # A taken slug is the slug's problem: said beside it.
            form.show({"slug": [error.message]} if isinstance(error, Conflict)
                      else error.errors or {})
        else:
            return redirect(url_for(".tenant", slug=tenant.slug, created=1), 303)
    elif form.is_submitted():
        status = 422
    return rendering.page("operator/new_tenant.html", status, form=form, problem=problem,
                          countries=countries)


@blp.get(TENANT)
@operator_only
def tenant(slug):
    return rendering.page("operator/tenant.html", health=tenant_health.health(platform(), slug),
                          act=ActForm(formdata=None), created=bool(request.args.get("created")))


@blp.post(f"{TENANT}/enter")
@operator_only
def enter_tenant(slug):
    """Open the tenant's admin console, as the operator (its pages show a banner)."""
    if session.get("acting_in") and session["acting_in"] != slug:
        tenants.leave_as_operator(platform(), session["acting_in"])
    tenants.enter_as_operator(platform(), slug)
    session["acting_in"] = slug
    return redirect(url_for("web.index", tenant=slug), 303)


@blp.post("/leave")
@operator_only
def leave_tenant():
    """Back from a tenant's admin console to this one."""
    slug = session.pop("acting_in", None)
    if slug:
        tenants.leave_as_operator(platform(), slug)
    return redirect(url_for(".tenant", slug=slug) if slug else url_for(".tenants"), 303)

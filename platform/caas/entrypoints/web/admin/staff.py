"""The admin console's staff pages: the tenant's admins and employees a page at a time,
inviting one (their credentials are emailed in their language), changing a role, and
deactivating an account (refused at once, on the pages and the API alike) or reactivating it,
through the same use cases as the API (:mod:`service_layer.users`)."""
from __future__ import annotations

from flask import g, redirect, request, url_for

from caas.entrypoints.web import labels, navigation, rendering
from caas.entrypoints.web.admin.staff_forms import (DeactivateForm, InviteForm,
                                                    ReactivateForm, RoleForm)
from caas.entrypoints.web.forms import show_errors
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import users
from caas.service_layer.errors import NotFound, ServiceError

navigation.link("web.admin_staff", lazy_gettext("Staff"), *ADMIN, position=120,
                section="admin")

PERSON = "/admin/staff/<int(max=2147483647):user_id>"


@blp.get("/admin/staff", endpoint="admin_staff")
@signed_in(*ADMIN)
def staff_list():
    paging = Paging.requested()
    people, total = users.staff_page(tenant_ctx(), paging.offset, paging.size)
    return rendering.page("admin/staff.html", people=people, paging=paging.of(total),
                          roles=labels.STAFF_ROLE, language_name=rendering.reader_language_name)


@blp.get("/admin/staff/new", endpoint="admin_staff_invite")
@signed_in(*ADMIN)
def invite_form():
    return _invite_page(InviteForm(formdata=None).offer(g.web_tenant))


@blp.post("/admin/staff/new")
@signed_in(*ADMIN)
@once
def invite():
    form = InviteForm().offer(g.web_tenant)
    if not form.validate_on_submit():
        return _invite_page(form, status=422)
    try:
        person = users.provision_staff(tenant_ctx(), email=form.email.data, role=form.role.data,
                                       name=form.name.data, locale=form.locale.data)
    except ServiceError as error:
        # The email already has an account: said beside the email.
        show_errors(form, error.errors or {"email": [error.message]})
        return _invite_page(form, error.message, error.status)
    return redirect(url_for(".admin_staff_person", user_id=person.id, done="invited"), 303)


def _invite_page(form, problem=None, status=200):
    return rendering.page("admin/staff_invite.html", status, form=form, problem=problem)


@blp.get(PERSON, endpoint="admin_staff_person")
@signed_in(*ADMIN)
def staff_person(user_id):
    return _person_page(user_id)


@blp.post(f"{PERSON}/role", endpoint="admin_staff_role")
@signed_in(*ADMIN)
def change_role(user_id):
    form = RoleForm().offer()
    return _change(user_id, "role", form,
                   lambda: users.change_staff(tenant_ctx(), user_id, role=form.role.data))


@blp.post(f"{PERSON}/deactivation", endpoint="admin_staff_deactivate")
@signed_in(*ADMIN)
def deactivate(user_id):
    return _change(user_id, "deactivated", DeactivateForm(),
                   lambda: users.change_staff(tenant_ctx(), user_id, active=False))


@blp.post(f"{PERSON}/reactivation", endpoint="admin_staff_reactivate")
@signed_in(*ADMIN)
def reactivate(user_id):
    return _change(user_id, "reactivated", ReactivateForm(),
                   lambda: users.change_staff(tenant_ctx(), user_id, active=True))


def _change(user_id: int, action: str, form, act):
    """Send a form to its use case (``act``); 303 back to the person's page, or that page
    again with the refusal beside the form, in the use case's words and status."""
    if not form.validate_on_submit():
        return _person_page(user_id, {action: form}, action, status=422)
    try:
        act()
    except NotFound:
        raise  # a customer's id, or nobody's: the 404 page, not a refusal
    except ServiceError as error:
        show_errors(form, error.errors)
        return _person_page(user_id, {action: form}, action, error.message, error.status)
    return redirect(url_for(".admin_staff_person", user_id=user_id, done=action), 303)


def _person_page(user_id, sent=None, refused=None, problem=None, status=200):
    """The person and the forms their account's state allows; ``sent`` forms (refused ones)
    are shown as sent, beside the ``problem``."""
    person = users.get_staff(tenant_ctx(), user_id)
    forms = {"role": RoleForm(formdata=None, role=person.role).offer(),
             "deactivated": DeactivateForm(formdata=None),
             "reactivated": ReactivateForm(formdata=None), **(sent or {})}
    actor = g.web_actor
    return rendering.page(
        "admin/staff_person.html", status, person=person, name=person.name or person.email,
        forms=forms, refused=refused,
        problem=problem, done=request.args.get("done"), roles=labels.STAFF_ROLE,
        language_name=rendering.reader_language_name,
        own=actor.role != "operator" and actor.id == person.id)

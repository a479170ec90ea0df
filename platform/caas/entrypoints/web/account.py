"""Signing in and out, passwords (changed, or reset from an emailed link), and the language
switcher."""
from __future__ import annotations

from flask import g, redirect, request, session, url_for

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.forms import (LanguageForm, NewPasswordForm, PasswordChangeForm,
                                        ResetRequestForm, SignInForm, show_errors)
from caas.entrypoints.web.pages import (STAFF, blp, landing, platform, signed_in,
                                        start_session)
from caas.i18n import lazy_gettext
from caas.service_layer import auth, password_reset, users
from caas.service_layer.errors import ServiceError, Throttled

navigation.link("web.password", lazy_gettext("Change password"), "customer", *STAFF,
                position=90)


def sign_in_page(tenant, arrive, **page):
    """The sign-in form of ``tenant``'s people (operators': ``None``), throttled; once the
    credentials are right, ``arrive(signed_in_as)`` starts the session and answers."""
    form, problem, status, headers = SignInForm(), None, 200, {}
    if form.validate_on_submit():
        try:
            signed_in_as = auth.issue_token(platform(), form.email.data, form.password.data,
                                            request.remote_addr, tenant)
        except ServiceError as error:
            problem, status = error.message, error.status
            if isinstance(error, Throttled):
                headers["Retry-After"] = str(error.retry_after)
        else:
            return arrive(signed_in_as)
    elif form.is_submitted():
        status = 422
    response = rendering.page("sign_in.html", status, form=form, problem=problem, **page)
    response.headers.extend(headers)
    return response


def sign_out_page():
    session.clear()
    return redirect(url_for(".sign_in"), 303)


def switch_language(offered, back_within: str, otherwise: str):
    """The language switcher's answer: the choice among ``offered`` kept in the session,
    and back to the page it was on, if that is under ``back_within``."""
    form = LanguageForm()
    form.language.choices = list(offered)
    if form.validate_on_submit():
        session["language"] = form.language.data
    target = form.next.data or ""
    # Only back to a page of this site: never an address another site could put there.
    if not target.startswith(back_within) or target.startswith("//") or "\\" in target:
        target = otherwise
    return redirect(target, 303)


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    def arrive(signed_in_as):
        start_session(signed_in_as)
        g.web_actor = signed_in_as.actor
        return redirect(landing(), 303)
    return sign_in_page(g.web_tenant, arrive, reset=bool(request.args.get("reset")))


@blp.post("/sign-out")
def sign_out():
    return sign_out_page()


@blp.route("/password", methods=["GET", "POST"])
@signed_in("customer", *STAFF)
def password():
    form, problem, status = PasswordChangeForm(), None, 200
    if form.validate_on_submit():
        try:
            users.change_password(platform(), g.web_tenant, g.web_actor.id,
                                  form.old_password.data, form.new_password.data)
        except ServiceError as error:
            problem, status = error.message, error.status
            show_errors(form, error.errors)
        else:
            return redirect(url_for(".password", changed=1), 303)
    elif form.is_submitted():
        status = 422
    return rendering.page("password.html", status, form=form, problem=problem,
                          changed=bool(request.args.get("changed")))


@blp.route("/password-reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a reset link. The answer is the same whether an account uses the address or
    not (nobody learns who has an account here)."""
    form, status = ResetRequestForm(), 200
    if form.validate_on_submit():
        password_reset.request_reset(platform().for_tenant(g.web_tenant), form.email.data,
                                     request.remote_addr)
        return redirect(url_for(".reset_request", sent=1), 303)
    if form.is_submitted():
        status = 422
    return rendering.page("reset_request.html", status, form=form,
                          sent=bool(request.args.get("sent")))


@blp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_confirm(token):
    """Choose a new password with the emailed link; then sign in with it."""
    form, problem, status = NewPasswordForm(), None, 200
    if form.validate_on_submit():
        try:
            password_reset.confirm_reset(platform().for_tenant(g.web_tenant), token,
                                         form.new_password.data)
        except ServiceError as error:
            problem, status = error.message, error.status
            for name, messages in (error.errors or {}).items():
                if name == "password":
                    form.new_password.errors = list(messages)
        else:
            return redirect(url_for(".sign_in", reset=1), 303)
    elif form.is_submitted():
        status = 422
    response = rendering.page("reset_confirm.html", status, form=form, problem=problem)
    # The link's token is in this page's address: no other site may see it as a referrer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.post("/language")
def language():
    """The language switcher (before sign-in; then the person's own locale applies)."""
    return switch_language(g.web_tenant.locales, "/", url_for(".sign_in"))

"""Operators sign in (throttled as on a tenant's pages) and out, and choose a language."""
from __future__ import annotations

from flask import redirect, request, session, url_for

from caas.entrypoints.web import rendering
from caas.entrypoints.web.forms import LanguageForm, SignInForm
from caas.entrypoints.web.operator.console import blp
from caas.entrypoints.web.pages import platform, start_session
from caas.i18n import core_languages
from caas.service_layer import auth
from caas.service_layer.errors import ServiceError, Throttled


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form, problem, status, headers = SignInForm(), None, 200, {}
    if form.validate_on_submit():
        try:
            signed_in_as = auth.issue_token(platform(), form.email.data, form.password.data,
                                            request.remote_addr, None)
        except ServiceError as error:
            problem, status = error.message, error.status
            if isinstance(error, Throttled):
                headers["Retry-After"] = str(error.retry_after)
        else:
            start_session(signed_in_as, operator=True)
            return redirect(url_for(".tenants"), 303)
    elif form.is_submitted():
        status = 422
    response = rendering.page("sign_in.html", status, form=form, problem=problem,
                              sign_in_action=url_for(".sign_in"))
    response.headers.extend(headers)
    return response


@blp.post("/sign-out")
def sign_out():
    session.clear()
    return redirect(url_for(".sign_in"), 303)


@blp.post("/language")
def language():
    form = LanguageForm()
    form.language.choices = list(core_languages())
    if form.validate_on_submit():
        session["language"] = form.language.data
    target = form.next.data or ""
    # Only back to a page of the console: never an address another site could put there.
    if not target.startswith(f"{blp.url_prefix}/") or "\\" in target:
        target = url_for(".tenants")
    return redirect(target, 303)


"""A tenant's pages: sign-in, sign-out, password change, and where each role lands."""
from __future__ import annotations

import functools

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError

from caas.entrypoints.web import addresses, rendering
from caas.entrypoints.web.forms import (LanguageForm, NewPasswordForm, PasswordChangeForm,
                                        ResetRequestForm, SignInForm, SignOutForm)
from caas.service_layer import auth, password_reset, sales, users
from caas.service_layer.errors import ServiceError, Throttled, Unauthorized
from caas.tenancy import UnknownTenant

blp = Blueprint("web", __name__, template_folder="templates")
#: The blueprints whose pages have a cookie session.
BLUEPRINTS = ("web",)
STAFF = ("employee", "admin")
#: Rows a placeholder list shows (the full pages page through them).
LISTED = 50
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

blp.url_value_preprocessor(addresses.take_slug)
blp.url_defaults(addresses.add_tenant)


def platform():
    return current_app.extensions["caas"]


@blp.before_request
def enter_page():
    addresses.enter_tenant()
    g.web_actor = _signed_in()
    rendering.use_locale(rendering.page_locale(g.web_tenant, getattr(g.web_actor, "locale", None)),
                         g.web_tenant.default_locale)
    if request.method not in SAFE_METHODS:
        current_app.extensions["caas_csrf"].protect()


def _signed_in():
    """The person the session stands for on this tenant; ``None`` when signed out, expired,
    or signed in on another tenant (that session is never honoured here)."""
    token = session.get("token")
    if not token or session.get("tenant") != g.web_tenant.slug:
        return None
    try:
        return auth.actor_from_token(platform(), token, g.web_tenant)
    except Unauthorized:
        return None


def signed_in(*roles: str):
    """Pages for the signed-in ``roles``: others are sent to sign in, or refused (403)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if g.web_actor is None:
                return redirect(url_for(".sign_in"))
            if g.web_actor.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def landing() -> str:
    """Where a person arrives after signing in: customers at their vehicles, staff at orders."""
    return url_for(".vehicles" if g.web_actor.role == "customer" else ".orders")


@blp.context_processor
def page_context():
    actor, locale = g.get("web_actor"), g.get("web_locale", "en")
    if g.get("web_tenant") is None:
        return {"tenant": None, "actor": None, "account": None, "locale": locale}
    account = users.get_account(platform(), g.web_tenant, actor.id) if actor else None
    languages = LanguageForm(formdata=None, next=request.path)
    languages.language.choices = [(locale, rendering.language_name(locale))
                                  for locale in g.web_tenant.locales]
    languages.language.data = g.get("web_locale")
    return {"tenant": g.web_tenant, "actor": actor, "account": account,
            "locale": locale, "language_form": languages,
            "sign_out_form": SignOutForm(formdata=None)}


@blp.get("/")
def index():
    return redirect(landing() if g.web_actor else url_for(".sign_in"))


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    form, problem, status, headers = SignInForm(), None, 200, {}
    if form.validate_on_submit():
        try:
            signed_in_as = auth.issue_token(platform(), form.email.data, form.password.data,
                                            request.remote_addr, g.web_tenant)
        except ServiceError as error:
            problem, status = error.message, error.status
            if isinstance(error, Throttled):
                headers["Retry-After"] = str(error.retry_after)
        else:
            # A new session at sign-in: nothing set before it (by anyone) carries over.
            session.clear()
            session.update(token=signed_in_as.access_token, tenant=g.web_tenant.slug)
            g.web_actor = signed_in_as.actor
            return redirect(landing(), 303)
    elif form.is_submitted():
        status = 422
    response = rendering.page("sign_in.html", status, form=form, problem=problem,
                              reset=bool(request.args.get("reset")))
    response.headers.extend(headers)
    return response


@blp.post("/sign-out")
def sign_out():
    session.clear()
    return redirect(url_for(".sign_in"), 303)


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
            for name, messages in (error.errors or {}).items():
                if name in form:
                    form[name].errors = list(messages)
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


@blp.get("/vehicles")
@signed_in("customer")
def vehicles():
    orders, _ = sales.order_page(platform().for_tenant(g.web_tenant), 0, LISTED,
                                 customer_id=g.web_actor.id)
    return rendering.page("vehicles.html", orders=orders)


@blp.get("/orders")
@signed_in(*STAFF)
def orders():
    listed, total = sales.order_page(platform().for_tenant(g.web_tenant), 0, LISTED)
    return rendering.page("orders.html", orders=listed, total=total)


@blp.post("/language")
def language():
    """The language switcher (before sign-in; then the person's own locale applies)."""
    form = LanguageForm()
    form.language.choices = list(g.web_tenant.locales)
    if form.validate_on_submit():
        session["language"] = form.language.data
    target = form.next.data or ""
    # Only back to a page of this site: never an address another site could put there.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for(".sign_in")
    return redirect(target, 303)


# --- errors, as pages ---------------------------------------------------------------------

@blp.errorhandler(UnknownTenant)
def unknown_tenant(_error):
    rendering.use_locale(rendering.page_locale(None, None), "en")
    g.web_tenant = None
    return rendering.page("not_found.html", 404)


@blp.errorhandler(403)
def forbidden(_error):
    return rendering.page("forbidden.html", 403)


@blp.errorhandler(CSRFError)
def csrf_refused(_error):
    return rendering.page("expired_form.html", 400)

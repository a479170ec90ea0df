"""The tenant's pages' blueprint: who is signed in, in which language, and who may see what.

The channels' pages (:mod:`account`, the customer's and the intranet's modules) add their
views to :data:`blp`; each page calls the same use cases as the REST API.
"""
from __future__ import annotations

import functools

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError

from caas.clock import wall_time
from caas.context import actor_var
from caas.entrypoints.web import addresses, navigation, rendering
from caas.entrypoints.web.forms import LanguageForm, SignOutForm
from caas.service_layer import auth, users
from caas.service_layer.errors import NotFound, Unauthorized
from caas.tenancy import UnknownTenant

blp = Blueprint("web", __name__, template_folder="templates")
#: The blueprints whose pages have a cookie session.
BLUEPRINTS = ("web", "operator")
CUSTOMER = ("customer",)
STAFF = ("employee", "admin")
#: The tenant admin console's pages; an operator acting inside the tenant passes too.
ADMIN = ("admin",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

blp.url_value_preprocessor(addresses.take_slug)
blp.url_defaults(addresses.add_tenant)


def platform():
    return current_app.extensions["caas"]


def tenant_ctx():
    """The use cases' context for this page's tenant."""
    return platform().for_tenant(g.web_tenant)


def customer_scope() -> int | None:
    """The customer whose records a page may show: the signed-in customer's own id, or
    ``None`` (every customer) for staff. Pass it to the use cases as the API does."""
    return g.web_actor.id if g.web_actor.role == "customer" else None


@blp.before_request
def enter_page():
    addresses.enter_tenant()
    g.web_actor = _signed_in()
    if g.web_actor is not None:
        actor_var.set(g.web_actor)  # what the page does is audited as theirs, as the API's is
    rendering.use_locale(rendering.page_locale(g.web_tenant, getattr(g.web_actor, "locale", None)),
                         g.web_tenant.default_locale)
    if request.method not in SAFE_METHODS:
        current_app.extensions["caas_csrf"].protect()


def _signed_in():
    """The person the session stands for on this tenant; ``None`` when signed out, expired,
    or signed in on another tenant (that session is never honoured here)."""
    token = session.get("token")
    where = session.get("acting_in") if session.get("operator") else session.get("tenant")
    if not token or where != g.web_tenant.slug:
        return None
    try:
        actor = auth.actor_from_token(platform(), token, g.web_tenant)
        keep_alive(actor)
    except Unauthorized:
        return None
    return actor


def start_session(signed_in_as, *, operator: bool = False) -> None:
    """A new session at sign-in: nothing set before it (by anyone) carries over. It keeps
    the name the pages greet the person by, rather than each page reading the account.

    :param operator: an operator's, on no tenant; it keeps the language chosen before, as
        operators have no language of their own.
    """
    tenant = None if operator else g.web_tenant
    account = users.get_account(platform(), tenant, signed_in_as.actor.id)
    where = {"operator": True} if operator else {"tenant": tenant.slug}
    if operator and session.get("language"):
        where["language"] = session["language"]
    session.clear()
    now = wall_time()
    session.update(token=signed_in_as.access_token, since=now, **where,
                   name=account.name or account.email,
                   renew_at=now + platform().config["CAAS_TOKEN_TTL_SECONDS"] / 2)


def keep_alive(actor) -> None:
    """A session in use stays signed in: past half its token's life the token is renewed,
    until ``CAAS_WEB_SESSION_MAX_SECONDS`` after sign-in. An idle session ends with its
    token, and so does one whose account was deactivated."""
    config, now = platform().config, wall_time()
    if now < session.get("renew_at", 0) or \
            now - session.get("since", 0) >= config["CAAS_WEB_SESSION_MAX_SECONDS"]:
        return
    session["token"] = auth.renew_token(platform(), actor,
                                        None if session.get("operator") else g.web_tenant)
    session["renew_at"] = now + config["CAAS_TOKEN_TTL_SECONDS"] / 2


def signed_in(*roles: str):
    """Pages for the signed-in ``roles``: others are sent to sign in, or refused (403)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if g.web_actor is None:
                if request.headers.get("HX-Request"):
                    # A live part of a page whose session ended: the whole page goes to
                    # sign in, rather than the sign-in page into the part.
                    response = current_app.response_class(status=204)
                    response.headers["HX-Redirect"] = url_for("web.sign_in")
                    return response
                return redirect(url_for("web.sign_in"))
            if not permitted(g.web_actor.role, roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def permitted(role: str, roles) -> bool:
    """Whether ``role`` may see pages for ``roles``: an operator acting inside the tenant
    passes wherever an admin does, as in the API."""
    return role in roles or (role == "operator" and "admin" in roles)


def landing() -> str:
    """Where a person arrives after signing in: the first page of their menu."""
    return url_for(navigation.links_for(g.web_actor.role)[0].endpoint)


@blp.context_processor
def page_context():
    actor, locale = g.get("web_actor"), g.get("web_locale", "en")
    if g.get("web_tenant") is None:
        return {"tenant": None, "actor": None, "signed_in_name": None, "locale": locale,
                "menu": ()}
    if actor is None:  # the signed-out choose a language; the signed-in have theirs
        languages = LanguageForm(formdata=None, next=request.path)
        languages.language.choices = [(each, rendering.language_name(each))
                                      for each in g.web_tenant.locales]
        languages.language.data = locale
        return {"tenant": g.web_tenant, "actor": None, "signed_in_name": None,
                "locale": locale, "language_form": languages, "menu": ()}
    return {"tenant": g.web_tenant, "actor": actor, "acting_operator": actor.role == "operator",
            "signed_in_name": session.get("name"), "locale": locale,
            "menu": navigation.links_for(actor.role, section=None),
            "console_menu": navigation.links_for(actor.role, section="admin"),
            "sign_out_form": SignOutForm(formdata=None)}


@blp.get("/")
def index():
    return redirect(landing() if g.web_actor else url_for(".sign_in"))


# --- errors, as pages ---------------------------------------------------------------------

def errors_as_pages(blueprint: Blueprint) -> None:
    """Answer ``blueprint``'s 404s (an unknown tenant, and another customer's record, as
    absent as one that never existed), 403s and expired forms with pages."""
    for error, page, status in ((UnknownTenant, "not_found.html", 404),
                                (NotFound, "not_found.html", 404),
                                (404, "not_found.html", 404),
                                (403, "forbidden.html", 403),
                                (CSRFError, "expired_form.html", 400)):
        blueprint.register_error_handler(
            error, lambda _error, page=page, status=status: rendering.page(page, status))


errors_as_pages(blp)


@blp.errorhandler(UnknownTenant)
def unknown_tenant(_error):
    rendering.use_locale(rendering.page_locale(None, None), "en")
    g.web_tenant = None
    return rendering.page("not_found.html", 404)

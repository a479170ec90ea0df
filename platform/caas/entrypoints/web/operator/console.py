"""The operator console's blueprint: who is signed in, in which language, and its menu."""
from __future__ import annotations

import functools

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from caas.context import actor_var
from caas.entrypoints.web import rendering
from caas.entrypoints.web.forms import LanguageForm, SignOutForm
from caas.entrypoints.web.navigation import Link
from caas.entrypoints.web.pages import SAFE_METHODS, errors_as_pages, keep_alive, platform
from caas.i18n import core_languages, lazy_gettext
from caas.service_layer import auth
from caas.service_layer.errors import Unauthorized

blp = Blueprint("operator", __name__, url_prefix="/operator")
LAYOUT = "web/operator/base.html"
#: The console's menu (its own: the tenants' menus are for their people).
MENU = (Link("operator.tenants", lazy_gettext("Tenants"), frozenset({"operator"}), 10),
        Link("operator.new_tenant", lazy_gettext("New tenant"), frozenset({"operator"}), 20),
        Link("operator.plugins", lazy_gettext("Plugins"), frozenset({"operator"}), 30))


@blp.before_request
def enter_console():
    g.web_tenant = None
    g.web_actor = _operator()
    if g.web_actor is not None:
        actor_var.set(g.web_actor)  # what the console does is audited as theirs
    rendering.use_locale(rendering.page_locale(None, None), "en")
    if request.method not in SAFE_METHODS:
        current_app.extensions["caas_csrf"].protect()


def _operator():
    """The operator the session stands for; ``None`` for anyone else (a tenant's session
    included), signed out, or expired."""
    token = session.get("token")
    if not token or not session.get("operator"):
        return None
    try:
        # Without a tenant, only an operator's token is valid.
        actor = auth.actor_from_token(platform(), token, None)
        keep_alive(actor)
    except Unauthorized:
        return None
    return actor


def operator_only(view):
    """A page for operators: the signed-out are sent to sign in, anyone else refused (403)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.web_actor is None:
            if session.get("token") and not session.get("operator"):
                abort(403)  # someone's session on a tenant's pages
            return redirect(url_for("operator.sign_in"))
        return view(*args, **kwargs)
    return wrapper


@blp.context_processor
def console_context():
    locale, actor = g.get("web_locale", "en"), g.get("web_actor")
    languages = LanguageForm(formdata=None, next=request.path)
    languages.language.choices = [(each, rendering.language_name(each))
                                  for each in core_languages()]
    return {"layout": LAYOUT, "tenant": None, "actor": actor, "locale": locale,
            "language_form": languages, "sign_out_form": SignOutForm(formdata=None),
            "menu": MENU if actor else (),
            "signed_in_name": session.get("name") if actor else None}


errors_as_pages(blp)

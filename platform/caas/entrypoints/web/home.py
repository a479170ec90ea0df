"""``/``: where the channels are. On the sandbox (the embedded demo) it lists every tenant's
sign-in page; elsewhere the list of tenants is nobody's business, and the page stays neutral."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for

from caas import i18n
from caas.entrypoints.web import addresses, rendering

blp = Blueprint("web_home", __name__)


@blp.get("/")
def home():
    if addresses.slug_of_host():
        return redirect(url_for("web.sign_in"))
    rendering.use_locale(request.accept_languages.best_match(i18n.core_languages()) or "en", "en")
    tenants = []
    if current_app.config["CAAS_SANDBOX"]:
        tenants = [(tenant.name, addresses.page_address(tenant.slug, request.host_url))
                   for tenant in current_app.extensions["caas"].tenants()
                   if tenant.status == "active"]
    return rendering.page("home.html", tenants=tenants,
                          locale=rendering.page_locale(None, None))

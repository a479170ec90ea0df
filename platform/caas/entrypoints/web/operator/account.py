"""Operators sign in (throttled as on a tenant's pages) and out, and choose a language."""
from __future__ import annotations

from flask import redirect, url_for

from caas.entrypoints.web.account import sign_in_page, sign_out_page, switch_language
from caas.entrypoints.web.operator.console import blp
from caas.entrypoints.web.pages import start_session
from caas.i18n import core_languages


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    def arrive(signed_in_as):
        start_session(signed_in_as, operator=True)
        return redirect(url_for(".tenants"), 303)
    return sign_in_page(None, arrive, sign_in_action=url_for(".sign_in"))


@blp.post("/sign-out")
def sign_out():
    return sign_out_page()


@blp.post("/language")
def language():
    # Only back to a page of the console.
    return switch_language(core_languages(), f"{blp.url_prefix}/", url_for(".tenants"))

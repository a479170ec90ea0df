"""The web pages: the customer Web Platform, the dealership Intranet and the admin console,
server-rendered; and the platform-wide operator console at ``/operator``.

Pages call the same use cases as the REST API. The tenant comes from the path
(``/t/<slug>/...``) or, with ``CAAS_WEB_HOST_PATTERN``, from the host name; only these pages
have a (signed-cookie) session, and every state-changing request carries a CSRF token.
"""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from caas.entrypoints.web import addresses, assets, home, operator, pages, rendering, sessions
# The channels' modules add their views to the pages' blueprint as they are imported.
from caas.entrypoints.web import account, admin, customer, intranet  # noqa: F401  isort: skip


def init_app(app: Flask) -> None:
    app.config.update(
        # The web blueprint checks the token itself: the API (bearer tokens) needs none.
        WTF_CSRF_CHECK_DEFAULT=False, WTF_I18N_ENABLED=False,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["CAAS_ENV"] not in ("development", "test"))
    app.extensions["caas_csrf"] = CSRFProtect(app)
    app.session_interface = sessions.WebSessions(pages.BLUEPRINTS)
    rendering.init_app(app)
    app.register_blueprint(assets.blp)
    app.register_blueprint(home.blp)
    app.register_blueprint(operator.blp)
    addresses.register(app, pages.blp)

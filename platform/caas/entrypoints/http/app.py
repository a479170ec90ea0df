"""The application factory."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from caas import config as configuration
from caas import logs
from caas.bootstrap import Platform
from caas.plugins import Plugins


def create_app(config: dict | None = None) -> Flask:
    """Build the platform from defaults, ``CAAS_*`` variables and ``config``, in that order.

    :param config: overrides, e.g. from tests.
    """
    instance = (config or {}).get("CAAS_INSTANCE_PATH") or os.environ.get(
        "CAAS_INSTANCE_PATH", str(Path.cwd() / "instance"))
    app = Flask("caas", instance_path=str(Path(instance).resolve()))
    settings = configuration.from_environment(configuration.defaults(app.instance_path))
    settings.update(config or {})
    configuration.check(settings)
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings["CAAS_SECRET_KEY"]
    if settings["CAAS_TRUSTED_PROXIES"]:
        # Behind N proxies the client is the Nth address from the right of X-Forwarded-For;
        # entries further left are whatever the client wrote. Without proxies the header
        # is anyone's to forge, so it is ignored.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings["CAAS_TRUSTED_PROXIES"])
    app.json.sort_keys = False
    logs.configure(settings["CAAS_LOG_LEVEL"], logs.json_wanted(
        configuration.on_off(settings["CAAS_LOG_JSON"]),
        production=settings["CAAS_ENV"] == "production"))

    plugins = Plugins(configuration.allowed_plugins(settings)).load()
    platform = Platform(app.config, plugins)
    app.extensions["caas"] = platform

    from caas.entrypoints.worker import actors, broker
    app.extensions["caas_broker"] = broker.setup(app)
    platform.dispatch = actors.dispatch
    platform.schedule_activation = actors.schedule_activation

    from caas.entrypoints import web
    from caas.entrypoints.http import api, plumbing
    plumbing.init_app(app)
    api.init_app(app)
    web.init_app(app)
    from caas.adapters.http.external import ExternalSystems
    sandboxes = None
    if settings["CAAS_SANDBOX"]:
        from caas.entrypoints.http import sandbox_routes
        from caas.sandboxes.hub import Sandboxes
        app.register_blueprint(sandbox_routes.blp)
        sandboxes = app.extensions["caas_sandboxes"] = Sandboxes(app)
    platform.external = ExternalSystems(app.config, sandboxes, local_smtp=_sandbox_smtp)
    plugins.call_each("startup", app=app)
    return app


def _sandbox_smtp() -> tuple[str, int]:
    """The process's sandbox mail server, where mail goes when no SMTP host is configured."""
    from caas.sandboxes import smtp
    return smtp.server().address

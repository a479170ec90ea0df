"""The ``caas`` command's group, and what its commands share."""
from __future__ import annotations

import time
from typing import Callable

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command
from flask_smorest.spec import openapi_cli

from caas.adapters.sql.readiness import DatabaseNotReady
from caas.entrypoints.cli import errors
from caas.entrypoints.http.app import create_app
from caas.tenancy import UnknownTenant


def _app_with_its_plugins():
    """The platform, refused when a plugin its settings ask for is missing or broken: a
    command would otherwise act on a platform without it (a tenant of its country...)."""
    app = create_app()
    problem = errors.plugin_problem(app.extensions["caas"].plugins)
    if problem:
        app.extensions["caas"].close()
        fail(problem)
    return app


class CaasGroup(FlaskGroup):
    """Flask's group, building the platform for the commands that need it; a database not
    ready, an unknown tenant or a missing plugin end a command with one line saying what
    to run, instead of a traceback."""

    def __init__(self, **kwargs):
        super().__init__(create_app=_app_with_its_plugins, add_default_commands=False,
                         add_version_option=False, load_dotenv=False, set_debug_flag=False,
                         **kwargs)
        # Flask's --app, --env-file and --debug: the app is always the platform, configured
        # from CAAS_* variables (python-dotenv is not installed), so they only confuse --help.
        self.params = []
        self.add_command(routes_command)
        self.add_command(shell_command)
        # flask-smorest adds it to the app's commands; here it is listed without building one.
        self.add_command(openapi_cli)
        self._plugin_commands_added = False

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DatabaseNotReady as problem:
            app = _loaded_app(ctx)
            fail(errors.unready_database(problem, app.config if app is not None else {}))
        except UnknownTenant as unknown:
            fail(errors.unknown_tenant(unknown.slug))
        except sa.exc.DBAPIError:
            # What changed since an older revision (a column, a constraint) fails this way:
            # when the control plane is behind this release, that is the one line to say.
            behind = _control_plane_behind(_loaded_app(ctx))
            if behind is None:
                raise
            fail(behind)
        finally:
            # Release database connections when the command ends, not at interpreter exit.
            app = _loaded_app(ctx)
            if app is not None:
                app.extensions["caas"].close()

    def list_commands(self, ctx):
        # Not FlaskGroup's: it builds the app (logging, databases, sandboxes) just for --help.
        self._add_plugin_commands()
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            self._add_plugin_commands()
            command = super().get_command(ctx, name)
        return command

    def _add_plugin_commands(self):
        if not self._plugin_commands_added:
            self._plugin_commands_added = True
            installed_plugins().call_each("register_commands", cli=self)


def installed_plugins():
    """The plugins the platform would load (``CAAS_PLUGINS``), without building it."""
    from caas import config as configuration
    from caas.plugins import Plugins
    settings = configuration.from_environment(configuration.defaults("instance"))
    return Plugins(configuration.allowed_plugins(settings)).load()


def _loaded_app(ctx):
    return getattr(ctx.find_object(ScriptInfo), "_loaded_app", None)


def _control_plane_behind(app) -> str | None:
    """What to run when ``app``'s control plane is not at this release's revision."""
    from caas.adapters.sql import migrations
    if app is None:
        return None
    try:
        migrations.require_head(app.extensions["caas"].control_engine, "control")
    except DatabaseNotReady as problem:
        return errors.unready_database(problem, app.config)
    return None


def current_platform():
    return current_app.extensions["caas"]


def fail(message: str):
    raise click.ClickException(message)


def service_call(function, *args, **kwargs):
    from caas.service_layer.errors import ServiceError
    try:
        return function(*args, **kwargs)
    except ServiceError as exc:
        # The command line speaks English: the messages' str().
        details = "; ".join(f"{field}: {text}" for field, text in _flat(exc.errors))
        fail(f"{exc.message} {details}".strip())


def _flat(errors, prefix: str = ""):
    """``{"admin": {"password": ["Too short."]}}`` → ``("admin.password", "Too short.")``."""
    for key, value in errors.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", " ".join(map(str, value))


def password_option(function):
    return click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                        help="Prompted for when omitted.")(function)


def gateway_shared_or_fail() -> None:
    """Refuse to ask a gateway of this process's own: with the embedded sandboxes, the
    charges live in the ``caas run`` process, and a lookup here would find none of them."""
    if current_platform().external.payments_in_process():
        fail("the payments sandbox lives in the `caas run` process, which reconciles every "
             "few seconds by itself; set CAAS_PAYMENTS_URL to reconcile from here")


def databases_at_head() -> None:
    """Refuse, before a long-running command starts, a platform whose databases are not
    migrated to this release: it would answer every request or job with an error. Tenant
    databases are upgraded with the control plane, so its version table stands for them."""
    from caas.adapters.sql import migrations
    migrations.require_head(current_platform().control_engine, "control")


def tenant_or_fail(slug):
    """The active tenant ``slug``; a command that takes one checks it before acting."""
    try:
        return current_platform().tenant(slug)
    except UnknownTenant:
        fail(errors.unknown_tenant(slug))


def every_option(function):
    return click.option("--every", type=float, default=0,
                        help="Repeat every N seconds (0: once).")(function)


def repeat(every: float, one_pass: Callable[[], str]) -> None:
    """Run ``one_pass`` and print what it says; again every ``every`` seconds, unless 0."""
    while True:
        click.echo(one_pass())
        if not every:
            return
        time.sleep(every)

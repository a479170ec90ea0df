"""``caas sandboxes``: the external systems' sandboxes in a process of their own."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import current_platform, fail


@click.group(cls=AppGroup)
def sandboxes():
    """The external systems' sandboxes, shared over HTTP by several processes."""


def _seconds_or_off(value):
    if value is None or isinstance(value, float):
        return value
    return None if value.strip().lower() in ("", "none", "off") else float(value)


@sandboxes.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, required=True, help="0: a free port (printed).")
@click.option("--platform-url", help="The platform's web server, where the sandboxes send "
                                     "their signed webhooks; none are sent without it.")
@click.option("--smtp-port", type=int, default=None,
              help="Also serve the SMTP sandbox on this port (0: a free one).")
@click.option("--settle-seconds", default=None,
              help="Captured payments settle after this long, or 'off'; "
                   "default CAAS_SANDBOX_SETTLE_SECONDS.")
@click.option("--factory-step-seconds", default=None,
              help="The factory moves orders on this often, or 'off'; "
                   "default CAAS_SANDBOX_FACTORY_STEP_SECONDS.")
@click.option("--iot-failure-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of IoT commands that fail.")
@click.option("--seed", type=int, help="Seed of the IoT failure draws.")
@with_appcontext
def sandboxes_serve(host, port, platform_url, smtp_port, settle_seconds, factory_step_seconds,
                    iot_failure_rate, seed):
    """Serve payments, IoT, VSS, factory and registration sandboxes from one process.

    Webhook secrets are read from this environment's control database. Point the
    platform's processes at the printed CAAS_* settings.
    """
    from caas.sandboxes.server import SandboxServer, platform_environment, serve
    platform = current_platform()
    config = current_app.config
    try:
        settle = _seconds_or_off(settle_seconds if settle_seconds is not None
                                 else config["CAAS_SANDBOX_SETTLE_SECONDS"])
        step = _seconds_or_off(factory_step_seconds if factory_step_seconds is not None
                               else config["CAAS_SANDBOX_FACTORY_STEP_SECONDS"])
    except ValueError as exc:
        fail(f"--settle-seconds and --factory-step-seconds take seconds or 'off': {exc}")
    server = SandboxServer(platform.webhook_secret, platform_url, platform.plugins.countries,
                           settle_after=settle, factory_step_seconds=step,
                           iot_failure_rate=iot_failure_rate, seed=seed, smtp_port=smtp_port)

    def ready(base_url):
        click.echo(f"sandboxes on {base_url}; point the platform at them with:")
        for key, value in platform_environment(base_url, server.registration,
                                               server.smtp_address).items():
            click.echo(f"  {key}={value}")
        click.echo(f"webhooks to {platform_url or '(none: no --platform-url)'}", nl=True)
        sys.stdout.flush()

    serve(server, host, port, ready)

"""``caas run``: the platform's web server, with its worker when the broker is embedded."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from caas.entrypoints.cli.base import databases_at_head
from caas.entrypoints.web.addresses import page_address


@click.command("run")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", 5000)),
              show_default="PORT or 5000")
@with_appcontext
def run(host, port):
    """Serve the platform; on the embedded broker, with its worker in process."""
    from werkzeug.serving import run_simple
    databases_at_head()
    app = current_app._get_current_object()
    if app.config["CAAS_BROKER_URL"].startswith("memory://"):
        from caas.entrypoints.worker.embedded import EmbeddedWorker
        EmbeddedWorker(app, app.extensions["caas_broker"]).start()
    base = f"http://{host}:{port}"
    click.secho(f"CaaS platform on {base}", fg="green", bold=True)
    click.echo(f"  API docs (Swagger UI): {base}/api/v1/docs")
    click.echo(f"  OpenAPI document:      {base}/api/v1/openapi.json")
    click.echo(f"  Web pages:             {base}/ (each tenant's sign-in, below)")
    click.echo(f"  Operator console:      {base}/operator (an operator's account, below)")
    click.echo("  Admin console:         each tenant's sign-in, as its admin (its dashboard "
               "first)")
    _print_demo_accounts(Path("tenants"), base)
    click.echo("\nPress Ctrl+C to stop.")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _print_demo_accounts(folder: Path, base: str) -> None:
    if not folder.is_dir():
        return
    platform_file = folder / "platform.toml"
    if platform_file.exists():
        click.echo("\nDemo accounts:")
        for operator in tomllib.loads(platform_file.read_text())["operators"]:
            click.echo(f"  operator              {operator['email']} / {operator['password']}")
    for path in sorted(folder.glob("*.toml")):
        if path.name == "platform.toml":
            continue
        data = tomllib.loads(path.read_text())
        # One sign-in for every channel: customers land on the Web Platform, employees on
        # the Intranet, admins on the admin console's dashboard.
        click.echo(f"  {data['slug']:<8} web platform, intranet and admin console: "
                   f"{page_address(data['slug'], base)}")
        accounts = [(user["role"], user["email"], user["password"])
                    for user in data.get("users", [])]
        if "demo_sale" in data:  # made by `caas seed --demo-sales`
            accounts.append(("customer", data["demo_sale"]["email"],
                             data["demo_sale"]["password"]))
        for role, email, password in accounts:
            click.echo(f"  {data['slug']:<8} {role:<12} {email} / {password}   "
                       f"(X-Tenant: {data['slug']})")

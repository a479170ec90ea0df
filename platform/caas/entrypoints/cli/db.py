"""``caas db``: database migrations."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import current_platform


@click.group(cls=AppGroup)
def db():
    """Database migrations."""


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Upgrade the control plane and every tenant database to the head revision."""
    from caas.adapters.sql import migrations
    platform = current_platform()
    migrations.upgrade(platform.control_engine, "control")
    click.echo("control plane: at head")
    tenants = platform.tenants()
    failures = {}
    with click.progressbar(tenants, label="tenant databases", show_pos=True,
                           item_show_func=lambda t: t.slug if t else "") as bar:
        for tenant in bar:
            try:
                platform.tenant_engines.create_database(tenant.slug)
                migrations.upgrade(platform.tenant_engines.get(tenant.slug), "tenant")
            except Exception as exc:  # report and go on with the others
                failures[tenant.slug] = f"{type(exc).__name__}: {exc}"
    for slug, error in failures.items():
        click.secho(f"  {slug}: FAILED {error}", fg="red", err=True)
    click.echo(f"{len(tenants) - len(failures)} of {len(tenants)} tenant databases at head")
    if failures:
        sys.exit(1)

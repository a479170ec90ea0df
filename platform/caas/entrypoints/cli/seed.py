"""``caas seed``: tenants, accounts and catalogs from ``tenants/*.toml``."""
from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from caas.entrypoints.cli.base import current_platform, fail, service_call


@click.command()
@click.option("--folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default="tenants", show_default=True)
@click.option("--demo-sales", is_flag=True,
              help="Also walk a sale for each file's [demo_sale] customer that has no account "
                   "yet, so the demo tenants have customers to sign in as (sandbox only).")
@with_appcontext
def seed(folder, demo_sales):
    """Create the tenants, accounts, models and plans of ``tenants/*.toml`` that do not exist."""
    from caas.entrypoints.tooling.seeding import seed_folder
    files = sorted(folder.glob("*.toml"))
    with click.progressbar(files, label="seeding", item_show_func=lambda p: p.name if p else "") as bar:
        created = service_call(seed_folder, current_platform(), bar)
    click.echo(f"created {created['tenants']} tenants, {created['accounts']} accounts, "
               f"{created['models']} models, {created['plans']} plans, "
               f"{created['options']} catalog options")
    if demo_sales:
        _walk_demo_sales(folder)


def _walk_demo_sales(folder: Path) -> None:
    from caas.entrypoints.tooling.demo import DemoFailed
    from caas.entrypoints.tooling.seeding import walk_demo_sales
    app = current_app._get_current_object()
    if not app.config["CAAS_SANDBOX"]:
        fail("--demo-sales walks sales on the sandboxes: CAAS_SANDBOX is off")
    worker = None
    if app.config["CAAS_BROKER_URL"].startswith("memory://"):
        from caas.entrypoints.worker.embedded import EmbeddedWorker
        worker = EmbeddedWorker(app, app.extensions["caas_broker"]).start()
    # The walk's every request would be logged: only its steps are news here.
    logging.getLogger("caas.access").setLevel(logging.WARNING)
    try:
        walked = service_call(walk_demo_sales, app, folder, click.echo)
    except DemoFailed as failed:
        fail(f"demo sale: {failed}")
    finally:
        if worker is not None:
            worker.stop()
    click.echo(f"walked {walked} demo sales")

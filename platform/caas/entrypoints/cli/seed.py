"""``caas seed``: tenants, accounts and catalogs from ``tenants/*.toml``."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from caas.entrypoints.cli.base import current_platform, service_call


@click.command()
@click.option("--folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default="tenants", show_default=True)
@with_appcontext
def seed(folder):
    """Create the tenants, accounts, models and plans of ``tenants/*.toml`` that do not exist."""
    from caas.entrypoints.tooling.seeding import seed_folder
    files = sorted(folder.glob("*.toml"))
    with click.progressbar(files, label="seeding", item_show_func=lambda p: p.name if p else "") as bar:
        created = service_call(seed_folder, current_platform(), bar)
    click.echo(f"created {created['tenants']} tenants, {created['accounts']} accounts, "
               f"{created['models']} models, {created['plans']} plans, "
               f"{created['options']} catalog options")

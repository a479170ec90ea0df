"""``caas plugins``: plugin authors' tools."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from caas.entrypoints.cli.base import fail, installed_plugins


@click.group(cls=AppGroup)
def plugins():
    """Plugin authors' tools."""


@plugins.group("new")
def plugins_new():
    """Lay out a new plugin distribution, its required pieces marked FILL_IN."""


def _scaffolded(make, name: str, output: Path | None, default: str):
    from caas.entrypoints.tooling.scaffold import ScaffoldError
    target = output or Path(default)
    try:
        make(name, target)
    except ScaffoldError as exc:
        fail(str(exc))
    markers = sum(path.read_text(encoding="utf-8").count('FILL_IN("')
                  for path in target.rglob("*.py"))
    click.echo(f"created {target}/ with {markers} FILL_IN markers to complete:")
    click.echo(f"  grep -rn 'FILL_IN(\"' {target}")
    # This interpreter is the platform's environment: the plugin must install next to it.
    python = sys.executable
    click.echo(f"then: {python} -m pip install -e {target} && {python} -m pytest {target}/tests")


@plugins_new.command("country", with_appcontext=False)
@click.argument("code")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to create; default ./caas-country-<code>.")
def plugins_new_country(code, output):
    """A country plugin for CODE (ISO 3166-1 alpha-2), with its registration body."""
    from caas.entrypoints.tooling.scaffold import new_country
    _scaffolded(new_country, code, output, f"caas-country-{code.lower()}")


@plugins_new.command("option", with_appcontext=False)
@click.argument("name")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to create; default ./caas-option-<name>.")
def plugins_new_option(name, output):
    """A catalog-option plugin NAME (lower case, '_' between words)."""
    from caas.entrypoints.tooling.scaffold import new_option
    _scaffolded(new_option, name, output, f"caas-option-{name.replace('_', '-').lower()}")


@plugins.command("catalog", with_appcontext=False)
@click.argument("package", type=click.Path(file_okay=False, path_type=Path))
@click.option("--language", required=True,
              help="The language (or locale) of the catalog, e.g. nl or pt-BR.")
def plugins_catalog(package, language):
    """Write PACKAGE/translations/<language>/LC_MESSAGES/messages.po with every message the
    platform reads from a plugin's catalogs (its own, the installed options' names and
    descriptions, the plugin's messages.pot), keeping the translations already there."""
    from caas.entrypoints.tooling.message_catalogs import CatalogError, write_catalog
    try:
        written, total, translated = write_catalog(
            package, language, installed_plugins().catalog_options.values())
    except CatalogError as exc:
        fail(str(exc))
    click.echo(f"wrote {written}: {total} messages, {translated} translated")

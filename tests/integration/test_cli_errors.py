"""A command on a platform that is not ready for it ends with one line on stderr saying what
to run, exit status 1 and no traceback: a database not set up, missing or unreachable, an
unknown tenant, a plugin that is not installed or does not load."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from caas.entrypoints.cli import main
from tests.support.distributions import install_distribution
from tests.support.platform import PG_URL, new_slug, platform_config
from tests.support.repo import REPO

UNKNOWN = "no-such-tenant"
#: Every command that takes a tenant, asking for an unknown one.
TENANT_COMMANDS = {
    "users create": ["users", "create", "--tenant", UNKNOWN, "--role", "admin",
                     "--email", "boss@cli.test", "--password", "admin-password-1"],
    "billing run": ["billing", "run", "--tenant", UNKNOWN, "--period", "2026-01"],
    "maintenance remind": ["maintenance", "remind", "--tenant", UNKNOWN],
}
#: Every command that reads or writes the databases: those that run until stopped (``run``,
#: ``billing scheduler``, ``worker``) check them first; ``sandboxes serve`` reads them only
#: when a webhook is sent, so it is left out.
COMMANDS = {
    **TENANT_COMMANDS,
    "tenants create": ["tenants", "create", "cli-errors", "--name", "Errors", "--country", "ES"],
    "tenants list": ["tenants", "list"],
    "operators create": ["operators", "create", "--email", "op@cli.test",
                         "--password", "op-password-1"],
    "seed": ["seed", "--folder", str(REPO / "tenants")],
    "billing reconcile": ["billing", "reconcile"],
    "ota sweep": ["ota", "sweep"],
    "payments reconcile": ["payments", "reconcile"],
    "outbox relay": ["outbox", "relay"],
    "run": ["run", "--port", "0"],
    "billing scheduler": ["billing", "scheduler"],
}


@pytest.fixture
def caas(tmp_path, monkeypatch):
    """``caas ARGS`` on a new platform whose databases nobody set up, with ``env`` added."""
    # The reconciling commands ask a gateway shared with `caas run`; none answers here.
    settings = platform_config(tmp_path / "instance", CAAS_PAYMENTS_URL="http://127.0.0.1:9")
    for key, value in settings.items():
        monkeypatch.setenv(key, "off" if value is None else str(value))

    def run(*args, **env):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        # A traceback would fail the test here: the errors below are all expected ones.
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    return run


def refused(result, *hints: str) -> str:
    """The one line ``result`` wrote to stderr, after checking it refused with ``hints``."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for hint in hints:
        assert hint in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_database_not_set_up_says_to_upgrade_it(caas, args):
    line = refused(caas(*args), "is not set up; run `caas db upgrade`")
    assert line.startswith("Error: the database at ")


def test_the_worker_checks_the_databases_before_it_starts(caas):
    # A broker of its own is needed first; nothing listens on this one, nor is asked to. In a
    # process of its own: a broker is the process's, and this one would replace the tests'.
    command = Path(sys.executable).with_name("caas")
    done = subprocess.run([str(command), "worker"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CAAS_BROKER_URL": "redis://127.0.0.1:9/0"})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.splitlines()
    assert "is not set up; run `caas db upgrade`" in line


def test_the_hint_is_what_it_takes(caas):
    refused(caas("tenants", "list"), "caas db upgrade")
    assert caas("db", "upgrade").exit_code == 0
    assert caas("tenants", "list").exit_code == 0


@pytest.mark.parametrize("args", TENANT_COMMANDS.values(), ids=TENANT_COMMANDS.keys())
def test_an_unknown_tenant_is_named_with_where_to_find_the_others(caas, args):
    assert caas("db", "upgrade").exit_code == 0
    line = refused(caas(*args), f"unknown tenant '{UNKNOWN}'", "caas tenants list")
    assert line == f"Error: unknown tenant '{UNKNOWN}'; `caas tenants list` lists the tenants"


@pytest.mark.parametrize("args", [["db", "upgrade"], *COMMANDS.values()],
                         ids=["db upgrade", *COMMANDS.keys()])
def test_a_plugin_that_is_not_installed_is_named_before_anything_is_done(caas, args, tmp_path):
    refused(caas(*args, CAAS_PLUGINS="es,nope"),
            "no installed plugin is named 'nope'", "-m pip install", "CAAS_PLUGINS")
    assert not list((tmp_path / "instance").rglob("*.db")), "nothing was created"


def test_a_plugin_that_does_not_load_is_named_with_its_error(caas, site):
    entry, _ = install_distribution(site, "caas-test-unloadable",
                                    "raise ImportError('needs a library that is missing')\n")
    result = caas("tenants", "list")
    assert result.exit_code == 1, result.output
    # The log keeps the plugin's traceback for its author; the command's answer is one line.
    logged, answer = result.stderr.rstrip("\n").rsplit("\n", 1)
    assert "caas.plugins" in logged and "failed to load plugin=test-unloadable" in logged
    assert answer == (f"Error: plugin '{entry}' (caas-test-unloadable) failed to load: "
                      "ImportError('needs a library that is missing'); fix or uninstall "
                      f"caas-test-unloadable, or leave '{entry}' out of CAAS_PLUGINS")
    # Left out, it is no obstacle.
    assert caas("db", "upgrade", CAAS_PLUGINS="es,fr").exit_code == 0


def test_a_sqlite_folder_that_cannot_be_made_names_the_file(caas, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    url = f"sqlite:///{not_a_folder}/control.db"
    for args in (["db", "upgrade"], ["tenants", "list"]):
        refused(caas(*args, CAAS_DATABASE_URL=url),
                f"cannot open the database at {url} (unable to open database file)",
                "CAAS_DATABASE_URL")


def test_a_database_server_that_refuses_says_so(caas):
    url = "postgresql+psycopg://caas:secret@127.0.0.1:9/caas_control"
    line = refused(caas("db", "upgrade", CAAS_DATABASE_URL=url),
                   "cannot reach the database at postgresql+psycopg://caas:***@127.0.0.1:9/",
                   "start the server or correct CAAS_DATABASE_URL")
    assert "secret" not in line


def test_a_tenant_database_not_set_up_is_upgraded_with_the_others(caas):
    assert caas("db", "upgrade").exit_code == 0
    slug = new_slug("cli-errors")
    assert caas("tenants", "create", slug, "--name", "Errors", "--country", "ES").exit_code == 0
    from caas.entrypoints.http.app import create_app
    platform = create_app().extensions["caas"]
    url = platform.tenant_engines.url_for(slug)
    platform.tenant_engines.drop_database(slug)
    platform.close()
    args = ["users", "create", "--tenant", slug, "--role", "admin", "--email", "boss@cli.test",
            "--password", "admin-password-1"]
    line = refused(caas(*args), "run `caas db upgrade`")
    if PG_URL:  # a dropped PostgreSQL database is gone, where SQLite makes an empty file
        assert "does not exist" in line
    else:
        assert f"{Path(url.split('///', 1)[1]).name} is not set up" in line
    assert caas("db", "upgrade").exit_code == 0
    assert caas(*args).exit_code == 0


def control_plane(statements: list[str]) -> None:
    """Run ``statements`` on the control plane of the environment's platform."""
    from caas.entrypoints.http.app import create_app
    platform = create_app().extensions["caas"]
    with platform.control_engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    platform.close()


def test_a_control_plane_behind_the_release_is_named_when_a_command_fails_on_it(caas):
    assert caas("db", "upgrade").exit_code == 0
    # What a revision after c0001 would have added, missing: a column `tenants list` reads.
    control_plane(["ALTER TABLE tenants DROP COLUMN timezone"])
    with pytest.raises(sa.exc.DBAPIError):  # at the release's revision, it is a real error
        caas("tenants", "list")
    control_plane(["UPDATE alembic_version SET version_num = 'c0001'"])
    refused(caas("tenants", "list"),
            "is at an older revision than this release (at revision c0001, not c0",
            "run `caas db upgrade`")


@pytest.mark.skipif(not PG_URL, reason="needs a PostgreSQL server (CAAS_TEST_DATABASE_URL)")
def test_a_missing_control_database_says_how_to_create_it(caas):
    from sqlalchemy.engine import make_url
    url = make_url(PG_URL).set(database=f"caas_missing_{new_slug('db').replace('-', '_')}")
    refused(caas("tenants", "list", CAAS_DATABASE_URL=url.render_as_string(False)),
            "does not exist; create it (`createdb caas_missing_", "CAAS_DATABASE_URL")

"""The ``caas`` command line."""
from pathlib import Path

import pytest
from click.testing import CliRunner

import caas
from caas.entrypoints.cli import main
from caas.plugins import Plugins
from tests.support import terminal
from tests.support.platform import new_slug, platform_config
from tests.support.repo import DEMO_TENANTS, REPO


def test_tenants_operators_and_users(cli):
    slug = new_slug("cli")
    created = cli("tenants", "create", slug, "--name", "Schweiz", "--country", "CH",
                  "--locale", "de-CH", "--locale", "fr-CH")
    assert created.exit_code == 0, created.output
    assert "CHF" in created.output
    listed = cli("tenants", "list")
    assert slug in listed.output and "de-CH, fr-CH" in listed.output
    assert cli("tenants", "create", slug, "--name", "x", "--country", "CH").exit_code != 0
    bad = cli("tenants", "create", new_slug(), "--name", "x", "--country", "QQ")
    assert bad.exit_code != 0 and "Unknown country" in bad.output
    operator = cli("operators", "create", "--email", "root@caas.test",
                   "--password", "op-password-1")
    assert operator.exit_code == 0
    # Operators have no reset link: the command line sets a new password.
    reset = cli("operators", "set-password", "--email", "ROOT@caas.test",
                "--password", "op-password-2")
    assert reset.exit_code == 0, reset.output
    assert cli("operators", "set-password", "--email", "root@caas.test",
               "--password", "short").exit_code != 0
    unknown = cli("operators", "set-password", "--email", "nobody@caas.test",
                  "--password", "op-password-3")
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
    # Without --password the command prompts (hidden, with confirmation).
    user = cli("users", "create", "--tenant", slug, "--role", "admin",
               "--email", "boss@ch.test", input="admin-password-1\nadmin-password-1\n")
    assert user.exit_code == 0, user.output
    assert "Password" in user.output and "admin-password-1" not in user.output
    assert cli("users", "create", "--tenant", "no-such", "--role", "admin", "--email", "a@b.c",
               "--password", "whatever-123").exit_code != 0


def test_a_new_tenant_gets_its_admin_and_starter_data_without_a_tenant_file(cli):
    slug = new_slug("start")
    weak = cli("tenants", "create", slug, "--name", "Start", "--country", "ES",
               "--admin-email", "boss@start.test", "--admin-password", "short")
    assert weak.exit_code == 1 and "admin.password" in weak.output
    assert slug not in cli("tenants", "list").output
    created = cli("tenants", "create", slug, "--name", "Start", "--country", "ES",
                  "--admin-email", "Boss@Start.test", "--admin-password", "admin-password-1")
    assert created.exit_code == 0, created.output
    assert "admin boss@start.test created" in created.output
    starter = cli("tenants", "starter", slug, "--demo", "--employee-email", "seller@start.test",
                  "--employee-password", "employee-password-1")
    assert starter.exit_code == 0, starter.output
    options = Plugins(None).load().catalog_options
    assert f"{slug}: {len(options)} options priced ({', '.join(sorted(options))})" in starter.output
    assert "2 models, 2 plans" in starter.output and "employee seller@start.test" in starter.output
    again = cli("tenants", "starter", slug, "--demo")
    assert f"{slug}: 0 options priced" in again.output and "0 models, 0 plans" in again.output
    taken = cli("users", "create", "--tenant", slug, "--role", "admin", "--email",
                "boss@start.test", "--password", "admin-password-2")
    assert taken.exit_code == 1 and "already exists" in taken.output
    unknown = cli("tenants", "starter", "no-such-tenant")
    assert unknown.exit_code == 1 and "unknown tenant" in unknown.output


def test_seed_loads_demo_tenants_and_is_idempotent(cli, demo_databases_dropped):
    seeded = cli("seed", "--folder", str(REPO / "tenants"))
    assert seeded.exit_code == 0, seeded.output
    assert f"created {len(DEMO_TENANTS)} tenants" in seeded.output
    again = cli("seed", "--folder", str(REPO / "tenants"))
    assert "created 0 tenants, 0 accounts" in again.output
    listed = cli("tenants", "list").output
    assert {"es-demo", "fr-demo", "de-demo", "ch-demo"} <= set(DEMO_TENANTS)
    for slug in DEMO_TENANTS:
        assert slug in listed


def test_db_upgrade_reports_a_failing_tenant_and_upgrades_the_others(cli, tmp_path):
    good, bad = new_slug("ok"), new_slug("ko")
    for slug in (good, bad):
        assert cli("tenants", "create", slug, "--name", slug, "--country", "ES").exit_code == 0
    from caas.entrypoints.http.app import create_app
    app = create_app()
    url = app.extensions["caas"].tenant_engines.url_for(bad)
    app.extensions["caas"].close()
    if url.startswith("sqlite"):
        db_file = Path(url.split("///", 1)[1])
        db_file.unlink()
        db_file.mkdir()  # a folder where the database file should be: cannot be opened
    else:
        pytest.skip("breaking a PostgreSQL database on purpose needs superuser tricks")
    result = cli("db", "upgrade")
    assert result.exit_code == 1
    assert f"{bad}: FAILED" in result.output
    assert "tenant databases at head" in result.output


def test_worker_refuses_the_embedded_broker(cli, monkeypatch):
    monkeypatch.setenv("CAAS_BROKER_URL", "memory://")
    result = cli("worker")
    assert result.exit_code != 0 and "CAAS_BROKER_URL" in result.output


def test_routes_and_shell_come_from_flask(cli):
    routes = cli("routes")
    assert "/api/v1/me" in routes.output


def test_maintenance_remind_queues_one_job_per_tenant(cli):
    slugs = [new_slug("rem") for _ in range(2)]
    for slug in slugs:
        assert cli("tenants", "create", slug, "--name", slug, "--country", "ES").exit_code == 0
    one = cli("maintenance", "remind", "--tenant", slugs[0])
    assert one.exit_code == 0 and "reminders of 1 tenants" in one.output
    every = cli("maintenance", "remind")
    assert every.exit_code == 0 and "reminders of 2 tenants" in every.output


# --- what a person sees at a terminal ------------------------------------------------------------

#: What Alembic says at INFO while it migrates: never on a command's output.
ALEMBIC_NOISE = ("alembic", "Context impl", "Will assume", "Running upgrade")


@pytest.fixture
def fresh_environment(tmp_path):
    """A new platform's environment, logging at INFO in the format the platform picks."""
    return terminal.environment(platform_config(tmp_path / "instance", CAAS_LOG_LEVEL="INFO"),
                                drop=("CAAS_LOG_JSON",))


def test_version_is_the_platforms():
    result = CliRunner().invoke(main, ["--version"])
    assert (result.exit_code, result.output) == (0, f"caas, version {caas.__version__}\n")


def test_help_at_a_terminal_is_the_help_alone(fresh_environment, tmp_path):
    code, output = terminal.run([terminal.CAAS, "--help"], fresh_environment, terminal=True)
    assert code == 0, output
    assert output.startswith("Usage: caas [OPTIONS] COMMAND [ARGS]...\n"), output
    for command in ("db", "run", "seed", "tenants", "sandboxes", "demo", "openapi", "routes"):
        assert f"\n  {command} " in output, command
    assert "--version  " in output and "Flask" not in output
    assert "INFO" not in output and "{" not in output
    # Listing the commands built no platform: nothing was created in its instance folder.
    assert not (tmp_path / "instance").exists() or not any((tmp_path / "instance").iterdir())


@pytest.mark.parametrize("at_terminal", [True, False], ids=["terminal", "piped"])
def test_migrating_commands_print_no_alembic_lines(fresh_environment, at_terminal):
    code, upgraded = terminal.run([terminal.CAAS, "db", "upgrade"], fresh_environment,
                                  terminal=at_terminal)
    assert code == 0, upgraded
    assert "control plane: at head" in upgraded and "tenant databases at head" in upgraded
    slug = new_slug("quiet")
    code, created = terminal.run([terminal.CAAS, "tenants", "create", slug, "--name", "Quiet",
                                  "--country", "ES"], fresh_environment, terminal=at_terminal)
    assert code == 0, created
    assert created.strip() == f"created {slug} (ES, EUR, es-ES)"
    for noise in ALEMBIC_NOISE:
        assert noise not in upgraded + created, noise


def test_payments_are_reconciled_where_the_gateway_is_shared(cli):
    # The embedded sandboxes live in the `caas run` process: a lookup from here would ask a
    # gateway of this process's own, which knows none of its charges.
    refused = cli("payments", "reconcile")
    assert refused.exit_code != 0 and "CAAS_PAYMENTS_URL" in refused.output
    assert cli("billing", "reconcile").exit_code != 0

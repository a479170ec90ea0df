"""Fixtures several test modules use (registered by ``tests/conftest.py``)."""
import importlib
import sys

import pytest
from click.testing import CliRunner

from caas.entrypoints.cli import main
from tests.support.platform import platform_config


@pytest.fixture
def cli(tmp_path, monkeypatch):
    for key, value in platform_config(tmp_path).items():
        monkeypatch.setenv(key, "off" if value is None else str(value))
    runner = CliRunner()

    def run(*args, input=None):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        return result
    assert run("db", "upgrade").exit_code == 0
    return run


@pytest.fixture
def demo_databases_dropped():
    """The demo slugs are fixed, so on PostgreSQL their databases are dropped after the test."""
    yield
    from caas.entrypoints.http.app import create_app
    platform = create_app().extensions["caas"]
    for tenant in platform.tenants():
        platform.tenant_engines.drop_database(tenant.slug)
    platform.close()


@pytest.fixture
def billing_drain(drain):
    """Run queued jobs, month-end billing's included (a billing check queues batches,
    which queue receipts)."""
    def run():
        for _ in range(2):
            drain()
    return run


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    modules_before = set(sys.modules)
    yield folder
    sys.path.remove(str(folder))
    for name in set(sys.modules) - modules_before:
        if name.startswith("caas_test_"):
            del sys.modules[name]
    importlib.invalidate_caches()

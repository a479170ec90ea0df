"""pytest fixtures of the conformance kit (loaded through the ``pytest11`` entry point).

Every fixture is prefixed ``caas_`` so that it never shadows a project's own.
"""
from __future__ import annotations

import os
import sys
import uuid

import pytest

# The suites assert; let pytest explain their failures as it does a test file's.
pytest.register_assert_rewrite("caas.testing.conformance")

#: The name of the test property a line of the kit's report is kept under.
REPORT_PROPERTY = "caas"


@pytest.fixture
def caas_report(record_property):
    """Report a line of what the kit measured: kept as a property of the test (``caas``, in
    JUnit XML) and printed in the run's terminal summary."""
    return lambda line: record_property(REPORT_PROPERTY, line)


def pytest_terminal_summary(terminalreporter):
    """Print the lines the tests reported (read from their reports, so that the lines of
    pytest-xdist's workers are printed too)."""
    lines = [value for outcome in ("passed", "failed")
             for report in terminalreporter.stats.get(outcome, [])
             if getattr(report, "when", None) == "call"
             for name, value in getattr(report, "user_properties", ()) if name == REPORT_PROPERTY]
    if lines:
        terminalreporter.section("caas conformance report")
        for line in lines:
            terminalreporter.line(line)


@pytest.fixture(scope="class")
def caas_plugin(request) -> str:
    """The entry-point name of the plugin under test: the test class's ``plugin``
    attribute (or a module-level ``caas_plugin``); override the fixture to compute it."""
    name = getattr(request.cls, "plugin", None) or getattr(request.module, "caas_plugin", None)
    if not name:
        pytest.fail("set `plugin = \"<entry-point name>\"` on the conformance test class",
                    pytrace=False)
    return name


@pytest.fixture(scope="class")
def caas_app(caas_plugin, tmp_path_factory):
    """The platform with only ``caas_plugin`` loaded, on a throwaway SQLite instance,
    with the in-process sandboxes and broker (or ``CAAS_TEST_BROKER_URL``'s broker)."""
    from caas.adapters.sql import migrations
    from caas.entrypoints.http.app import create_app

    instance = tmp_path_factory.mktemp(f"caas-{caas_plugin}")
    app = create_app({
        "CAAS_INSTANCE_PATH": str(instance),
        "CAAS_DATABASE_URL": f"sqlite:///{instance / 'control.db'}",
        "CAAS_TENANT_DATABASE_URL": f"sqlite:///{instance / 'tenants' / '{slug}.db'}",
        "CAAS_PLUGINS": caas_plugin,
        "CAAS_SANDBOX": True,
        # The same broker as the rest of the session: the process has only one.
        "CAAS_BROKER_URL": os.environ.get("CAAS_TEST_BROKER_URL", "memory://"),
        "CAAS_SECRET_KEY": "conformance-kit-secret-key-of-32-characters",
        "CAAS_SANDBOX_SETTLE_SECONDS": None, "CAAS_SANDBOX_FACTORY_STEP_SECONDS": None,
        "CAAS_LOG_LEVEL": "WARNING", "CAAS_LOG_JSON": False,
    })
    migrations.upgrade(app.extensions["caas"].control_engine, "control")
    yield app
    app.extensions["caas"].close()


@pytest.fixture(scope="class")
def caas_platform(caas_app):
    """The :class:`caas.bootstrap.Platform` of :func:`caas_app`."""
    return caas_app.extensions["caas"]


@pytest.fixture(scope="class")
def caas_loaded(caas_platform, caas_plugin):
    """The :class:`caas.plugins.LoadedPlugin` record of the plugin under test."""
    record = caas_platform.plugins.loaded.get(caas_plugin)
    if record is None:
        pytest.fail(f"no installed distribution has a 'caas' entry point named {caas_plugin!r}; "
                    f"is the plugin installed ({sys.executable} -m pip install -e .)?",
                    pytrace=False)
    return record


@pytest.fixture(scope="class")
def caas_tenant(caas_platform, caas_loaded):
    """A throwaway tenant of the first country the plugin registers."""
    from caas.service_layer.tenants import create_tenant

    if not caas_loaded.countries:
        pytest.skip("the plugin registers no country")
    return create_tenant(caas_platform, f"conformance-{uuid.uuid4().hex[:8]}",
                         "Conformance", caas_loaded.countries[0])

"""Fixtures: the platform on SQLite and the in-process broker, or on PostgreSQL and Redis.

Set ``CAAS_TEST_DATABASE_URL`` (a PostgreSQL server URL) and ``CAAS_TEST_BROKER_URL``
(``redis://`` or ``amqp://``) to run the same tests against real services.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from caas.adapters.sql import migrations
from caas.entrypoints.http.app import create_app
from caas.entrypoints.worker import broker as broker_module
from caas.tenancy import tenant_context
from tests.support.api import ADMIN_PASSWORD, OPERATOR_PASSWORD, Api, login
from tests.support.journey import enable_options, linked_vehicle, set_up_catalog
from tests.support.platform import (BROKER_URL, PG_URL, built_apps, drop_test_databases,
                                    new_slug, platform_config)

#: Fixtures that test modules share beyond this file's.
pytest_plugins = ["tests.support.fixtures"]
#: The marker of tests whose outcome does not depend on the database or broker (the pages'
#: language and accessibility in every locale): the PostgreSQL run leaves them to SQLite's.
SAME_ON_EVERY_BACKEND = "same_on_every_backend"
#: The use-case tier runs on in-memory fakes: no backend to repeat it on.
UNIT_TIER = Path(__file__).parent / "unit"


def pytest_configure(config):
    config.addinivalue_line("markers", f"{SAME_ON_EVERY_BACKEND}: checked once, on SQLite "
                                       "(the PostgreSQL + Redis run deselects it)")


def pytest_collection_modifyitems(config, items):
    if not PG_URL:
        return
    kept = [item for item in items if not item.get_closest_marker(SAME_ON_EVERY_BACKEND)
            and UNIT_TIER not in item.path.parents]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(autouse=True)
def _close_built_apps():
    yield
    while built_apps:
        built_apps.pop().extensions["caas"].close()


@pytest.fixture(scope="session", autouse=True)
def _services():
    if not BROKER_URL.startswith("memory://"):
        # Jobs left in the broker by an earlier run belong to tenants that no longer exist.
        broker_module.make_broker(BROKER_URL).flush_all()
    yield
    if PG_URL:
        drop_test_databases()


@pytest.fixture(scope="session")
def session_app(tmp_path_factory):
    app = create_app(platform_config(tmp_path_factory.mktemp("caas")))
    migrations.upgrade(app.extensions["caas"].control_engine, "control")
    yield app
    app.extensions["caas"].close()


@pytest.fixture
def app(session_app):
    # The broker and its app-context middleware are per process: point them back
    # at this app in case a test built another one.
    broker_module.setup(session_app)
    yield session_app
    # A test that took a system down must not leave its circuit open for the next one.
    for breaker in session_app.extensions["caas"].external.breakers.values():
        breaker.close()


@pytest.fixture
def platform(app):
    return app.extensions["caas"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def worker(session_app):
    from dramatiq import Worker
    broker = session_app.extensions["caas_broker"]
    running = Worker(broker, worker_threads=2, worker_timeout=50)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def drain(app, worker):
    """Run every queued job to completion."""
    broker = app.extensions["caas_broker"]

    def join(queue):
        try:
            broker.join(queue, timeout=30_000)
        except Exception as exc:
            if not type(exc).__module__.startswith("pika"):
                raise
            # RabbitMQ closed this thread's idle connection (missed heartbeats): reopen it.
            del broker.connection
            broker.join(queue, timeout=30_000)

    def run():
        # Jobs queue jobs on the other queue (an activation queues its payment...): go round.
        for _ in range(3):
            for queue in ("outbox", "ota"):
                join(queue)
            worker.join()
    return run


@pytest.fixture(autouse=True)
def _sandboxes_up():
    """Every test starts and ends with every sandbox up."""
    from caas.sandboxes import faults
    yield
    for system in faults.SYSTEMS:
        faults.set_mode(system, faults.Mode())


@pytest.fixture
def mailbox():
    from caas.sandboxes import smtp
    box = smtp.server().mailbox
    return box


@pytest.fixture
def operator(app, client):
    from caas.service_layer.users import create_operator
    email = f"op-{uuid.uuid4().hex[:8]}@caas.test"
    create_operator(app.extensions["caas"], email, OPERATOR_PASSWORD)
    return login(client, email, OPERATOR_PASSWORD)


@pytest.fixture
def make_tenant(app, client):
    """Create a tenant with an admin and an employee; returns a namespace of logged-in clients."""
    from caas.service_layer.tenants import create_tenant
    from caas.service_layer.users import provision_user
    platform = app.extensions["caas"]

    def make(country="ES", locales=None):
        slug = new_slug(country.lower())
        tenant = create_tenant(platform, slug, f"Tenant {slug}", country, locales)
        with tenant_context(tenant):
            for role in ("admin", "employee"):
                provision_user(platform.for_tenant(tenant), email=f"{role}@{slug}.test", role=role,
                               name=role.title(), password=ADMIN_PASSWORD)
        ns = type("TenantUnderTest", (), {})()
        ns.slug, ns.tenant = slug, tenant
        ns.admin = login(client, f"admin@{slug}.test", ADMIN_PASSWORD, slug)
        ns.employee = login(client, f"employee@{slug}.test", ADMIN_PASSWORD, slug)
        ns.anonymous = Api(client, tenant=slug)
        return ns
    return make


@pytest.fixture
def tenant(make_tenant):
    return make_tenant("ES")


@pytest.fixture
def shop(make_tenant):
    """A Spanish tenant with the journeys' catalog and every bundled option on sale."""
    made = make_tenant("ES")
    set_up_catalog(made)
    enable_options(made)
    return made


@pytest.fixture
def owned(shop, operator, client, mailbox, drain):
    """(the buyer's client, the VIN of their delivered, app-linked vehicle)"""
    return linked_vehicle(shop, operator, client, mailbox, drain)

"""Fixtures: the platform on SQLite and the in-process broker, or on PostgreSQL and Redis.

Set ``CAAS_TEST_DATABASE_URL`` (a PostgreSQL server URL) and ``CAAS_TEST_BROKER_URL``
(``redis://`` or ``amqp://``) to run the same tests against real services.
"""
from __future__ import annotations

import itertools
import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from caas.adapters.sql import migrations
from caas.entrypoints.http.app import create_app
from caas.entrypoints.worker import broker as broker_module
from caas.tenancy import tenant_context

PG_URL = os.environ.get("CAAS_TEST_DATABASE_URL")
#: The pytest-xdist worker this process is ("gw0", "gw1"...); "" when the run is not split.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _broker_of_this_worker(url: str) -> str:
    """The broker of this test process: each xdist worker gets a Redis database of its own,
    since workers would otherwise take each other's jobs (and flush them at start)."""
    if not WORKER or url.startswith("memory://"):
        return url
    if not url.startswith("redis"):
        raise pytest.UsageError(f"{url}: a broker shared by xdist workers; run without -n, "
                                "or use a redis:// broker")
    broker = make_url(url)
    base = int(broker.database or 0)
    return broker.set(database=str((base + int(WORKER[2:])) % 16)).render_as_string(False)


BROKER_URL = _broker_of_this_worker(os.environ.get("CAAS_TEST_BROKER_URL", "memory://"))
RUN_ID = uuid.uuid4().hex[:6]
_slugs = itertools.count(1)


def _pg_admin():
    return sa.create_engine(make_url(PG_URL).set(database="postgres"),
                            isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _drop_test_databases():
    with _pg_admin().connect() as conn:
        names = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                             {"p": f"caas_%t{RUN_ID}%"}).scalars().all()
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def platform_config(instance, **overrides) -> dict:
    """Settings of a test platform on the configured backend, with its own control plane."""
    config = {"CAAS_INSTANCE_PATH": str(instance), "CAAS_LOG_LEVEL": "WARNING",
              "CAAS_LOG_JSON": False, "CAAS_SANDBOX": True, "CAAS_BROKER_URL": BROKER_URL,
              "CAAS_SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
              # The sandboxes act only when a test tells them to; registration retries at once.
              "CAAS_SANDBOX_SETTLE_SECONDS": None, "CAAS_SANDBOX_FACTORY_STEP_SECONDS": None,
              "CAAS_REGISTRATION_RETRY_WAIT_SECONDS": 0,
              # The payment janitor settles at its first pass what it may settle at all.
              "CAAS_PAYMENT_LOOKUP_GRACE_SECONDS": 0, "CAAS_PAYMENT_ORPHAN_GRACE_SECONDS": 0}
    if PG_URL:
        # Every test tenant is its own database: keep few engines (and connections) open.
        config.update(CAAS_TENANT_ENGINE_CACHE_SIZE=4, CAAS_TENANT_POOL_SIZE=1)
        control = f"caas_ctl_t{RUN_ID}_{next(_slugs)}"
        with _pg_admin().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{control}"'))
        base = make_url(PG_URL)
        config["CAAS_DATABASE_URL"] = base.set(database=control).render_as_string(False)
        config["CAAS_TENANT_DATABASE_URL"] = base.set(database="XDBX").render_as_string(
            False).replace("XDBX", "{db}")
    config.update(overrides)
    return config


_built_apps = []


def build_app(instance, **overrides):
    """A platform of its own (own control plane); closed when the test ends."""
    app = create_app(platform_config(instance, **overrides))
    migrations.upgrade(app.extensions["caas"].control_engine, "control")
    _built_apps.append(app)
    return app


@pytest.fixture(autouse=True)
def _close_built_apps():
    yield
    while _built_apps:
        _built_apps.pop().extensions["caas"].close()


def new_slug(prefix: str = "t") -> str:
    """A slug unique to this run, so PostgreSQL databases never collide."""
    return f"t{RUN_ID}-{prefix}{next(_slugs)}"


@pytest.fixture(scope="session", autouse=True)
def _services():
    if not BROKER_URL.startswith("memory://"):
        # Jobs left in the broker by an earlier run belong to tenants that no longer exist.
        broker_module.make_broker(BROKER_URL).flush_all()
    yield
    if PG_URL:
        _drop_test_databases()


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


def password_in(message) -> str:
    """The generated password in a credentials email: its sign-in line ends with it."""
    line = next(line for line in message["body"].splitlines() if "@" in line and ":" in line)
    return line.rsplit(" ", 1)[-1]


@pytest.fixture
def mailbox():
    from caas.sandboxes import smtp
    box = smtp.server().mailbox
    return box


class Api:
    """A small REST client over the Flask test client, speaking as one person."""

    def __init__(self, client, token=None, tenant=None):
        self.client, self.token, self.tenant = client, token, tenant

    def headers(self, extra=None):
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.tenant:
            headers["X-Tenant"] = self.tenant
        headers.update(extra or {})
        return headers

    def __getattr__(self, method):
        if method not in ("get", "post", "put", "delete", "patch"):
            raise AttributeError(method)

        def call(path, headers=None, **kwargs):
            return getattr(self.client, method)(path, headers=self.headers(headers), **kwargs)
        return call


def login(client, email, password, tenant=None) -> Api:
    response = Api(client, tenant=tenant).post("/api/v1/auth/token",
                                               json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return Api(client, response.json["access_token"], tenant)


OPERATOR_PASSWORD = "operator-pass-1"
ADMIN_PASSWORD = "admin-pass-0001"


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
    from journey import enable_options, set_up_catalog
    made = make_tenant("ES")
    set_up_catalog(made)
    enable_options(made)
    return made


@pytest.fixture
def owned(shop, operator, client, mailbox, drain):
    """(the buyer's client, the VIN of their delivered, app-linked vehicle)"""
    from journey import linked_vehicle
    return linked_vehicle(shop, operator, client, mailbox, drain)

"""A test platform's settings and backend: SQLite and the in-process broker, or PostgreSQL
and Redis when ``CAAS_TEST_DATABASE_URL`` and ``CAAS_TEST_BROKER_URL`` say so."""
from __future__ import annotations

import itertools
import os
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from caas.adapters.sql import migrations
from caas.entrypoints.http.app import create_app

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


def drop_test_databases():
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
        config.update(CAAS_TENANT_ENGINE_CACHE_SIZE=4, CAAS_TENANT_POOL_SIZE=1,
                      CAAS_DB_MAX_OVERFLOW=3)
        control = f"caas_ctl_t{RUN_ID}_{next(_slugs)}"
        with _pg_admin().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{control}"'))
        base = make_url(PG_URL)
        config["CAAS_DATABASE_URL"] = base.set(database=control).render_as_string(False)
        config["CAAS_TENANT_DATABASE_URL"] = base.set(database="XDBX").render_as_string(
            False).replace("XDBX", "{db}")
    config.update(overrides)
    return config


#: Platforms built by tests: the conftest closes them when the test ends.
built_apps = []


def build_app(instance, **overrides):
    """A platform of its own (own control plane); closed when the test ends."""
    app = create_app(platform_config(instance, **overrides))
    migrations.upgrade(app.extensions["caas"].control_engine, "control")
    built_apps.append(app)
    return app


def new_slug(prefix: str = "t") -> str:
    """A slug unique to this run, so PostgreSQL databases never collide."""
    return f"t{RUN_ID}-{prefix}{next(_slugs)}"

"""Tenants, their admins and access tokens, created in-process through the service layer."""
from __future__ import annotations

import time

from caas import config as configuration
from caas.crypto import tokens
from caas.adapters.sql import migrations
from caas.entrypoints.http.app import create_app
from caas.context import Actor
from caas.service_layer.tenants import create_tenant
from caas.service_layer.users import provision_user
from caas.tenancy import tenant_context

COUNTRIES = ("ES", "DE", "FR", "CH")  # spread like a real platform; /me does not depend on it
PASSWORD = "Bench-admin-pass-2024!"
PROGRESS_STEPS = 10


def slug(number: int) -> str:
    """``bench-0001``: its PostgreSQL database is ``caas_tenant_bench_0001``."""
    return f"bench-{number:04d}"


def setup_app(env: dict[str, str]):
    """The platform for the setup work, configured from ``env`` exactly as gunicorn will be.

    Values go through the platform's own parsing so ``"1"`` becomes ``1`` as it
    would from the environment. Setup logs at WARNING: it is not measured and
    would otherwise print a line per tenant.
    """
    settings = configuration.from_environment(
        configuration.defaults(env["CAAS_INSTANCE_PATH"]), environ=env)
    overrides = {key: settings[key] for key in env if key in settings}
    overrides["CAAS_LOG_LEVEL"] = "WARNING"
    return create_app(overrides)


def create_tenants(env: dict[str, str], count: int, label: str) -> list[dict[str, str]]:
    """Migrate the control plane, create ``count`` tenants with one admin each.

    Returns, per tenant, the headers of an authenticated ``GET /api/v1/me``.
    Tokens are issued with the platform's token adapter, as ``POST /auth/token``
    does after its password check: that check is an argon2 verification (~0.2 s
    of both CPUs), which for 500 tenants would add minutes to every run. The
    first tenant logs in through the endpoint to prove both tokens agree, and
    the warm-up then uses every token (and fails on anything but HTTP 200).
    """
    app = setup_app(env)
    platform = app.extensions["caas"]
    secret, ttl = platform.config["CAAS_SECRET_KEY"], platform.config["CAAS_TOKEN_TTL_SECONDS"]
    migrations.upgrade(platform.control_engine, "control")
    header_sets = []
    started = time.monotonic()
    try:
        for number in range(1, count + 1):
            tenant = create_tenant(platform, slug(number), f"Bench tenant {number}",
                                   COUNTRIES[number % len(COUNTRIES)])
            with tenant_context(tenant):
                user = provision_user(platform.for_tenant(tenant), email=f"admin@{tenant.slug}.test",
                                      role="admin", name="Bench admin", password=PASSWORD)
            actor = Actor(role=user.role, id=user.id, email=user.email, tenant=tenant.slug,
                          locale=user.locale)
            token = tokens.issue(actor, secret, ttl)
            if number == 1:
                _check_against_login(app, actor, secret)
            header_sets.append({"Authorization": f"Bearer {token}", "X-Tenant": tenant.slug})
            # Setup must not keep a pooled connection per tenant: on PostgreSQL 500 of
            # them would exhaust max_connections before gunicorn even starts.
            platform.tenant_engines.forget(tenant.slug)
            if number == count or number % max(1, count // PROGRESS_STEPS) == 0:
                print(f"  [{label}] {number}/{count} tenants created "
                      f"({time.monotonic() - started:.0f}s)", flush=True)
    finally:
        platform.close()
    return header_sets


def _check_against_login(app, actor: Actor, secret: str) -> None:
    """Log in through the real endpoint (in-process: no gunicorn worker gets warmed)
    and make sure its token stands for the same actor as the one issued here."""
    response = app.test_client().post(
        "/api/v1/auth/token", json={"email": actor.email, "password": PASSWORD},
        headers={"X-Tenant": actor.tenant})
    if response.status_code != 200:
        raise RuntimeError(f"login to {actor.tenant} failed: {response.status_code} "
                           f"{response.get_data(as_text=True)}")
    from_login = tokens.read(response.get_json()["access_token"], secret)
    if from_login != actor:
        raise RuntimeError(f"login token is for {from_login}, bench issues {actor}")

"""The pages benchmark's dealership: one tenant with many orders, and its readers' sessions.

Orders are real sales (``sales.register_sale``: the customer's account, the order, its
contract, the audit and the outbox event), so the pages read the rows the platform
writes. A sale leaves its order unpaid; the states further on would take a payment,
factory webhooks and a delivery per order (hours for 10,000), so each order is then moved
to a state of the lifecycle with one UPDATE per state: the pages read what a dealership
has, orders in every state, without the bench waiting for them to get there.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from caas.adapters.sql import migrations, tables
from caas.context import Actor, actor_var
from caas.domain.orders import Status
from caas.service_layer import sales
from caas.service_layer.tenants import create_tenant
from caas.service_layer.users import provision_user
from caas.tenancy import tenant_context
from fixtures import PASSWORD, setup_app, slug

#: Customers the orders are spread over (each new one costs an argon2 hash).
CUSTOMERS = 40
#: The reader whose vehicles are measured has this many orders, like a real customer.
READER_ORDERS = 3
PROGRESS_STEPS = 10


@dataclass(frozen=True)
class Dealership:
    slug: str
    #: ``Cookie`` headers of a signed-in session, by reader ("customer", "employee").
    cookies: dict[str, dict[str, str]]


def _customer(number: int) -> dict:
    return {"name": f"Cliente {number}", "email": f"cliente-{number}@bench.test",
            "tax_id": "12345678Z", "phone": "+34 612 345 678", "locale": "es-ES",
            "address": {"street": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013"}}


def create_dealership(env: dict[str, str], orders: int) -> Dealership:
    """A Spanish tenant with ``orders`` orders in every state, and signed-in sessions of
    the customer reader and of an employee (from the real sign-in form)."""
    app = setup_app(env)
    platform = app.extensions["caas"]
    migrations.upgrade(platform.control_engine, "control")
    tenant = create_tenant(platform, slug(1), "Bench dealership", "ES")
    ctx = platform.for_tenant(tenant)
    started = time.monotonic()
    try:
        with tenant_context(tenant):
            employee = provision_user(ctx, email=f"employee@{tenant.slug}.test",
                                      role="employee", name="Bench employee", password=PASSWORD)
            seller = actor_var.set(Actor(role="employee", id=employee.id, tenant=tenant.slug))
            try:
                sales.add_model(ctx, code="urbano", name="Urbano EV",
                                base_price=Decimal("30000"), options=[
                                    {"code": "paint_red", "name": "Red paint", "price": "500"}])
                sales.add_plan(ctx, code="standard", name="Standard",
                               reservation=Decimal("1000"))
                for number in range(orders):
                    # The reader's few orders first, then the others spread over customers.
                    who = 0 if number < READER_ORDERS else 1 + number % (CUSTOMERS - 1)
                    sales.register_sale(ctx, actor_var.get(), customer=_customer(who),
                                        model="urbano", plan="standard", options=["paint_red"])
                    if (number + 1) % max(1, orders // PROGRESS_STEPS) == 0:
                        print(f"  {number + 1}/{orders} orders "
                              f"({time.monotonic() - started:.0f}s)", flush=True)
            finally:
                actor_var.reset(seller)
        _spread_states(platform, tenant.slug)
        password = _set_password(platform, tenant, _customer(0)["email"])
        cookies = {"customer": _session(app, tenant.slug, _customer(0)["email"], password),
                   "employee": _session(app, tenant.slug, employee.email, PASSWORD)}
    finally:
        platform.close()
    return Dealership(tenant.slug, cookies)


def _spread_states(platform, tenant_slug: str) -> None:
    """Order ``i`` takes the ``i``-th state of the lifecycle, round robin."""
    states = [status.value for status in Status]
    orders = tables.orders
    with platform.tenant_writer(tenant_slug) as conn:
        for index, state in enumerate(states):
            conn.execute(orders.update().where((orders.c.id % len(states)) == index)
                         .values(status=state))


def _set_password(platform, tenant, email: str) -> str:
    """The customer's generated password went by email: the bench sets a known one."""
    from caas.crypto import passwords
    with platform.tenant_writer(tenant.slug) as conn:
        conn.execute(tables.users.update().where(tables.users.c.email == email)
                     .values(password_hash=passwords.hash_password(PASSWORD)))
    return PASSWORD


def _session(app, tenant_slug: str, email: str, password: str) -> dict[str, str]:
    """Sign in through the page's form (CSRF token and all); the session cookie it sets."""
    import re
    client = app.test_client()
    page = client.get(f"/t/{tenant_slug}/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    answer = client.post(f"/t/{tenant_slug}/sign-in", data={
        "csrf_token": token, "email": email, "password": password})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in of {email} answered {answer.status_code}")
    cookie = client.get_cookie("session")
    return {"Cookie": f"session={cookie.value}"}

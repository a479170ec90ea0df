"""The OTA bench's tenant, fleet and purchases, made in process through the service layer.

Not measured. A linked vehicle normally comes out of a whole sale (order,
reservation, factory webhooks, final payment, delivery, app link): far too slow
for thousands of vehicles. So the setup inserts delivered ``vehicles`` rows and
their customers straight through the tenant's repositories
(``uow.vehicles.add`` + ``uow.vehicles.link``, ``uow.users.add`` with one
password hash for all), and enables the options with
:func:`caas.service_layer.catalog.set_option`. Purchases are the real
:func:`caas.service_layer.service_purchase.purchase` (eligibility, VSS check,
authorization at the shared payments sandbox over HTTP, outbox job).
"""
from __future__ import annotations

import math
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from caas.crypto import passwords

from caas.adapters.sql import migrations, tables
from caas.context import Actor, actor_var
from caas.domain.orders import Vehicle
from caas.domain.users import User
from caas.service_layer import activation, catalog, service_purchase
from caas.service_layer.tenants import create_tenant
from caas.tenancy import tenant_context

#: Every bundled option, priced like the tests do (3 billed monthly, 2 one-time).
OPTIONS = {"heated_seats": ("249.00", "one_time"), "extended_range": ("19.90", "monthly"),
           "driving_assistance": ("29.90", "monthly"), "performance_boost": ("99.00", "one_time"),
           "premium_connectivity": ("9.90", "monthly")}
MODEL = "urbano"  # every option fits it
COUNTRY = "ES"
VEHICLES_PER_CUSTOMER = 10
CARD = "tok_ok"
PASSWORD = "Bench-customer-2024!"
TERMINAL = ("active", "failed")
SETTLED_PAYMENTS = ("captured", "voided", "refunded")


@dataclass
class Fleet:
    tenant: object
    purchases: list[tuple[int, str, str]]  # (customer id, VIN, option)
    vehicles: int
    customers: int


def countries() -> list[str]:
    """The country plugins' codes: each gets its registration body's sandbox."""
    from caas.plugins import Plugins
    return sorted(Plugins().load().countries)


def migrate_control(platform) -> None:
    migrations.upgrade(platform.control_engine, "control")


def create_fleet(platform, slug: str, purchases: int, ota: dict | None = None) -> Fleet:
    """A tenant with every option on sale, and ``ceil(purchases / 5)`` linked vehicles."""
    tenant = create_tenant(platform, slug, f"OTA bench {slug}", COUNTRY)
    locale = tenant.default_locale
    for code, (price, billing) in OPTIONS.items():
        catalog.set_option(platform.for_tenant(tenant), code, enabled=True, price=price, billing=billing,
                           locale=locale)
    if ota:
        catalog.set_ota_settings(platform.for_tenant(tenant), {**catalog.ota_settings(platform.for_tenant(tenant)),
                                                    **ota})
    vehicles = math.ceil(purchases / len(OPTIONS))
    customers = math.ceil(vehicles / VEHICLES_PER_CUSTOMER)
    password_hash = passwords.hash_password(PASSWORD)
    owned: list[tuple[int, str]] = []
    with platform.tenant_uow(slug) as uow:
        ids = [uow.users.add(User(email=f"customer{number}@{slug}.test", role="customer",
                                  name=f"Customer {number}", locale=locale,
                                  password_hash=password_hash)).id
               for number in range(customers)]
        for number in range(vehicles):
            vin = f"VSSOTA{number:011d}"
            owner = ids[number // VEHICLES_PER_CUSTOMER]
            uow.vehicles.add(Vehicle(vin=vin, model=MODEL, status="delivered"))
            uow.vehicles.link(vin, owner)
            owned.append((owner, vin))
        uow.commit()
    # Vehicle by vehicle, its options in turn: billing modes mix along the run.
    chosen = [(owner, vin, code) for owner, vin in owned for code in OPTIONS][:purchases]
    return Fleet(tenant, chosen, vehicles, customers)


@dataclass
class PurchaseRun:
    ok: int = 0
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def purchase_all(platform, fleet: Fleet, threads: int, label: str,
                 progress_every: int = 0) -> PurchaseRun:
    """Every purchase through :func:`service_purchase.purchase`, ``threads`` at a time."""
    run = PurchaseRun()
    lock = threading.Lock()
    tenant = fleet.tenant
    started = time.monotonic()
    step = progress_every or max(1, len(fleet.purchases) // 5)

    def buy(item):
        customer_id, vin, code = item
        token = actor_var.set(Actor(role="customer", id=customer_id, tenant=tenant.slug))
        try:
            with tenant_context(tenant):
                service_purchase.purchase(platform.for_tenant(tenant), customer_id, vin, code, CARD)
            outcome = None
        except Exception as exc:  # counted and reported, the run goes on
            outcome = f"{type(exc).__name__}: {str(exc)[:120]}"
        finally:
            actor_var.reset(token)
        with lock:
            if outcome is None:
                run.ok += 1
            else:
                run.errors[outcome] += 1
            done = run.ok + sum(run.errors.values())
            if done % step == 0 or done == len(fleet.purchases):
                print(f"  [{label}] {done}/{len(fleet.purchases)} purchases "
                      f"({time.monotonic() - started:.0f}s)", flush=True)

    with ThreadPoolExecutor(threads, thread_name_prefix="purchase") as pool:
        list(pool.map(buy, fleet.purchases))
    run.seconds = time.monotonic() - started
    return run


# --- reading the outcome --------------------------------------------------------------


def _aware(moment):
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def progress(platform, slug: str) -> dict:
    """Services per status and payment status, and the outbox's unfinished jobs."""
    services, outbox = tables.services, tables.outbox
    with platform.tenant_reader(slug) as conn:
        statuses = dict(conn.execute(sa.select(services.c.status, sa.func.count())
                                     .group_by(services.c.status)).all())
        payments = dict(conn.execute(sa.select(services.c.payment_status, sa.func.count())
                                     .group_by(services.c.payment_status)).all())
        jobs = conn.execute(sa.select(
            sa.func.count(), sa.func.count(outbox.c.processed_at),
            sa.func.max(outbox.c.processed_at))).one()
    return {"statuses": statuses, "payments": payments, "jobs": jobs[0],
            "jobs_open": jobs[0] - jobs[1], "last_processed_at": _aware(jobs[2])}


def settled(state: dict, expected: int) -> bool:
    """Every service active or failed, and its payment captured, voided or refunded."""
    statuses, payments = state["statuses"], state["payments"]
    return (sum(statuses.get(s, 0) for s in TERMINAL) == expected
            and sum(payments.get(p, 0) for p in SETTLED_PAYMENTS) == expected)


def finished(state: dict, expected: int) -> bool:
    """:func:`settled`, and no job left in the outbox."""
    return settled(state, expected) and state["jobs_open"] == 0


def terminal(state: dict) -> int:
    return sum(state["statuses"].get(s, 0) for s in TERMINAL)


def pending_activations(platform, slug: str) -> list[int]:
    """Ids of the unsent ``activate_service`` jobs (purchases made with dispatch off)."""
    outbox = tables.outbox
    with platform.tenant_reader(slug) as conn:
        return [row.id for row in conn.execute(
            sa.select(outbox.c.id).where(outbox.c.task == activation.ACTIVATE,
                                         outbox.c.processed_at.is_(None))
            .order_by(outbox.c.id))]


def milestones(platform, slug: str) -> dict:
    """When the last service became active, and when the last payment was settled."""
    services, events = tables.services, tables.service_events
    with platform.tenant_reader(slug) as conn:
        active = conn.execute(sa.select(sa.func.max(services.c.activated_at))).scalar()
        paid = conn.execute(sa.select(sa.func.max(events.c.at)).where(
            events.c.note.like("payment %"))).scalar()
    return {"last_active": _aware(active), "last_payment": _aware(paid)}


def jobs_by_task(platform, slug: str) -> dict[str, int]:
    outbox = tables.outbox
    with platform.tenant_reader(slug) as conn:
        return dict(conn.execute(sa.select(outbox.c.task, sa.func.count())
                                 .group_by(outbox.c.task)).all())


def services(platform, slug: str) -> list[dict]:
    table = tables.services
    with platform.tenant_reader(slug) as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(
            table.c.id, table.c.vin, table.c.option, table.c.billing, table.c.status,
            table.c.payment_status, table.c.payment_id, table.c.attempts,
            table.c.price_minor, table.c.refunded_minor).order_by(table.c.id))]


def outbox_report(platform, slug: str) -> dict:
    """Jobs left unprocessed and abandoned (by task, with one last error each), and retried."""
    outbox = tables.outbox
    with platform.tenant_reader(slug) as conn:
        rows = conn.execute(sa.select(outbox.c.task, outbox.c.last_error, outbox.c.attempts,
                                      outbox.c.processed_at)
                            .where(sa.or_(outbox.c.processed_at.is_(None),
                                          outbox.c.last_error.like("abandoned%")))).all()
        retried = conn.execute(sa.select(sa.func.count()).where(outbox.c.attempts > 1)).scalar()
    left = Counter(row.task for row in rows if row.processed_at is None)
    abandoned = Counter(row.task for row in rows if row.processed_at is not None)
    errors = {}
    for row in rows:
        if row.last_error and row.task not in errors:
            errors[row.task] = f"{' '.join(row.last_error.split())[:200]} (attempts {row.attempts})"
    return {"unprocessed": sum(left.values()), "unprocessed_by_task": dict(left),
            "abandoned": sum(abandoned.values()), "abandoned_by_task": dict(abandoned),
            "errors_by_task": errors, "claimed_more_than_once": retried}


def jobs_total(platform, slug: str) -> int:
    with platform.tenant_reader(slug) as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tables.outbox)).scalar()


#: Leftover broker messages that still stand for work to do.
PENDING_KINDS = ("job not done", "activation not finished", "job unknown")


def classify_messages(platform, slug: str, messages: list[dict]) -> dict[str, int]:
    """What each message left in the broker stands for: work still to do, or a stale copy."""
    outbox, table = tables.outbox, tables.services
    with platform.tenant_reader(slug) as conn:
        jobs = {row.id: row for row in conn.execute(
            sa.select(outbox.c.id, outbox.c.processed_at, outbox.c.last_error))}
        statuses = dict(conn.execute(sa.select(table.c.id, table.c.status)).all())
    kinds = Counter()
    for message in messages:
        where = "dead-lettered " if message["queue"].endswith(".XQ") else ""
        if message["tenant"] != slug:
            kinds["another tenant's"] += 1
        elif message["actor"] == "retry_activation":
            done = statuses.get(message["args"][0]) in TERMINAL
            kinds[where + ("retry of a finished activation" if done
                           else "activation not finished")] += 1
        else:
            job = jobs.get(message["args"][0]) if message["args"] else None
            if job is None:
                kinds["job unknown"] += 1
            elif job.processed_at is None:
                kinds["job not done"] += 1
            elif (job.last_error or "").startswith("abandoned"):
                kinds[where + "copy of an abandoned job"] += 1
            else:
                kinds[where + "copy of a done job"] += 1
    return dict(kinds)


def tickets(platform, slug: str, kind: str = "ota_failed") -> int:
    table = tables.support_tickets
    with platform.tenant_reader(slug) as conn:
        return conn.execute(sa.select(sa.func.count()).where(table.c.kind == kind)).scalar()


def activation_settings(platform, vin: str, code: str) -> dict:
    """The settings the option's activation command applies to a vehicle."""
    return platform.plugins.option(code).activation_payload(vin)


def now() -> datetime:
    return datetime.now(timezone.utc)

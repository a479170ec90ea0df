"""Month-end billing benchmark (`make bench`): `.venv/bin/python bench/billing.py [--quick]`.

On PostgreSQL (127.0.0.1:5432 unless ``--database-url``), for each size (full: 10,000 then
100,000 active subscriptions; ``--quick``: 1,000 then 10,000) spread over 10 tenants of the
four bundled countries, one month is billed end to end with the platform's own code
(``caas.service_layer.billing.runs.run``): invoices and lines written in batches with their
gapless numbers, every invoice charged through the payments sandbox in process over
httpx, outcomes recorded and one receipts job per batch queued. In the same run, the floor
set by the database: a SQLAlchemy Core bulk insert of as many invoice and line rows into a
fresh tenant database, before the billing and again after it (the faster counts). The
receipts jobs are then run and timed on their own (each customer's
email and push notification and their delivery jobs written; not part of the ratio).

Prints subscriptions billed per second, the ratio to the bulk insert's rows per second
(target >= 0.3) and the time scaling from the smaller size to the larger (target <= 11x),
and writes ``bench/results/billing.json``. Exits 0 whatever the figures.
"""
from __future__ import annotations

import argparse
import json
import logging
import secrets
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from caas.adapters.sql import migrations, tables
from caas.entrypoints.http.app import create_app
from caas.domain.billing import last_closed_period
from caas.service_layer.billing import charging, runs
from caas.service_layer.tenants import create_tenant
from caas.tenancy import tenant_context

BENCH_DIR = Path(__file__).resolve().parent
TENANTS = 10
COUNTRIES = ("ES", "FR", "DE", "CH")
BATCH = 1000
SIZES = {"full": (10_000, 100_000), "quick": (1_000, 10_000)}


def _config(url: str, run_id: str, instance: str) -> dict:
    base = make_url(url)
    return {"CAAS_INSTANCE_PATH": instance, "CAAS_LOG_LEVEL": "WARNING", "CAAS_LOG_JSON": False,
            "CAAS_SANDBOX": True, "CAAS_BROKER_URL": "memory://",
            "CAAS_SANDBOX_SETTLE_SECONDS": None, "CAAS_SANDBOX_FACTORY_STEP_SECONDS": None,
            "CAAS_TENANT_POOL_SIZE": 2, "CAAS_BILLING_BATCH_SIZE": BATCH,
            "CAAS_DATABASE_URL": base.set(database=f"caas_bb{run_id}_ctl").render_as_string(False),
            "CAAS_TENANT_DATABASE_URL": base.set(database="XDBX").render_as_string(False)
            .replace("XDBX", "{db}")}


def _admin(url: str):
    return sa.create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                            poolclass=sa.pool.NullPool)


def _drop_databases(url: str, run_id: str) -> None:
    with _admin(url).connect() as conn:
        names = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                             {"p": f"caas_%bb{run_id}%"}).scalars().all()
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _customers_and_subscriptions(engine, slug: str, count: int, currency: str,
                                 started: datetime) -> None:
    """``count`` customers, each with a vehicle and one active monthly subscription."""
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        for first in range(0, count, 5000):
            n = min(5000, count - first)
            ids = list(conn.execute(tables.users.insert().returning(
                tables.users.c.id, sort_by_parameter_order=True), [
                {"email": f"c{first + i}@{slug}.bench", "role": "customer", "name": f"C {i}",
                 "locale": "en", "password_hash": "x", "active": True, "created_at": now}
                for i in range(n)]).scalars())
            conn.execute(tables.customers.insert(), [
                {"user_id": uid, "phone": "+34612345678", "tax_id": "12345678Z",
                 "address": {"street": "Calle Mayor 1", "city": "Madrid",
                             "postal_code": "28013"}, "created_at": now} for uid in ids])
            vins = [f"VB{uid:015d}" for uid in ids]
            conn.execute(tables.vehicles.insert(), [
                {"vin": vin, "model": "urbano", "status": "operational", "linked_user_id": uid,
                 "created_at": now, "updated_at": now} for vin, uid in zip(vins, ids)])
            service_ids = list(conn.execute(tables.services.insert().returning(
                tables.services.c.id, sort_by_parameter_order=True), [
                {"customer_id": uid, "vin": vin, "option": "extended_range",
                 "billing": "monthly", "status": "active", "price_minor": 1990,
                 "currency": currency, "card_token": "tok_ok", "payment_status": "voided",
                 "refunded_minor": 0, "attempts": 1, "max_attempts": 5,
                 "activated_at": started, "created_at": started, "updated_at": now,
                 "version": 1} for vin, uid in zip(vins, ids)]).scalars())
            conn.execute(tables.subscriptions.insert(), [
                {"service_id": sid, "customer_id": uid, "vin": vin, "option": "extended_range",
                 "price_minor": 1990, "currency": currency, "card_token": "tok_ok",
                 "status": "active", "started_at": started, "created_at": now,
                 "updated_at": now} for sid, uid, vin in zip(service_ids, ids, vins)])


def _checkpoint(url: str) -> None:
    """Flush PostgreSQL's dirty pages now, so that no timed part pays for earlier writes."""
    with _admin(url).connect() as conn:
        conn.execute(sa.text("CHECKPOINT"))


def _bulk_insert_baseline(platform, slug: str, rows: int) -> float:
    """Seconds to write ``rows`` invoices and ``rows`` lines with Core multi-row inserts."""
    engine = platform.tenant_engines.get(slug)
    now = datetime.now(timezone.utc)
    today = now.date()
    with engine.begin() as conn:
        user = conn.execute(tables.users.insert().values(
            email=f"baseline@{slug}.bench", role="customer", name="B", locale="en",
            password_hash="x", active=True, created_at=now)).inserted_primary_key[0]
    started = time.perf_counter()
    with engine.begin() as conn:
        for first in range(0, rows, BATCH):
            n = min(BATCH, rows - first)
            ids = list(conn.execute(tables.invoices.insert().returning(
                tables.invoices.c.id, sort_by_parameter_order=True), [
                {"number": f"B-{first + i}", "kind": "invoice", "customer_id": user,
                 "period": "2026-01", "currency": "EUR", "net_minor": 1645, "vat_minor": 345,
                 "total_minor": 1990, "customer_name": "B", "customer_tax_id": "12345678Z",
                 "customer_address": {}, "locale": "en", "issue_date": today,
                 "due_date": today, "status": "paid", "created_at": now, "updated_at": now}
                for i in range(n)]).scalars())
            conn.execute(tables.invoice_lines.insert(), [
                {"invoice_id": invoice_id, "kind": "subscription", "period": "2026-01",
                 "option": "extended_range", "days": 31, "days_in_period": 31,
                 "net_minor": 1645, "vat_rate": "0.21", "vat_minor": 345, "total_minor": 1990}
                for invoice_id in ids])
    return time.perf_counter() - started


def _send_receipts(app, platform, tenants) -> tuple[int, float]:
    """Run the receipts jobs the billing runs queued; how many receipts, and the seconds."""
    jobs = {}
    for tenant in tenants:
        with platform.tenant_uow(tenant.slug) as uow:
            jobs[tenant.slug] = uow.conn.execute(sa.select(tables.outbox.c.payload).where(
                tables.outbox.c.task == charging.RECEIPTS)).scalars().all()
    sent = 0
    began = time.perf_counter()
    with app.app_context():
        for tenant in tenants:
            with tenant_context(tenant):
                for payload in jobs[tenant.slug]:
                    sent += charging.send_receipts(platform.for_tenant(tenant), payload["invoice_ids"])
    return sent, time.perf_counter() - began


def _measure(url: str, size: int, instance: str) -> dict:
    run_id = secrets.token_hex(3)
    app = create_app(_config(url, run_id, instance))
    platform = app.extensions["caas"]
    try:
        with _admin(url).connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "caas_bb{run_id}_ctl"'))
        migrations.upgrade(platform.control_engine, "control")
        now = datetime.now(timezone.utc)
        tenants = []
        with app.app_context():
            for index in range(TENANTS):
                tenant = create_tenant(platform, f"bb{run_id}-t{index}", f"Bench {index}",
                                       COUNTRIES[index % len(COUNTRIES)])
                tenants.append(tenant)
            floors = [create_tenant(platform, f"bb{run_id}-floor{n}", "Floor", "ES")
                      for n in (1, 2)]
        period = last_closed_period(now, "Europe/Madrid")
        started = datetime.combine(period.first_day + timedelta(days=9), datetime.min.time(),
                                   timezone.utc)
        share = size // TENANTS
        for tenant in tenants:
            _customers_and_subscriptions(platform.tenant_engines.get(tenant.slug), tenant.slug,
                                         share, tenant.currency, started)
        _checkpoint(url)
        floor_before = _bulk_insert_baseline(platform, floors[0].slug, share * TENANTS)
        _checkpoint(url)
        billed, charges = 0, 0
        began = time.perf_counter()
        with app.app_context():
            for tenant in tenants:
                with tenant_context(tenant):
                    outcome = runs.run(platform.for_tenant(tenant), period, trigger="bench",
                                          batch_size=BATCH)
                billed += outcome["invoices"]
                charges += outcome["by_status"].get("paid", 0)
        seconds = time.perf_counter() - began
        _checkpoint(url)
        floor_after = _bulk_insert_baseline(platform, floors[1].slug, share * TENANTS)
        # The faster floor: the stricter baseline when the machine's load varies.
        floor_seconds = min(floor_before, floor_after)
        receipts, receipt_seconds = _send_receipts(app, platform, tenants)
        ledger = app.extensions["caas_sandboxes"].payments.ledger()
        charged = sum(1 for entry in ledger if entry["type"] == "charge")
        return {"subscriptions": share * TENANTS, "seconds": seconds, "invoices": billed,
                "paid": charges, "gateway_charges": charged, "floor_seconds": floor_seconds,
                "floor_seconds_before_and_after": [floor_before, floor_after],
                "receipts": receipts, "receipt_seconds": receipt_seconds,
                "billed_per_second": share * TENANTS / seconds,
                "floor_rows_per_second": share * TENANTS / floor_seconds,
                "ratio": floor_seconds / seconds}
    finally:
        platform.close()
        _drop_databases(url, run_id)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    small, large = SIZES["quick" if args.quick else "full"]
    results = []
    with tempfile.TemporaryDirectory() as instance:
        for size in (small, large):
            print(f"billing {size:,} subscriptions over {TENANTS} tenants...", flush=True)
            results.append(_measure(args.database_url, size, instance))
            r = results[-1]
            print(f"  {r['seconds']:.1f} s: {r['billed_per_second']:,.0f} subscriptions/s "
                  f"({r['invoices']:,} invoices, {r['gateway_charges']:,} charges at the "
                  f"gateway); bulk insert floor {r['floor_seconds']:.2f} s "
                  f"({r['floor_rows_per_second']:,.0f} invoice+line rows/s); then "
                  f"{r['receipts']:,} receipts in {r['receipt_seconds']:.1f} s", flush=True)
    scaling = results[1]["seconds"] / results[0]["seconds"]
    print()
    print(f"{'figure':58} {'value':>9} {'target':>8}  result")
    for name, value, target, ok in (
            (f"billed/s ÷ bulk-insert rows/s at {large:,}", results[1]["ratio"], ">= 0.3",
             results[1]["ratio"] >= 0.3),
            (f"billed/s ÷ bulk-insert rows/s at {small:,}", results[0]["ratio"], ">= 0.3",
             results[0]["ratio"] >= 0.3),
            (f"time at {large:,} ÷ time at {small:,}", scaling, "<= 11", scaling <= 11)):
        print(f"{name:58} {value:9.2f} {target:>8}  {'met' if ok else 'MISSED'}")
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    (out / "billing.json").write_text(json.dumps({"runs": results, "scaling": scaling},
                                                 indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

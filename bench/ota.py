"""The OTA benchmark, run by ``make bench`` after ``run.py``: ``.venv/bin/python bench/ota.py [--quick]``.

1. Throughput: activations completed per second by ``caas worker`` on Redis, the
   IoT sandbox answering at once, against no-op dramatiq actors with the same
   worker settings on the same Redis, moving as many messages per activation as
   the platform's round did (one job, and the jobs it queues), in the same run.
2. Crash check: purchases with 30% of IoT commands failing, the workers'
   process group killed with ``kill -9`` twice mid-run and restarted (RabbitMQ),
   ``caas ota sweep`` and ``caas outbox relay`` running as a deployment would;
   then every service must be active or failed with its money right at the
   payments sandbox, and nothing left in the broker or the outbox.

All external systems are one ``caas sandboxes serve`` process shared by the bench
(purchases), the workers and the web server. Prints a summary table and writes
``bench/results/ota.json``.
"""
from __future__ import annotations

import argparse
import os
import platform as host
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import psutil

import ota_profile
import ota_report
import ota_setup as fleet_setup
from fixtures import setup_app
from measure import _machine_busy_seconds
from ota_infra import (BENCH_DIR, Process, WorkerSettings, Workers, caas, database,
                       rabbitmq_broker, random_suffix, redis_broker, run_caas)
from run import clean_environment
from server import Gunicorn, GunicornSettings, free_port


@dataclass(frozen=True)
class Profile:
    purchases: int  # throughput part
    crash_purchases: int
    baseline_rounds: int  # no-op rounds, after the platform's (they copy its messages/activation)
    profile_activations: int  # run inline under cProfile afterwards (0: none)
    drain_seconds: float  # crash check: once every service settled, how long jobs may take


PROFILES = {"quick": Profile(purchases=500, crash_purchases=200, baseline_rounds=2,
                             profile_activations=50, drain_seconds=30),
            "full": Profile(purchases=5000, crash_purchases=1000, baseline_rounds=2,
                            profile_activations=200, drain_seconds=90)}
PURCHASE_THREADS = 4
# The crash check: how the tenant retries, and how fast a deployment recovers.
CRASH_FAILURE_RATE = 0.3
CRASH_SEED = 20240
CRASH_OTA = {"max_attempts": 3, "backoff_seconds": 0.5, "command_timeout_seconds": 2.0}
CRASH_ENV = {"CAAS_OTA_SWEEP_GRACE_SECONDS": "5", "CAAS_OUTBOX_LEASE_SECONDS": "10"}
SWEEP_EVERY, RELAY_EVERY, RELAY_OLDER_THAN = 2, 5, 20
KILL_AT = (0.25, 0.60)  # share of services finished when the workers are killed
SETTLE_SECONDS = 2.0
NOOP_QUEUE = "ota-noop"  # as in ota_noop.py
LOGGING = ("workers, sandbox server and web server at the platform's default level (INFO, "
           "JSON) into log files of the temp folder; setup in the bench process at WARNING")


# --- helpers ---------------------------------------------------------------------------


class Sandboxes(Process):
    """``caas sandboxes serve`` on a port chosen here, so the platform's env can name it."""

    def __init__(self, name: str, env: dict, log_dir: Path, *extra: str):
        self.port, self.smtp_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(name, caas("sandboxes", "serve", "--port", str(self.port),
                                    "--smtp-port", str(self.smtp_port),
                                    "--factory-step-seconds", "off", *extra), env, log_dir)
        self.http = httpx.Client(base_url=f"{self.url}/_control", timeout=60)

    def platform_env(self) -> dict[str, str]:
        from caas.sandboxes.server import platform_environment
        return platform_environment(self.url, fleet_setup.countries(),
                                    ("127.0.0.1", self.smtp_port))

    def start_and_wait(self) -> "Sandboxes":
        self.start()

        def healthy():
            try:
                return self.http.get("/health").status_code == 200
            except httpx.HTTPError:
                return False
        self.wait_for(healthy, "serving", 60)
        return self

    def get(self, path: str, **params) -> dict:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def stop(self, timeout: float = 30.0) -> None:
        self.http.close()
        super().stop(timeout)


class CpuMeter:
    """CPU seconds of each part over a window, as % of one core; ``other``: the rest of the machine."""

    def __init__(self, parts: dict):
        self.parts = {name: read for name, read in parts.items() if read is not None}
        me = psutil.Process()
        self.parts["bench"] = lambda: sum(me.cpu_times()[:2])

    def start(self) -> "CpuMeter":
        self.wall, self.machine = time.monotonic(), _machine_busy_seconds()
        self.before = {name: read() for name, read in self.parts.items()}
        return self

    def stop(self) -> dict:
        wall = time.monotonic() - self.wall
        used = {name: read() - self.before[name] for name, read in self.parts.items()}
        machine = _machine_busy_seconds() - self.machine
        result = {name: round(100 * seconds / wall, 1) for name, seconds in used.items()}
        result["other"] = round(max(0.0, 100 * (machine - sum(used.values())) / wall), 1)
        result["machine"] = round(100 * machine / wall, 1)
        result["window_seconds"] = round(wall, 3)
        return result


def _wait(label: str, check, timeout: float, every: float = 0.25, report_every: float = 10.0,
          fail: bool = True):
    """Poll ``check()`` -> (done, state, text) until done; prints the text now and then.

    :param fail: raise TimeoutError after ``timeout``; else return the last state.
    """
    started = last = time.monotonic()
    while True:
        done, state, text = check()
        if done:
            return state
        now = time.monotonic()
        if now - started > timeout:
            if fail:
                raise TimeoutError(f"{label}: not finished after {timeout:.0f}s: {text}")
            print(f"  [{label}] gave up waiting after {timeout:.0f}s: {text}", flush=True)
            return state
        if now - last >= report_every:
            print(f"  [{label}] {text} ({now - started:.0f}s)", flush=True)
            last = now
        time.sleep(every)


def _describe(state: dict) -> str:
    return (f"services {dict(sorted(state['statuses'].items()))}, payments "
            f"{dict(sorted(state['payments'].items()))}, outbox jobs open "
            f"{state['jobs_open']}/{state['jobs']}")


# --- 1. throughput -----------------------------------------------------------------------


def throughput(base_env: dict, db, settings: WorkerSettings, profile: Profile, work_dir: Path,
               suffix: str) -> dict:
    n = profile.purchases
    slug = f"otabench-{suffix}-t"
    with redis_broker(suffix) as broker:
        server = Sandboxes("sandboxes-throughput", base_env, work_dir, "--settle-seconds", "off")
        env = {**base_env, **db.env, **server.platform_env(), "CAAS_BROKER_URL": broker.url}
        server.env = env
        app = setup_app(env)
        platform = app.extensions["caas"]
        try:
            fleet_setup.migrate_control(platform)
            server.start_and_wait()
            fleet = fleet_setup.create_fleet(platform, slug, n)
            print(f"throughput: {fleet.vehicles} linked vehicles x {len(fleet_setup.OPTIONS)} "
                  f"options, {fleet.customers} customers; {n} purchases, jobs not sent yet",
                  flush=True)
            # The purchases' activate_service jobs stay in the outbox: sent all at once below,
            # once the workers are up, like the no-op baseline's messages.
            dispatch, platform.dispatch = platform.dispatch, None
            bought = fleet_setup.purchase_all(platform, fleet, PURCHASE_THREADS, "throughput")
            platform.dispatch = dispatch
            ids = fleet_setup.pending_activations(platform, slug)
            if bought.errors or len(ids) != n:
                raise RuntimeError(f"purchases failed: {dict(bought.errors)}; {len(ids)} jobs")
            print(f"  {n} purchases in {bought.seconds:.0f}s "
                  f"({n / bought.seconds:.0f}/s, {PURCHASE_THREADS} threads, not measured)",
                  flush=True)

            parts = {"sandboxes": server.cpu_seconds, "redis": broker.cpu, "postgresql": db.cpu}
            plat = _platform_round(platform, slug, ids, env, settings, work_dir, parts, n)
            # The baseline moves as many messages per activation as the platform just did.
            per_activation = round(plat["messages"] / n)
            noop = [_noop_round(broker, base_env, settings, work_dir, parts, n, per_activation)
                    for _ in range(profile.baseline_rounds)]
            iot = server.get("/iot/stats")
            mail = server.get("/mail/stats")
            ledger = server.get("/payments/ledger", tenant=slug)["entries"]
            profiled = None
            if profile.profile_activations:
                print(f"  profile: {profile.profile_activations} activations' jobs inline "
                      "under cProfile", flush=True)
                profiled = ota_profile.run(app, platform, suffix, profile.profile_activations,
                                           work_dir / "profile.log")
        finally:
            server.stop()
            platform.close()
    noop_mean = sum(r["activations_per_second"] for r in noop) / len(noop)
    noop_cpu = sum(r["cpu_ms_per_activation"] for r in noop) / len(noop)
    return {"purchases": n, "purchase_seconds": round(bought.seconds, 1),
            "vehicles": fleet.vehicles, "options": list(fleet_setup.OPTIONS),
            "platform": plat, "noop_rounds": noop,
            "noop_activations_per_second": round(noop_mean, 1),
            "ratio": round(plat["activations_per_second"] / noop_mean, 3),
            "ratio_per_cpu": round(noop_cpu / plat["cpu_ms_per_activation"], 3),
            "iot_commands": iot, "emails_received": mail["messages"],
            "ledger": dict(Counter(entry["type"] for entry in ledger)),
            "profile": profiled, "broker": broker.notes, "database": db.notes}


def _cpu_ms(cpu: dict, n: int) -> float:
    """CPU milliseconds per activation of what serves it: workers, sandboxes, Redis, PostgreSQL
    (not the bench process sending, nor the rest of the machine)."""
    parts = ("workers", "sandboxes", "redis", "postgresql")
    seconds = sum(cpu.get(name, 0) for name in parts) / 100 * cpu["window_seconds"]
    return round(seconds * 1000 / n, 2)


def _platform_round(platform, slug: str, ids: list[int], env: dict, settings: WorkerSettings,
                    work_dir: Path, parts: dict, n: int) -> dict:
    from caas.entrypoints.worker import actors
    workers = Workers("workers-throughput", settings.platform_args(), env, work_dir,
                      settings.processes)
    print(f"  platform: starting `caas worker --processes {settings.processes} --threads "
          f"{settings.threads}`", flush=True)
    workers.start_and_wait()
    try:
        before = fleet_setup.jobs_total(platform, slug)
        meter = CpuMeter({"workers": workers.cpu_seconds, **parts}).start()
        started = time.time()
        actors.dispatch(slug, ids)  # what the purchases' commits would have sent
        sent = time.time() - started

        def check():
            state = fleet_setup.progress(platform, slug)
            return fleet_setup.finished(state, n), state, _describe(state)
        state = _wait("platform", check, timeout=max(180.0, n / 5))
        cpu = meter.stop()
    finally:
        workers.stop()
    elapsed = state["last_processed_at"].timestamp() - started
    # The activate_service jobs sent, and every job they queued.
    messages = fleet_setup.jobs_total(platform, slug) - before + len(ids)
    jobs = fleet_setup.jobs_by_task(platform, slug)
    outbox = fleet_setup.outbox_report(platform, slug)
    marks = fleet_setup.milestones(platform, slug)
    result = {"activations": n, "seconds": round(elapsed, 2), "enqueue_seconds": round(sent, 2),
              "all_active_after_seconds": round(marks["last_active"].timestamp() - started, 2),
              "all_paid_after_seconds": round(marks["last_payment"].timestamp() - started, 2),
              "activations_per_second": round(n / elapsed, 1),
              "messages": messages, "jobs_by_task": jobs,
              "messages_per_second": round(messages / elapsed, 1),
              "statuses": state["statuses"], "payments": state["payments"],
              "cpu_percent": cpu, "cpu_ms_per_activation": _cpu_ms(cpu, n),
              "jobs_claimed_more_than_once": outbox["claimed_more_than_once"],
              "job_errors": outbox["errors_by_task"]}
    print(f"  platform: {n} activations ({messages} messages) in {elapsed:.1f}s = "
          f"{result['activations_per_second']:.1f}/s", flush=True)
    return result


def _noop_round(broker, base_env: dict, settings: WorkerSettings, work_dir: Path, parts: dict,
                n: int, per_activation: int) -> dict:
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    env = {**base_env, "OTA_BENCH_BROKER_URL": broker.url,
           "OTA_BENCH_FOLLOW_UPS": str(per_activation - 1)}
    workers = Workers("workers-noop", settings.noop_args(), env, work_dir, settings.processes,
                      cwd=BENCH_DIR)
    sender = RedisBroker(url=broker.url, middleware=[])
    sender.declare_queue(NOOP_QUEUE)
    workers.start_and_wait()
    try:
        meter = CpuMeter({"workers": workers.cpu_seconds, **parts}).start()
        started = time.time()
        for _ in range(n):
            sender.enqueue(dramatiq.Message(queue_name=NOOP_QUEUE, actor_name="activation",
                                            args=(), kwargs={}, options={}))
        sent = time.time() - started

        def check():
            left = broker.unacknowledged(NOOP_QUEUE)
            return left == 0, left, f"{left} messages left"
        _wait("no-op", check, timeout=max(120.0, n / 20), every=0.02)
        elapsed = time.time() - started
        cpu = meter.stop()
    finally:
        workers.stop()
        sender.close()
    messages = per_activation * n
    result = {"activations": n, "seconds": round(elapsed, 2), "enqueue_seconds": round(sent, 2),
              "activations_per_second": round(n / elapsed, 1), "messages": messages,
              "messages_per_second": round(messages / elapsed, 1), "cpu_percent": cpu,
              "cpu_ms_per_activation": _cpu_ms(cpu, n)}
    print(f"  no-op: {n} activations ({messages} messages) in {elapsed:.1f}s = "
          f"{result['activations_per_second']:.0f}/s", flush=True)
    return result


# --- 2. crash check ----------------------------------------------------------------------


def crash(base_env: dict, db, settings: WorkerSettings, profile: Profile, work_dir: Path,
          suffix: str, broker_kind: str) -> dict:
    n = profile.crash_purchases
    slug = f"otabench-{suffix}-c"
    context = rabbitmq_broker(suffix) if broker_kind == "rabbitmq" else redis_broker(suffix)
    with context as broker:
        web_port = free_port()
        server = Sandboxes("sandboxes-crash", base_env, work_dir, "--settle-seconds",
                           str(SETTLE_SECONDS), "--platform-url", f"http://127.0.0.1:{web_port}",
                           "--iot-failure-rate", str(CRASH_FAILURE_RATE), "--seed", str(CRASH_SEED))
        env = {**base_env, **db.env, **server.platform_env(), **CRASH_ENV,
               "CAAS_BROKER_URL": broker.url}
        server.env = env
        app = setup_app(env)
        platform = app.extensions["caas"]
        loops: list[Process] = []
        workers = Workers("workers-crash", settings.platform_args(), env, work_dir,
                          settings.processes)
        web = Gunicorn("platform_app", env, GunicornSettings(workers=1, threads=4),
                       work_dir / "gunicorn-crash.log")
        web.port = web_port
        try:
            fleet_setup.migrate_control(platform)
            fleet = fleet_setup.create_fleet(platform, slug, n, ota=CRASH_OTA)
            server.start_and_wait()
            web.__enter__()
            print(f"crash check: {n} purchases on {broker.kind}, IoT failing "
                  f"{CRASH_FAILURE_RATE:.0%} of commands, OTA {CRASH_OTA}", flush=True)
            workers.start_and_wait()
            loops = [Process("sweeper", caas("ota", "sweep", "--every", str(SWEEP_EVERY)), env,
                             work_dir).start(),
                     Process("relay", caas("outbox", "relay", "--every", str(RELAY_EVERY),
                                           "--older-than", str(RELAY_OLDER_THAN)), env,
                             work_dir).start()]
            bought: list = []
            buyer = threading.Thread(target=lambda: bought.append(fleet_setup.purchase_all(
                platform, fleet, PURCHASE_THREADS, "crash")), name="purchases", daemon=True)
            started = time.monotonic()
            buyer.start()
            kills = _kill_mid_run(platform, slug, workers, n)
            buyer.join()
            purchases = bought[0]
            if purchases.errors:
                print(f"  purchases refused: {dict(purchases.errors)}", flush=True)
            expected = purchases.ok

            def money():
                state = fleet_setup.progress(platform, slug)
                return fleet_setup.settled(state, expected), state, _describe(state)

            def drained():
                state = fleet_setup.progress(platform, slug)
                return fleet_setup.finished(state, expected), state, _describe(state)
            _wait("crash", money, timeout=max(240.0, n / 2))
            settled_after = time.monotonic() - started
            _wait("crash, jobs left", drained, timeout=profile.drain_seconds,
                  fail=False)
            drained_after = time.monotonic() - started
            for loop in loops:
                loop.stop()
            # What a deployment runs after restarts: both should find nothing left to do.
            final_sweep = run_caas(env, "ota", "sweep")
            final_relay = run_caas(env, "outbox", "relay", "--older-than", "0")
            _wait("crash, after the final sweep and relay", drained, timeout=30, fail=False)
            time.sleep(SETTLE_SECONDS + 1.5)  # the last captures settle and tell the platform
            workers.stop()
            queues = broker.pending()
            leftovers = fleet_setup.classify_messages(platform, slug, broker.messages())
            ledger = server.get("/payments/ledger", tenant=slug)["entries"]
            deliveries = server.get("/webhooks")["deliveries"]
            iot = server.get("/iot/stats")
            rows = fleet_setup.services(platform, slug)
            lost = _lost_successes(platform, server, slug, rows)
            outbox = fleet_setup.outbox_report(platform, slug)
            jobs = fleet_setup.jobs_by_task(platform, slug)
            failed_tickets = fleet_setup.tickets(platform, slug)
            loop_logs = {loop.name: loop.tail(3) for loop in loops}
        finally:
            for loop in loops:
                loop.stop()
            workers.stop()
            web.__exit__(None, None, None)
            server.stop()
            platform.close()
    checks = verify(rows, ledger)
    return {"purchases": n, "purchased": expected, "purchase_refusals": dict(purchases.errors),
            "broker": broker.kind, "broker_notes": broker.notes,
            "iot_failure_rate": CRASH_FAILURE_RATE, "ota": CRASH_OTA, "env": CRASH_ENV,
            "kills": kills, "seconds_to_settle": round(settled_after, 1),
            "seconds_to_drain": round(drained_after, 1),
            "final_sweep": final_sweep, "final_relay": final_relay,
            "loops": loop_logs, "queues_left": queues, "outbox": outbox, "jobs_by_task": jobs,
            "ota_failed_tickets": failed_tickets, "iot_commands": iot,
            "attempts": dict(sorted(Counter(row["attempts"] for row in rows).items())),
            "webhooks": dict(Counter(str(d.get("status")) for d in deliveries
                                     if d["tenant"] == slug)),
            "failed_with_succeeded_command": lost, **checks,
            "broker_messages_left": leftovers,
            "messages_left": outbox["unprocessed"] + sum(
                n for kind, n in leftovers.items() if kind in fleet_setup.PENDING_KINDS)}


def _kill_mid_run(platform, slug: str, workers: Workers, n: int) -> list[dict]:
    """``kill -9`` the workers' process group when KILL_AT of the services are finished."""
    kills = []
    for share in KILL_AT:
        def check():
            state = fleet_setup.progress(platform, slug)
            done = fleet_setup.terminal(state)
            return done >= share * n, state, f"{done}/{n} finished"
        state = _wait(f"crash, waiting for {share:.0%}", check, timeout=max(240.0, n / 2),
                      every=0.1)
        in_flight = {"activating": state["statuses"].get("activating", 0),
                     "outbox_jobs_open": state["jobs_open"]}
        killed = workers.kill()
        down = time.monotonic()
        print(f"  kill -9 of the worker group ({killed} processes) at "
              f"{fleet_setup.terminal(state)}/{n} finished, {in_flight}", flush=True)
        time.sleep(1.0)
        workers.start_and_wait()
        kills.append({"at_finished": fleet_setup.terminal(state), "processes": killed,
                      **in_flight, "restarted_after_seconds": round(time.monotonic() - down, 1)})
    return kills


def _lost_successes(platform, server: Sandboxes, slug: str, rows: list[dict]) -> dict:
    """Failed services of which an activation command succeeded at the IoT API all the same
    (a success the platform did not record), and whether the option is still on the vehicle:
    delivered, with its payment released."""
    succeeded = {command["command_id"] for command in server.get("/iot/commands")["commands"]
                 if command["status"] == "succeeded"}
    lost = {}
    for row in rows:
        if row["status"] != "failed":
            continue
        attempts = [f"a{number}" for number in range(1, row["attempts"] + 3)
                    if f"{slug}-svc{row['id']}-a{number}" in succeeded]
        if attempts:
            wanted = fleet_setup.activation_settings(platform, row["vin"], row["option"])
            configuration = server.get(f"/iot/vehicles/{row['vin']}")["configuration"]
            lost[row["id"]] = {"attempts": row["attempts"], "succeeded": attempts,
                               "still_on_vehicle": all(configuration.get(key) == value
                                                       for key, value in wanted.items())}
    return {"count": len(lost),
            "still_on_vehicle": sum(1 for item in lost.values() if item["still_on_vehicle"]),
            "services": dict(list(lost.items())[:10])}


def verify(rows: list[dict], ledger: list[dict]) -> dict:
    """Each service's money at the gateway, against its outcome; the anomalies, by kind."""
    moves = defaultdict(list)
    for entry in ledger:
        moves[entry["reference"]].append(entry)
    anomalies = Counter()
    examples = []
    totals = Counter()
    known = set()
    for row in rows:
        reference = f"service-{row['id']}"
        known.add(reference)
        kinds = Counter(entry["type"] for entry in moves[reference])
        amount = defaultdict(Decimal)
        for entry in moves[reference]:
            amount[entry["type"]] += Decimal(entry["amount"])
        totals.update(kinds)
        problems = []
        if kinds["authorization"] != 1:
            problems.append(f"{kinds['authorization']} authorizations")
        if kinds["charge"]:
            problems.append("charged without authorization")
        net = amount["capture"] - amount["refund"]
        status, billing, paid = row["status"], row["billing"], row["payment_status"]
        if status == "active" and billing == "one_time":
            if (kinds["capture"], kinds["void"], kinds["refund"]) != (1, 0, 0) or paid != "captured":
                problems.append(f"active one-time: {dict(kinds)}, payment {paid}")
        elif status == "active":
            if (kinds["capture"], kinds["void"], kinds["refund"]) != (0, 1, 0) or paid != "voided":
                problems.append(f"active monthly: {dict(kinds)}, payment {paid}")
        elif status == "failed":
            released = kinds["void"] == 1 and kinds["capture"] == 0
            refunded = kinds["capture"] == 1 and net == 0
            if net != 0 or not (released or refunded) or paid not in ("voided", "refunded"):
                problems.append(f"failed: {dict(kinds)}, net {net}, payment {paid}")
        else:
            problems.append(f"status {status}")
        for problem in problems:
            anomalies[problem.split(":")[0]] += 1
        if problems and len(examples) < 10:
            examples.append({"service": row["id"], "problems": problems})
    strays = [ref for ref in moves if ref not in known]
    if strays:
        anomalies["ledger entries of no service"] += len(strays)
    statuses = Counter(row["status"] for row in rows)
    return {"services": len(rows), "active": statuses["active"], "failed": statuses["failed"],
            "other_statuses": {k: v for k, v in statuses.items() if k not in ("active", "failed")},
            "active_one_time": sum(1 for r in rows if r["status"] == "active"
                                   and r["billing"] == "one_time"),
            "active_monthly": sum(1 for r in rows if r["status"] == "active"
                                  and r["billing"] == "monthly"),
            "authorizations": totals["authorization"], "captures": totals["capture"],
            "voids": totals["void"], "refunds": totals["refund"],
            "settlements": totals["settlement"],
            "anomalies": sum(anomalies.values()), "anomalies_by_kind": dict(anomalies),
            "anomaly_examples": examples}


# --- main ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=(
        f"{PROFILES['quick'].purchases} purchases, {PROFILES['quick'].crash_purchases} for "
        "the crash check (~2 minutes)"))
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql",
                        help="where the platform's databases live (default: postgresql)")
    parser.add_argument("--processes", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker (default 8)")
    parser.add_argument("--purchases", type=int, help="override the throughput part's count")
    parser.add_argument("--crash-purchases", type=int, help="override the crash check's count")
    parser.add_argument("--crash-broker", choices=("rabbitmq", "redis"), default="rabbitmq")
    parser.add_argument("--profile", type=int, metavar="N", help=(
        "activations profiled inline after the throughput part (0: none; default "
        f"{PROFILES['quick'].profile_activations} quick, {PROFILES['full'].profile_activations} full)"))
    parser.add_argument("--only", choices=("throughput", "crash"), help="run one part")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a crash-check figure misses its target")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    profile = PROFILES[mode]
    profile = Profile(args.purchases or profile.purchases,
                      args.crash_purchases or profile.crash_purchases, profile.baseline_rounds,
                      profile.profile_activations if args.profile is None else args.profile,
                      profile.drain_seconds)
    settings = WorkerSettings(args.processes, args.threads)
    started = time.monotonic()
    env = clean_environment()
    env.update(CAAS_SECRET_KEY=secrets.token_hex(32), CAAS_TOKEN_TTL_SECONDS="3600",
               CAAS_SANDBOX="0")
    cpus = psutil.cpu_count()
    suffix = random_suffix()
    print(f"CaaS OTA bench ({mode}): {profile.purchases} purchases for throughput, "
          f"{profile.crash_purchases} for the crash check; workers {asdict(settings)}; "
          f"database {args.database}; {cpus} CPUs; run id {suffix}", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="caas-otabench-") as tmp:
        work_dir = Path(tmp)
        try:
            with database(args.database, work_dir / "instance", suffix) as db:
                if args.only in (None, "throughput"):
                    results["throughput"] = throughput(env, db, settings, profile, work_dir,
                                                       suffix)
                if args.only in (None, "crash"):
                    results["crash"] = crash(env, db, settings, profile, work_dir, suffix,
                                             args.crash_broker)
        except BaseException:
            _keep_logs(work_dir)
            raise
    meta = {"mode": mode, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "elapsed_seconds": round(time.monotonic() - started, 1),
            "machine": f"{cpus} CPUs, {psutil.virtual_memory().total // 2**30} GiB, "
                       f"Python {host.python_version()}, {host.system()} {host.release()}",
            "workers": asdict(settings), "database": args.database, "logging": LOGGING,
            "command": " ".join([os.path.relpath(sys.executable), "bench/ota.py",
                                 *(argv or sys.argv[1:])])}
    summary = ota_report.summarise(meta, results)
    print()
    print(ota_report.render(summary))
    print(f"\nwritten to {ota_report.write_json(summary)}")
    missed = [check["figure"] for check in summary["checks"]
              if not check["met"] and check["figure"] != "throughput_ratio"]
    return 1 if args.strict and missed else 0


def _keep_logs(work_dir: Path) -> None:
    """On failure, copy the processes' logs out of the temp folder before it goes."""
    keep = Path(tempfile.gettempdir()) / f"caas-otabench-logs-{os.getpid()}"
    keep.mkdir(exist_ok=True)
    for log in work_dir.glob("*.log"):
        (keep / log.name).write_bytes(log.read_bytes())
    print(f"logs kept in {keep}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

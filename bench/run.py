"""The foundation benchmark, run by ``make bench``: ``.venv/bin/python bench/run.py [--quick]``.

In one run, with the same gunicorn settings for every app and the load
generator in a separate process, it measures:

1. ``GET /api/v1/me`` (authenticated, tenant-scoped) against a bare Flask JSON endpoint;
2. that GET over 1 tenant against N tenants (500; all warmed in every worker first);
3. the workers' resident memory per additional idle tenant;

on the embedded default (SQLite) and on PostgreSQL, prints a summary table and
writes it to ``bench/results/latest.json``.
"""
from __future__ import annotations

import argparse
import os
import platform as host
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import psutil

import backends
import report
from fixtures import create_tenants
from measure import LoadSettings, Target, interleaved, load, warm_up
from server import Gunicorn, GunicornSettings


@dataclass(frozen=True)
class Profile:
    tenants: int
    load: LoadSettings
    warm_seconds: float  # unmeasured load before the first measured round of each server


PROFILES = {
    "quick": Profile(tenants=50, warm_seconds=1, load=LoadSettings(
        duration=3, max_requests=50_000, connections=8, rounds=1)),
    "full": Profile(tenants=500, warm_seconds=3, load=LoadSettings(
        duration=8, max_requests=150_000, connections=8, rounds=3)),
}
LOGGING = ("platform at its default level (INFO, JSON) with stdout/stderr sent to /dev/null; "
           "setup (tenant creation, not measured) at WARNING")
# The bare app ignores them; a token-sized header keeps its requests as large as /me's.
BARE_HEADERS = [{"Authorization": "Bearer " + "x" * 300, "X-Tenant": "bench-0001"}]
KIB = 1024
BACKENDS = ("sqlite", "postgresql")


def clean_environment() -> dict[str, str]:
    """This process's environment without ``CAAS_*``, so a developer's shell cannot skew the run."""
    dropped = sorted(key for key in os.environ if key.startswith("CAAS_"))
    for key in dropped:
        del os.environ[key]
    if dropped:
        print(f"ignoring {', '.join(dropped)} from the environment", flush=True)
    return dict(os.environ)


def measure_platform(backend: backends.Backend, env: dict, header_sets: list[dict], bare: Target,
                     gunicorn: GunicornSettings, profile: Profile, work_dir: Path) -> dict:
    """On one platform server: 1 tenant, then all tenants, each interleaved with the bare app.

    The bare app serves as the control: if its req/s moved between the two
    phases, the machine's background load did too.
    """
    name = backend.name
    with Gunicorn("platform_app", env, gunicorn, work_dir / f"gunicorn-{name}.log") as server:
        one = Target(server, header_sets[:1], backend.database_cpu)
        many = Target(server, header_sets, backend.database_cpu)
        warm_up(server, one.header_sets)
        load(one, _warm_settings(profile), work_dir, f"{name}-warm")
        print(f"  [{name}] measuring 1 tenant", flush=True)
        _pg_window(backend)  # starts a fresh window
        phase_one = interleaved({"bare": bare, "one": one}, profile.load, work_dir)
        _add_pg_window(backend, phase_one["one"])
        # Taken after the 1-tenant load, so both snapshots come from processes that
        # have already served thousands of requests: the difference is tenant state.
        rss_one = server.rss_bytes()

        started = time.monotonic()
        sent = warm_up(server, many.header_sets)
        rss_many = server.rss_bytes()
        print(f"  [{name}] warmed {len(header_sets)} tenants in each of "
              f"{len(server.worker_pids())} workers ({sent} requests, "
              f"{time.monotonic() - started:.0f}s); measuring", flush=True)
        _pg_window(backend)  # starts a fresh window
        phase_many = interleaved({"bare": bare, "many": many}, profile.load, work_dir)
        _add_pg_window(backend, phase_many["many"])
        rss_after = server.rss_bytes()
    return {"bare_one": phase_one["bare"], "one": phase_one["one"],
            "bare_many": phase_many["bare"], "many": phase_many["many"],
            "rss_one_kib": rss_one // KIB, "rss_many_kib": rss_many // KIB,
            "rss_after_load_kib": rss_after // KIB,
            "kib_per_tenant": round((rss_many - rss_one) / (len(header_sets) - 1) / KIB, 1),
            "env": {k: v for k, v in backend.env.items() if k != "CAAS_INSTANCE_PATH"},
            "notes": backend.notes}


def _warm_settings(profile: Profile) -> LoadSettings:
    return replace(profile.load, duration=profile.warm_seconds, rounds=1)


def _pg_window(backend: backends.Backend) -> dict | None:
    """PostgreSQL connection figures since the previous call (None on SQLite)."""
    return backend.connections.window() if backend.connections else None


def _add_pg_window(backend: backends.Backend, run: dict) -> None:
    window = _pg_window(backend)
    if window:
        run["postgresql"] = window
        backend.notes.append(f"{run['tenants']}-tenant phase: peak {window['peak_connections']} "
                             f"connections to bench databases, {window['sessions_opened']} "
                             "sessions opened")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=(
        f"{PROFILES['quick'].tenants} tenants, one short round each (~1-2 minutes)"))
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help=f"comma-separated subset of {','.join(BACKENDS)}")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    profile = PROFILES[mode]
    chosen = [name.strip() for name in args.backends.split(",") if name.strip()]
    if not chosen or set(chosen) - set(BACKENDS):
        parser.error(f"--backends takes names from {', '.join(BACKENDS)}")
    if "postgresql" in chosen:
        backends.check_postgresql()  # fail now, not after minutes of SQLite
    gunicorn = GunicornSettings()
    started = time.monotonic()

    env = clean_environment()
    # One secret for the setup process and gunicorn, so setup's tokens are valid there;
    # an hour of validity so a slow setup cannot expire them mid-run.
    env.update(CAAS_SECRET_KEY=secrets.token_hex(32), CAAS_TOKEN_TTL_SECONDS="3600")
    cpus = psutil.cpu_count()
    print(f"CaaS bench ({mode}): {profile.tenants} tenants, backends {', '.join(chosen)}; "
          f"{cpus} CPUs\nlogging: {LOGGING}", flush=True)

    results = {}
    with tempfile.TemporaryDirectory(prefix="caas-bench-") as tmp:
        work_dir = Path(tmp)
        # The bare app runs throughout: each platform phase is interleaved with it.
        with Gunicorn("bare_app", env, gunicorn, work_dir / "gunicorn-bare.log") as bare_server:
            bare = Target(bare_server, BARE_HEADERS)
            warm_up(bare_server, bare.header_sets)
            load(bare, _warm_settings(profile), work_dir, "bare-warm")
            for name in chosen:
                instance = work_dir / name
                context = (backends.sqlite(instance) if name == "sqlite"
                           else backends.postgresql(instance, profile.tenants, gunicorn))
                print(f"{name}: creating {profile.tenants} tenants", flush=True)
                with context as backend:
                    backend_env = {**env, **backend.env}
                    header_sets = create_tenants(backend_env, profile.tenants, name)
                    results[name] = measure_platform(backend, backend_env, header_sets, bare,
                                                     gunicorn, profile, work_dir)

    meta = {"mode": mode,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "elapsed_seconds": round(time.monotonic() - started, 1),
            "machine": f"{cpus} CPUs, {psutil.virtual_memory().total // 2**30} GiB, "
                       f"Python {host.python_version()}, {host.system()} {host.release()}",
            "machine_cpus": cpus,
            "gunicorn": asdict(gunicorn), "load": asdict(profile.load),
            "tenants": profile.tenants, "logging": LOGGING}
    summary = report.summarise(meta, results)
    print()
    print(report.render(summary))
    print(f"\nwritten to {report.write_json(summary)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

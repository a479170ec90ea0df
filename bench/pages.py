"""Web pages benchmark (`make bench`): `.venv/bin/python bench/pages.py [--quick]`.

One tenant with 10,000 orders (``--quick``: 2,000) in every state of the lifecycle. In one
run, with the same gunicorn settings for both apps and the load generator in a separate
process, each page (the customer's vehicles, signed in as a customer with a few orders;
the intranet's work queue, signed in as an employee; both with the cookie session the
sign-in form set) is measured against a bare Flask app rendering, at the same path, a
template of exactly the bytes the platform answered, in interleaved rounds.

Prints each page's req/s, the bare page's, their ratio (target >= 0.3), the same per CPU
second, and where a page's time goes (the requests run in process under cProfile, by
library); writes ``bench/results/pages.json`` and ``bench/results/pages-profile-<reader>.pstats``.
Exits 0 whatever the figures.
"""
from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import platform as host
import pstats
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import psutil

import backends
from fixtures import setup_app
from measure import LoadSettings, Target, interleaved, load, warm_up
from pages_setup import create_dealership
from run import clean_environment
from server import Gunicorn, GunicornSettings

RESULTS = Path(__file__).resolve().parent / "results"
#: The pages measured: name → (who reads it, its path under the tenant's). Add a page here.
PAGES = {
    "customer: my vehicles": ("customer", "vehicles"),
    "intranet: work queue": ("employee", "orders"),
}
TARGET = 0.3
#: Library a function's file belongs to, by a part of its path (first match wins).
LIBRARIES = (("/sqlalchemy/", "SQLAlchemy"), ("sqlite3", "sqlite3"), ("/psycopg", "psycopg"),
             ("/jinja2/", "Jinja2 (templates)"), ("/markupsafe/", "Jinja2 (templates)"),
             ("/babel/", "Babel (dates, money, catalogs)"),
             ("/gettext", "Babel (dates, money, catalogs)"),
             ("/wtforms/", "WTForms / Flask-WTF"), ("/flask_wtf/", "WTForms / Flask-WTF"),
             ("/itsdangerous/", "itsdangerous (session cookie)"),
             ("/jwt/", "tokens (JWT)"), ("/cryptography/", "tokens (JWT)"),
             ("/logging/", "logging"), ("/pythonjsonlogger/", "logging"),
             ("/caas/logs.py", "logging"), ("/caas/", "caas code"), ("/caas_", "plugins"),
             ("/flask/", "Flask / Werkzeug"), ("/werkzeug/", "Flask / Werkzeug"))


@dataclass(frozen=True)
class Profile:
    orders: int
    load: LoadSettings
    warm_seconds: float
    profiled_requests: int


PROFILES = {
    "quick": Profile(orders=2_000, warm_seconds=1, profiled_requests=100, load=LoadSettings(
        duration=3, max_requests=50_000, connections=8, rounds=1)),
    "full": Profile(orders=10_000, warm_seconds=3, profiled_requests=300, load=LoadSettings(
        duration=8, max_requests=150_000, connections=8, rounds=3)),
}


def fetch(port: int, path: str, headers: dict) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()
    if answer.status != 200:
        raise RuntimeError(f"GET {path} answered {answer.status}")
    return body


def write_bare_pages(folder: Path, bodies: dict[str, bytes]) -> Path:
    """Each page's bytes as a template of its own (raw: the bare app renders them as they
    are), and the path → template index ``bare_page.py`` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for number, (path, body) in enumerate(bodies.items()):
        name = f"page-{number}.html"
        (folder / name).write_text("{% raw %}" + body.decode("utf-8") + "{% endraw %}",
                                   encoding="utf-8")
        index[path] = name
    (folder / "pages.json").write_text(json.dumps(index), encoding="utf-8")
    return folder / "pages.json"


def measure(platform_server: Gunicorn, bare_server: Gunicorn, paths: dict[str, str],
            cookies: dict, profile: Profile, database_cpu, work_dir: Path) -> dict:
    results = {}
    for name, (reader, _) in PAGES.items():
        headers, path = [cookies[reader]], paths[name]
        page = Target(platform_server, headers, database_cpu, path)
        bare = Target(bare_server, headers, None, path)
        for target in (page, bare):
            warm_up(target.server, headers, path=path)
            load(target, replace(profile.load, duration=profile.warm_seconds, rounds=1),
                 work_dir, f"warm-{reader}")
        print(f"  measuring {name} ({path})", flush=True)
        results[name] = interleaved({"bare": bare, "page": page}, profile.load, work_dir)
    return results


def where_time_goes(env: dict, paths: dict[str, str], cookies: dict, requests: int) -> dict:
    """Each page requested ``requests`` times in process (Flask's test client): ms per
    request, then again under cProfile: own time by library, and the platform's functions
    that take the most (cumulative)."""
    app = setup_app(env)
    breakdown = {}
    try:
        for name, (reader, _) in PAGES.items():
            client = app.test_client(use_cookies=False)  # (it would drop the Cookie header)
            headers, path = cookies[reader], paths[name]
            # Caches filled, as in a warm worker.
            if client.get(path, headers=headers).status_code != 200:
                raise RuntimeError(f"GET {path} in process did not answer 200")
            started = time.perf_counter()
            for _ in range(requests):
                client.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            profiler = cProfile.Profile()
            profiler.runcall(lambda: [client.get(path, headers=headers) for _ in range(requests)])
            stats = pstats.Stats(profiler)
            stats.dump_stats(RESULTS / f"pages-profile-{reader}.pstats")
            breakdown[name] = {"ms_per_request": round(1000 * elapsed / requests, 2),
                               "by_library": _by_library(stats),
                               "platform_functions": _top(stats)}
    finally:
        app.extensions["caas"].close()
    return breakdown


def _by_library(stats: pstats.Stats) -> dict[str, float]:
    """Share of the profiled time spent in each library's own code."""
    spent: Counter = Counter()
    for (file, _, _), (_, _, own, _, _) in stats.stats.items():
        library = next((label for part, label in LIBRARIES if part in file), "other (stdlib...)")
        spent[library] += own
    total = sum(spent.values()) or 1
    return {label: round(100 * seconds / total, 1) for label, seconds in spent.most_common()}


def _top(stats: pstats.Stats, count: int = 14) -> list[str]:
    """The platform's own functions by cumulative share of the profiled time."""
    total = max(cumulative for (_, _, _, cumulative, _) in stats.stats.values())
    rows = sorted(((cumulative, file, line, function)
                   for (file, line, function), (_, _, _, cumulative, _) in stats.stats.items()
                   if "/caas/" in file and "/templates/" not in file), reverse=True)
    return [f"{100 * cumulative / total:5.1f}%  {file.split('/caas/', 1)[1]}:{line} {function}"
            for cumulative, file, line, function in rows[:count]]


def render(summary: dict) -> str:
    lines = [f"CaaS web pages benchmark ({summary['mode']}, {summary['finished']}, "
             f"{summary['elapsed_seconds']:.0f}s)", f"machine:  {summary['machine']}",
             f"tenant:   {summary['orders']:,} orders; gunicorn {summary['gunicorn']} "
             "(same for both apps)",
             f"load:     {summary['load']['connections']} keep-alive connections, "
             f"{summary['load']['rounds']} interleaved round(s) of <= "
             f"{summary['load']['duration']}s; median round shown", "",
             f"{'page':<26}{'bytes':>8}{'req/s':>8}{'bare':>8}{'ratio':>7}{'target':>8}"
             f"{'result':>8}{'per cpu-s':>11}{'p50 ms':>8}{'other':>7}"]
    for name, run in summary["pages"].items():
        page, bare = run["page"], run["bare"]
        lines.append(f"{name:<26}{run['bytes']:>8}{page['rps']:>8.0f}{bare['rps']:>8.0f}"
                     f"{run['ratio']:>7.2f}{'>= ' + str(TARGET):>8}"
                     f"{'OK' if run['ratio'] >= TARGET else 'MISSED':>8}"
                     f"{run['ratio_per_cpu_second']:>11.2f}{page['p50_ms']:>8.2f}"
                     f"{page['other_cpu_percent']:>6.0f}%")
    lines.append("(bare: a Flask page rendering a template of the same bytes at the same path; "
                 "per cpu-s: the ratio of requests per CPU second of the servers; other: CPU "
                 "of processes outside the bench)")
    for name, profiled in summary["profile"].items():
        lines += ["", f"where the time goes, {name}: {profiled['ms_per_request']} ms per "
                      "request in process; under cProfile, own time by library:"]
        lines += [f"  {share:5.1f}%  {label}" for label, share in profiled["by_library"].items()
                  if share >= 1]
        lines += ["  the platform's functions, cumulative:"] + [
            f"  {row}" for row in profiled["platform_functions"]]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="2,000 orders, one short round (~2 minutes)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the embedded default (default) or PostgreSQL at 127.0.0.1:5432")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    profile, gunicorn, started = PROFILES[mode], GunicornSettings(), time.monotonic()
    env = clean_environment()
    env.update(CAAS_SECRET_KEY=secrets.token_hex(32), CAAS_TOKEN_TTL_SECONDS="7200")
    print(f"CaaS web pages bench ({mode}): {profile.orders:,} orders on {args.database}",
          flush=True)
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="caas-pagesbench-") as tmp:
        work_dir = Path(tmp)
        context = (backends.sqlite(work_dir / "instance") if args.database == "sqlite" else
                   backends.postgresql(work_dir / "instance", 1, gunicorn))
        with context as backend:
            env = {**env, **backend.env}
            dealership = create_dealership(env, profile.orders)
            paths = {name: f"/t/{dealership.slug}/{path}" for name, (_, path) in PAGES.items()}
            with Gunicorn("platform_app", env, gunicorn, work_dir / "platform.log") as server:
                bodies = {paths[name]: fetch(server.port, paths[name], dealership.cookies[reader])
                          for name, (reader, _) in PAGES.items()}
                index = write_bare_pages(work_dir / "bare", bodies)
                with Gunicorn("bare_page", {**env, "BENCH_PAGES": str(index)}, gunicorn,
                              work_dir / "bare.log") as bare_server:
                    if any(fetch(bare_server.port, path, {}) != body
                           for path, body in bodies.items()):
                        raise RuntimeError("the bare pages are not the platform's bytes")
                    runs = measure(server, bare_server, paths, dealership.cookies, profile,
                                   backend.database_cpu, work_dir)
            print("  profiling in process", flush=True)
            profiled = where_time_goes(env, paths, dealership.cookies,
                                       profile.profiled_requests)
    pages = {name: {**run, "bytes": len(bodies[paths[name]]),
                    "ratio": round(run["page"]["rps"] / run["bare"]["rps"], 3),
                    "ratio_per_cpu_second": round(run["page"]["requests_per_cpu_second"]
                                                  / run["bare"]["requests_per_cpu_second"], 3)}
             for name, run in runs.items()}
    summary = {"mode": mode, "database": args.database, "orders": profile.orders,
               "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "elapsed_seconds": round(time.monotonic() - started, 1),
               "machine": f"{psutil.cpu_count()} CPUs, Python {host.python_version()}",
               "gunicorn": asdict(gunicorn), "load": asdict(profile.load),
               "pages": pages, "profile": profiled}
    print()
    print(render(summary))
    (RESULTS / "pages.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwritten to {RESULTS / 'pages.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

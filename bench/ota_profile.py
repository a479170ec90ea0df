"""Where a worker's time goes: activations' jobs run one at a time in the bench process, under cProfile.

Not the measured figure (one thread, profiler overhead): a breakdown of one
activation's work, by job and by what the time is spent in, to read next to it.
The jobs are the real handlers (:func:`caas.entrypoints.worker.outbox.run`) against the same
databases, sandbox server and broker (the jobs they queue are sent to it, as a
worker would, and run here next), logging at the workers' level (INFO, JSON,
into a file).
"""
from __future__ import annotations

import cProfile
import logging
import pstats
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

import ota_setup as fleet_setup

#: The raw profile, for ``python -m pstats bench/results/ota-profile.pstats``.
PSTATS = Path(__file__).resolve().parent / "results" / "ota-profile.pstats"
# (what the code is, in order of precedence) -> category
_PATHS = (("/sqlalchemy/", "SQLAlchemy"), ("/psycopg", "psycopg (PostgreSQL driver)"),
          ("sqlite3", "sqlite3"), ("/httpx/", "httpx + httpcore + h11 (HTTP client)"),
          ("/httpcore/", "httpx + httpcore + h11 (HTTP client)"),
          ("/h11/", "httpx + httpcore + h11 (HTTP client)"),
          ("/pythonjsonlogger/", "logging (JSON)"), ("/logging/", "logging (JSON)"),
          ("/caas/logs.py", "logging (JSON)"),
          ("smtplib", "smtplib + email (SMTP client)"), ("/email/", "smtplib + email (SMTP client)"),
          ("/babel/", "Babel / translations"), ("flask_babel", "Babel / translations"),
          ("/dramatiq/", "dramatiq + redis client (enqueue)"),
          ("/redis/", "dramatiq + redis client (enqueue)"),
          ("/pybreaker", "pybreaker"), ("/tenacity/", "tenacity"),
          ("/caas/", "caas code"), ("/caas_", "plugins"),
          ("/flask/", "Flask / Werkzeug"), ("/werkzeug/", "Flask / Werkzeug"),
          ("/json/", "json"), ("/pluggy/", "pluggy"))
_STDLIB_IO = ("/socket.py", "/ssl.py", "/selectors.py", "/threading.py", "/http/client.py")


def _category(func: tuple) -> str | None:
    """The category of a profiled function; None for builtins and stdlib I/O (see callers)."""
    filename, _, name = func
    if filename == "~":
        if "psycopg" in name:
            return "psycopg (PostgreSQL driver)"
        if "sqlite3" in name:
            return "sqlite3"
        return None
    if any(part in filename for part in _STDLIB_IO):
        return None
    for part, category in _PATHS:
        if part in filename:
            return category
    return "other Python"


def breakdown(stats: pstats.Stats) -> dict[str, float]:
    """Exclusive seconds per category; builtins (socket waits...) go to their caller's."""
    table = stats.stats
    totals: dict[str, float] = defaultdict(float)

    def attribute(func, seconds: float, depth: int = 0) -> None:
        category = _category(func)
        if category is not None:
            totals[category] += seconds
            return
        callers = table.get(func, (0, 0, 0, 0, {}))[4]
        spent = sum(entry[2] for entry in callers.values()) if callers else 0
        if depth >= 4 or not spent:
            totals["builtins / stdlib I/O" if func[0] in ("~",) or depth >= 4
                   else "Python stdlib"] += seconds
            return
        for caller, entry in callers.items():
            attribute(caller, seconds * entry[2] / spent, depth + 1)

    for func, (_, _, own, _, _) in table.items():
        if own:
            attribute(func, own)
    return dict(totals)


@contextmanager
def _logging_like_a_worker(log_file: Path):
    """The platform's default level (INFO, JSON) like the workers, into ``log_file``."""
    from caas import logs
    level = logging.getLogger().level
    with open(log_file, "a") as stream:
        real, sys.stderr = sys.stderr, stream
        try:
            logs.configure("INFO", True)  # its handler writes to the stderr of the moment
        finally:
            sys.stderr = real
        try:
            yield
        finally:
            logs.configure(logging.getLevelName(level), True)


def run(app, platform, suffix: str, count: int, log_file: Path) -> dict:
    """``count`` purchases on a tenant of their own, then every job, inline and profiled."""
    from caas.adapters.sql import tables
    from caas.entrypoints.worker import outbox as job_runner
    from caas.tenancy import tenant_context

    slug = f"otabench-{suffix}-p"
    fleet = fleet_setup.create_fleet(platform, slug, count)
    dispatch, platform.dispatch = platform.dispatch, None  # activate jobs run below, not sent
    fleet_setup.purchase_all(platform, fleet, 1, "profile", progress_every=count)
    platform.dispatch = dispatch
    outbox = tables.outbox
    profiler = cProfile.Profile()
    wall: dict[str, float] = defaultdict(float)
    runs: Counter = Counter()
    errors: Counter = Counter()
    started = time.perf_counter()
    with app.app_context(), tenant_context(fleet.tenant), _logging_like_a_worker(log_file):
        while True:
            with platform.tenant_reader(slug) as conn:
                pending = conn.execute(sa.select(outbox.c.id, outbox.c.task)
                                       .where(outbox.c.processed_at.is_(None))
                                       .order_by(outbox.c.id)).all()
            if not pending:
                break
            for job in pending:
                began = time.perf_counter()
                profiler.enable()
                try:
                    job_runner.run(job.id)
                except Exception as exc:  # counted: an inline run has no broker retry
                    errors[f"{job.task}: {type(exc).__name__}"] += 1
                    with platform.tenant_uow(slug) as uow:  # do not run it again here
                        uow.outbox.give_up(job.id, {}, repr(exc))
                        uow.commit()
                finally:
                    profiler.disable()
                wall[job.task] += time.perf_counter() - began
                runs[job.task] += 1
    elapsed = time.perf_counter() - started
    PSTATS.parent.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(PSTATS)
    stats = pstats.Stats(profiler)
    categories = breakdown(stats)
    profiled = sum(categories.values())
    top = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:12]
    return {
        "activations": count, "seconds": round(elapsed, 2),
        "ms_per_activation": round(1000 * elapsed / count, 1),
        "jobs": dict(runs), "errors": dict(errors), "pstats": str(PSTATS),
        "ms_per_job": {task: round(1000 * wall[task] / runs[task], 2) for task in runs},
        "ms_per_activation_by_job": {task: round(1000 * wall[task] / count, 2) for task in runs},
        "share_by_category": {name: round(100 * seconds / profiled, 1) for name, seconds in
                              sorted(categories.items(), key=lambda kv: -kv[1])},
        "top_functions": [{"function": f"{func[0].split('site-packages/')[-1]}:{func[1]}"
                                       f"({func[2]})",
                           "calls": entry[1], "own_ms_per_activation":
                               round(1000 * entry[2] / count, 3)} for func, entry in top],
    }

"""Warming servers up and putting them under load from a separate process."""
from __future__ import annotations

import http.client
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import psutil

from client import Client
from server import BENCH_DIR, Gunicorn

PATH = "/api/v1/me"


@dataclass(frozen=True)
class LoadSettings:
    duration: float  # seconds per measured round (upper bound)
    max_requests: int  # per measured round (upper bound)
    connections: int  # concurrent keep-alive connections of the load generator
    rounds: int  # interleaved repetitions; the median round is reported


@dataclass(frozen=True)
class Target:
    """What to load: a server and the header sets (one per tenant) to cycle over."""

    server: Gunicorn
    header_sets: list[dict]
    database_cpu: Callable[[], float] | None = None  # cumulative CPU seconds of its database
    path: str = PATH  # what every request asks for


def warm_up(server: Gunicorn, header_sets: list[dict], timeout: float = 300.0,
            path: str = PATH) -> int:
    """Send every header set (i.e. every tenant) to every worker at least once.

    A keep-alive connection stays with the worker that accepted it, so each new
    connection learns its worker from the first answer and then covers what that
    worker still misses. Returns the number of requests sent.

    :raises RuntimeError: a request failed, or not all workers were reached in time.
    """
    missing = {pid: set(range(len(header_sets))) for pid in server.worker_pids()}
    deadline = time.monotonic() + timeout
    sent = 0
    while any(missing.values()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"warm-up incomplete after {timeout}s: "
                               f"{ {pid: len(m) for pid, m in missing.items()} } left per worker")
        client = Client(server.port)
        # Until we know the worker, ask for something some worker still misses.
        index = next(iter(set().union(*missing.values())))
        try:
            while True:
                status, pid = client.get(path, header_sets[index])
                sent += 1
                if status != 200:
                    raise RuntimeError(f"warm-up got HTTP {status} for header set {index}")
                remaining = missing.get(pid)
                if remaining is None:
                    raise RuntimeError(f"answer from unknown worker {pid}")
                remaining.discard(index)
                if not remaining:
                    break
                index = next(iter(remaining))
        except (OSError, http.client.HTTPException):
            pass  # the server closed the connection: open another one
        finally:
            client.close()
    return sent


def load(target: Target, settings: LoadSettings, work_dir: Path, label: str) -> dict:
    """One round of ``loadgen.py`` in its own process; adds where the machine's CPU went.

    ``other_cpu_percent`` is CPU used by neither the server, its database nor the
    load generator (other processes on a shared machine): high values mean a noisy
    round. ``requests_per_cpu_second`` (server plus database CPU) is less sensitive
    to such noise than req/s.
    """
    targets = work_dir / f"targets-{label}.json"
    targets.write_text(json.dumps({"path": target.path, "headers": target.header_sets}))
    command = [sys.executable, str(BENCH_DIR / "loadgen.py"), "--port", str(target.server.port),
               "--targets", str(targets), "--duration", str(settings.duration),
               "--max-requests", str(settings.max_requests),
               "--connections", str(settings.connections),
               "--workers", str(target.server.settings.workers)]
    database_cpu = target.database_cpu or (lambda: 0.0)
    server_before, machine_before = target.server.cpu_seconds(), _machine_busy_seconds()
    database_before = database_cpu()
    children_before, started = _children_cpu_seconds(), time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True,
                               timeout=settings.duration + 120)
    if completed.returncode:
        raise RuntimeError(f"loadgen failed ({completed.returncode}):\n{completed.stderr}")
    wall = time.perf_counter() - started
    server = target.server.cpu_seconds() - server_before
    database = database_cpu() - database_before
    loadgen = _children_cpu_seconds() - children_before
    other = _machine_busy_seconds() - machine_before - server - database - loadgen
    result = json.loads(completed.stdout)
    result["server_cpu_percent"] = round(100 * server / result["seconds"], 1)
    result["database_cpu_percent"] = (round(100 * database / result["seconds"], 1)
                                      if target.database_cpu else None)
    result["requests_per_cpu_second"] = round(result["ok"] / (server + database), 1)
    result["other_cpu_percent"] = round(max(0.0, 100 * other / wall), 1)
    result["tenants"] = len(target.header_sets)
    return result


def interleaved(targets: dict[str, Target], settings: LoadSettings, work_dir: Path) -> dict:
    """Measure each target ``settings.rounds`` times, alternating A B A B ...

    On a shared machine background load drifts; alternating exposes every target
    to it alike, and the median round (by req/s) discards an outlier. All rounds'
    req/s stay in ``rounds_rps``.
    """
    rounds = {name: [] for name in targets}
    for number in range(settings.rounds):
        for name, target in targets.items():
            rounds[name].append(load(target, settings, work_dir, f"{name}-{number}"))
    summary = {}
    for name, results in rounds.items():
        median = sorted(results, key=lambda r: r["rps"])[len(results) // 2]
        summary[name] = {**median, "rounds_rps": [r["rps"] for r in results]}
    return summary


def _machine_busy_seconds() -> float:
    # Explicit fields: "guest" is already inside "user", and "steal" is not ours.
    times = psutil.cpu_times()
    return sum(getattr(times, field, 0.0)
               for field in ("user", "nice", "system", "irq", "softirq"))


def _children_cpu_seconds() -> float:
    """CPU of this process's finished children: after ``subprocess.run``, the load generator."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

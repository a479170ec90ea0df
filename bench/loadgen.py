"""The load generator, run as its own process so its CPU is accounted apart from the server's.

Closed loop: ``--connections`` threads, each with one keep-alive connection,
send the next request as soon as the previous answer is in. The run stops at
``--duration`` seconds or ``--max-requests`` requests, whichever comes first.
Requests cycle over the header sets in ``--targets`` (one per tenant), each
thread starting at a different offset so load spreads evenly over tenants.

Which gunicorn worker accepts a connection is a race that one worker often wins
for most of them; so before the clock starts, connections are reopened until
each of the ``--workers`` workers holds the same number of them.

Prints one JSON object on stdout::

    python bench/loadgen.py --port 8000 --targets targets.json --duration 10 \
        --max-requests 100000 --connections 8 --workers 2
"""
from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections import Counter

from client import Client

PROBE_PATH = "/healthz"  # cheap and tenant-free: balancing must not warm any tenant
MAX_PROBES = 1000


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class ClosedLoop(threading.Thread):
    """One connection's closed loop; results stay thread-local until the end (no locking)."""

    def __init__(self, port, path, header_sets, offset, quota, start_gate, deadline_holder):
        super().__init__(daemon=True)
        self.client = Client(port)
        self.path = path
        self.header_sets = header_sets
        self.offset = offset
        self.quota = quota
        self.start_gate = start_gate
        self.deadline_holder = deadline_holder
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.by_worker: Counter[int] = Counter()

    def run(self):
        self.start_gate.wait()
        deadline = self.deadline_holder[0]
        count = len(self.header_sets)
        for sent in range(self.quota):
            started = time.perf_counter()
            if started >= deadline:
                break
            try:
                status, pid = self.client.get(self.path,
                                              self.header_sets[(self.offset + sent) % count])
            except Exception as exc:  # a failed request is a result, not a crash
                self.errors[type(exc).__name__] += 1
                continue
            self.latencies.append(time.perf_counter() - started)
            self.by_worker[pid or 0] += 1
            if status != 200:
                self.errors[f"HTTP {status}"] += 1
        self.client.close()


def balance(clients: list[Client], server_workers: int) -> None:
    """Reconnect ``clients`` until they are spread evenly over ``server_workers`` workers.

    :raises RuntimeError: the workers could not be balanced (one is stuck or gone).
    """
    share = -(-len(clients) // server_workers)  # ceiling: the most any worker may hold
    held: Counter[int] = Counter()
    for client in clients:
        for _ in range(MAX_PROBES):
            _, pid = client.get(PROBE_PATH, {})
            if held[pid] < share:
                held[pid] += 1
                break
            client.close()  # the next request opens a new connection, maybe to another worker
        else:
            raise RuntimeError(f"could not balance connections over workers: {dict(held)}")


def run(port: int, path: str, header_sets: list[dict], duration: float, max_requests: int,
        connections: int, server_workers: int) -> dict:
    """Drive the load and summarise it (latencies in milliseconds)."""
    gate = threading.Barrier(connections + 1)
    deadline_holder = [0.0]
    stride = max(1, len(header_sets) // connections)
    quota = max(1, max_requests // connections)
    loops = [ClosedLoop(port, path, header_sets, i * stride, quota, gate, deadline_holder)
             for i in range(connections)]
    balance([loop.client for loop in loops], server_workers)
    for loop in loops:
        loop.start()
    cpu_before = os.times()
    started = time.perf_counter()
    deadline_holder[0] = started + duration
    gate.wait()
    for loop in loops:
        loop.join()
    elapsed = time.perf_counter() - started
    cpu_after = os.times()

    latencies = sorted(x for loop in loops for x in loop.latencies)
    errors = sum((loop.errors for loop in loops), Counter())
    by_worker = sum((loop.by_worker for loop in loops), Counter())
    ok = len(latencies) - sum(v for k, v in errors.items() if k.startswith("HTTP"))
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {
        "requests": len(latencies),
        "ok": ok,
        "errors": dict(errors),
        "seconds": round(elapsed, 3),
        "rps": round(ok / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
        "by_worker": {str(pid): n for pid, n in sorted(by_worker.items())},
        "connections": connections,
        "loadgen_cpu_percent": round(100 * cpu / elapsed, 1),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--targets", required=True,
                        help='JSON file: {"path": "/...", "headers": [{...}, ...]}')
    parser.add_argument("--duration", type=float, required=True, help="seconds, upper bound")
    parser.add_argument("--max-requests", type=int, required=True, help="upper bound")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn workers to spread the connections over")
    args = parser.parse_args(argv)
    with open(args.targets) as file:
        targets = json.load(file)
    result = run(args.port, targets["path"], targets["headers"], args.duration,
                 args.max_requests, args.connections, args.workers)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

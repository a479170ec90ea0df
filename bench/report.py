"""The summary: figures, the three ratios against their targets, as a table and as JSON."""
from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"

# figure -> (description, target as printed, test)
TARGETS = {
    "me_vs_bare": ("/me 1 tenant vs bare Flask, req/s", ">= 0.50", lambda v: v >= 0.5),
    "many_vs_one": ("/me N tenants vs 1 tenant, req/s", ">= 0.90", lambda v: v >= 0.9),
    "kib_per_tenant": ("RSS per extra idle tenant, KiB", "< 1024", lambda v: v < 1024),
}
# Above this, the bare control moved enough between phases to question many_vs_one.
DRIFT_WARNING = 0.10


def figures(backend: dict, key: str = "rps") -> dict[str, float]:
    """The three headline figures of one backend; each ratio pairs runs of the same phase.

    :param key: ``"rps"`` for the targets; ``"requests_per_cpu_second"`` for the
        same ratios per CPU second of server (and database), less noise-prone.
    """
    return {
        "me_vs_bare": backend["one"][key] / backend["bare_one"][key],
        "many_vs_one": backend["many"][key] / backend["one"][key],
        "kib_per_tenant": backend["kib_per_tenant"],
    }


def summarise(meta: dict, backends: dict[str, dict]) -> dict:
    checks = []
    for name, backend in backends.items():
        per_cpu = figures(backend, "requests_per_cpu_second")
        for key, value in figures(backend).items():
            description, target, test = TARGETS[key]
            checks.append({"backend": name, "figure": key, "description": description,
                           "value": round(value, 3), "per_cpu_second": round(per_cpu[key], 3),
                           "target": target, "met": test(value)})
        backend["bare_drift"] = round(
            backend["bare_many"]["rps"] / backend["bare_one"]["rps"] - 1, 3)
    return {**meta, "backends": backends, "checks": checks}


def _percent(value: float | None) -> str:
    return f"{'-':>8}" if value is None else f"{value:>7.0f}%"


def _run_row(label: str, run: dict) -> str:
    errors = sum(run["errors"].values())
    return (f"{label:<38}{run['rps']:>7.0f}{run['p50_ms']:>8.2f}{run['p99_ms']:>8.2f}"
            f"{run['ok']:>7}{errors:>5}{_percent(run['server_cpu_percent'])}"
            f"{_percent(run['database_cpu_percent'])}{_percent(run['loadgen_cpu_percent'])}"
            f"{_percent(run['other_cpu_percent'])}{run['requests_per_cpu_second']:>11.0f}")


def render(summary: dict) -> str:
    load = summary["load"]
    lines = [f"CaaS foundation benchmark ({summary['mode']}, {summary['finished']}, "
             f"{summary['elapsed_seconds']:.0f}s)",
             f"machine:  {summary['machine']}",
             f"gunicorn: {summary['gunicorn']} (same for both apps)",
             f"load:     {load['connections']} keep-alive connections balanced over the workers, "
             f"{load['rounds']} interleaved round(s) of <= {load['duration']}s / "
             f"{load['max_requests']} requests; median round shown",
             f"logging:  {summary['logging']}", "",
             f"{'run':<38}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'ok':>7}{'err':>5}"
             f"{'server':>8}{'db':>8}{'loadgen':>8}{'other':>8}{'req/cpu-s':>11}"]
    for name, backend in summary["backends"].items():
        n = backend["many"]["tenants"]
        lines += [_run_row(f"{name}: bare Flask JSON (phase 1)", backend["bare_one"]),
                  _run_row(f"{name}: /me, 1 tenant", backend["one"]),
                  _run_row(f"{name}: bare Flask JSON (phase 2)", backend["bare_many"]),
                  _run_row(f"{name}: /me, {n} tenants", backend["many"])]
    lines += [f"(CPU in % of one core over the round, {summary['machine_cpus']} CPUs shared by "
              "all; db = PostgreSQL server; other = processes outside the bench; "
              "req/cpu-s = requests per CPU second of server + db)", "",
              f"{'memory: sum of worker RSS':<28}{'1 tenant':>12}{'N warmed':>12}"
              f"{'after load':>12}{'KiB/tenant':>12}"]
    for name, backend in summary["backends"].items():
        lines.append(f"{name:<28}{backend['rss_one_kib']:>8} KiB{backend['rss_many_kib']:>8} KiB"
                     f"{backend['rss_after_load_kib']:>8} KiB{backend['kib_per_tenant']:>12.1f}")
    lines += ["", f"{'backend':<12}{'figure':<36}{'value':>9}  {'target':<9}{'result':<8}"
                  f"{'per cpu-s':>9}"]
    for check in summary["checks"]:
        per_cpu = "" if check["figure"] == "kib_per_tenant" else f"{check['per_cpu_second']:>9.3f}"
        lines.append(f"{check['backend']:<12}{check['description']:<36}{check['value']:>9.3f}  "
                     f"{check['target']:<9}{'OK' if check['met'] else 'MISSED':<8}{per_cpu}")
    lines.append("(per cpu-s: the same ratio computed from req/cpu-s instead of req/s; "
                 "informative, not checked)")
    for name, backend in summary["backends"].items():
        drift = backend["bare_drift"]
        lines.append(f"note [{name}]: the bare control moved {drift:+.1%} from phase 1 to phase 2"
                     + (": background load changed, read the N/1 req/s ratio with care"
                        if abs(drift) > DRIFT_WARNING else ""))
        lines += [f"note [{name}]: {note}" for note in backend["notes"]]
    return "\n".join(lines)


def write_json(summary: dict, path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path

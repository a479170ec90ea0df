"""The OTA bench's summary: figures against their targets, as a table and as JSON."""
from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "ota.json"
CPU_COLUMNS = ("workers", "sandboxes", "redis", "postgresql", "bench", "other")


def summarise(meta: dict, results: dict) -> dict:
    checks = []
    if "throughput" in results:
        ratio = results["throughput"]["ratio"]
        checks.append({"figure": "throughput_ratio",
                       "description": "throughput: platform / no-op, activations/s",
                       "value": ratio, "target": ">= 0.50", "met": ratio >= 0.5})
    if "crash" in results:
        crash = results["crash"]
        for figure, description, value in (
                ("crash_anomalies", "crash: services with wrong money", crash["anomalies"]),
                ("crash_unfinished", "crash: services neither active nor failed",
                 sum(crash["other_statuses"].values()) + crash["purchased"] - crash["services"]),
                ("crash_messages_left", "crash: jobs left undone (outbox + broker)",
                 crash["messages_left"]),
                ("crash_abandoned", "crash: outbox jobs abandoned", crash["outbox"]["abandoned"]),
                ("crash_lost_successes", "crash: failed, yet the option is on the vehicle",
                 crash["failed_with_succeeded_command"]["still_on_vehicle"])):
            checks.append({"figure": figure, "description": description, "value": value,
                           "target": "= 0", "met": value == 0})
    return {**meta, **results, "checks": checks}


def _cpu(run: dict) -> str:
    cpu = run["cpu_percent"]
    return "".join(f"{cpu[name]:>7.0f}%" if name in cpu else f"{'-':>8}" for name in CPU_COLUMNS)


def _row(label: str, run: dict) -> str:
    return (f"{label:<24}{run['activations']:>7}{run['seconds']:>8.1f}"
            f"{run['activations_per_second']:>8.1f}{run['messages_per_second']:>8.0f}{_cpu(run)}")


def render(summary: dict) -> str:
    workers = summary["workers"]
    lines = [f"CaaS OTA benchmark ({summary['mode']}, {summary['finished']}, "
             f"{summary['elapsed_seconds']:.0f}s): {summary['command']}",
             f"machine:  {summary['machine']}",
             f"workers:  --processes {workers['processes']} --threads {workers['threads']} "
             "(same for `caas worker` and the no-op `dramatiq ota_noop`)",
             f"database: {summary['database']}; external systems: one `caas sandboxes serve` "
             "process (payments, IoT, VSS, factory, registration, SMTP)",
             f"logging:  {summary['logging']}"]
    if "throughput" in summary:
        t = summary["throughput"]
        plat = t["platform"]
        lines += ["", f"1. throughput: {t['purchases']} purchases ({t['vehicles']} vehicles x "
                      f"{len(t['options'])} options), bought before the workers start (not "
                      f"measured, {t['purchase_seconds']:.0f}s); IoT answering at once",
                  f"   {t['broker'][0]}; timed from sending the first message to the last "
                  "job done",
                  f"   an activation = {plat['messages'] / plat['activations']:g} messages "
                  f"(jobs in the tenant's outbox: {plat['jobs_by_task']}); the no-op "
                  "activation sends as many",
                  "",
                  f"{'run':<24}{'activ.':>7}{'sec':>8}{'activ/s':>8}{'msg/s':>8}"
                  + "".join(f"{name[:7]:>8}" for name in CPU_COLUMNS)]
        noop = t["noop_rounds"]
        half = len(noop) // 2
        for number, run in enumerate(noop[:half], 1):
            lines.append(_row(f"no-op (round {number})", run))
        lines.append(_row("platform", plat))
        for number, run in enumerate(noop[half:], half + 1):
            lines.append(_row(f"no-op (round {number})", run))
        lines += ["(CPU in % of one core over the run: workers = the dramatiq process group, "
                  "sandboxes = the sandbox server, bench = this process sending; other = the "
                  "rest of the machine)",
                  f"platform {plat['activations_per_second']:.1f} activations/s vs no-op "
                  f"{t['noop_activations_per_second']:.1f}/s (mean of {len(noop)} rounds: "
                  f"{', '.join(str(r['activations_per_second']) for r in noop)}) -> ratio "
                  f"{t['ratio']:.3f}",
                  f"platform: every service active after {plat['all_active_after_seconds']:.1f}s "
                  f"({plat['activations'] / plat['all_active_after_seconds']:.1f}/s), every "
                  f"payment captured or voided after {plat['all_paid_after_seconds']:.1f}s, every "
                  f"job done after {plat['seconds']:.1f}s (the figure: one FIFO queue, the "
                  "follow-up jobs wait behind the activations)",
                  f"per CPU: {plat['cpu_ms_per_activation']:.1f} CPU-ms per activation (workers + "
                  f"sandboxes + Redis + PostgreSQL) vs no-op "
                  f"{sum(r['cpu_ms_per_activation'] for r in noop) / len(noop):.2f} -> ratio "
                  f"{t['ratio_per_cpu']:.3f} (informative, less sensitive to other load)",
                  f"platform jobs claimed more than once: {plat['jobs_claimed_more_than_once']}"
                  f"{'; errors ' + str(plat['job_errors']) if plat['job_errors'] else ''}",
                  f"IoT commands {t['iot_commands']['by_status']}; emails received "
                  f"{t['emails_received']}; payments ledger {t['ledger']}"]
        if t.get("profile"):
            lines += _profile(t["profile"])
    if "crash" in summary:
        c = summary["crash"]
        lines += ["", f"2. crash check: {c['purchased']} purchases on {c['broker']} "
                      f"({c['broker_notes'][0]}), IoT failing {c['iot_failure_rate']:.0%} of "
                      f"commands, tenant OTA {c['ota']}, {c['env']}",
                  f"   `caas ota sweep --every 2` and `caas outbox relay --every 5 --older-than "
                  f"20` running throughout; every service settled after "
                  f"{c['seconds_to_settle']:.0f}s, outbox empty (or given up on) after "
                  f"{c['seconds_to_drain']:.0f}s"]
        for number, kill in enumerate(c["kills"], 1):
            lines.append(f"   kill -9 #{number}: worker group of {kill['processes']} processes at "
                         f"{kill['at_finished']}/{c['purchased']} finished ({kill['activating']} "
                         f"activating, {kill['outbox_jobs_open']} jobs open); restarted and "
                         f"ready {kill['restarted_after_seconds']}s later")
        lines += [f"   after the run: `caas ota sweep` -> {c['final_sweep']!r}; "
                  f"`caas outbox relay --older-than 0` -> {c['final_relay']!r}",
                  f"   services {c['services']}: active {c['active']} (one-time "
                  f"{c['active_one_time']}, monthly {c['active_monthly']}), failed {c['failed']}, "
                  f"other {c['other_statuses'] or 0}; ota_failed tickets {c['ota_failed_tickets']}",
                  f"   attempts per service {c['attempts']}; IoT commands "
                  f"{c['iot_commands']['by_status']}",
                  f"   payments ledger: authorizations {c['authorizations']}, captures "
                  f"{c['captures']}, voids {c['voids']}, refunds {c['refunds']}, settlements "
                  f"{c['settlements']}; settlement webhooks by HTTP status {c['webhooks']}",
                  f"   left in the broker (workers stopped): {c['broker_messages_left'] or 0}",
                  f"   outbox: unprocessed {c['outbox']['unprocessed']} "
                  f"{c['outbox']['unprocessed_by_task'] or ''}, abandoned "
                  f"{c['outbox']['abandoned']} {c['outbox'].get('abandoned_by_task') or ''}, "
                  f"claimed more than once {c['outbox']['claimed_more_than_once']}",
                  *[f"     {task}: {error}" for task, error in
                    c["outbox"].get("errors_by_task", {}).items()],
                  f"   jobs by task: {c['jobs_by_task']}",
                  f"   failed services with a succeeded activation command at the IoT API: "
                  f"{c['failed_with_succeeded_command']['count']} (option still on the vehicle: "
                  f"{c['failed_with_succeeded_command']['still_on_vehicle']}) "
                  f"{c['failed_with_succeeded_command']['services'] or ''}",
                  f"   anomalies: {c['anomalies']} {c['anomalies_by_kind'] or ''}"]
        for example in c["anomaly_examples"]:
            lines.append(f"     e.g. service {example['service']}: {'; '.join(example['problems'])}")
    lines += ["", f"{'figure':<48}{'value':>9}  {'target':<9}{'result'}"]
    for check in summary["checks"]:
        lines.append(f"{check['description']:<48}{check['value']:>9}  {check['target']:<9}"
                     f"{'OK' if check['met'] else 'MISSED'}")
    return "\n".join(lines)


def _profile(p: dict) -> list[str]:
    shares = ", ".join(f"{name} {share:.0f}%" for name, share in p["share_by_category"].items()
                       if share >= 1)
    jobs = ", ".join(f"{task} {ms:.1f}" for task, ms in
                     sorted(p["ms_per_activation_by_job"].items(), key=lambda kv: -kv[1]))
    lines = ["", f"   where the time goes: {p['activations']} more activations, their jobs run one "
                 f"at a time in the bench process under cProfile: {p['ms_per_activation']:.0f} ms "
                 "per activation (wall, with profiler overhead)",
             f"   ms per activation by job: {jobs}",
             f"   by what it is spent in (own time, socket waits given to their caller): {shares}",
             "   top functions by own time, ms per activation:"]
    lines += [f"     {f['own_ms_per_activation']:>7.2f}  {f['function']} ({f['calls']} calls)"
              for f in p["top_functions"][:8]]
    if p["errors"]:
        lines.append(f"   jobs that raised: {p['errors']}")
    return lines


def write_json(summary: dict, path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return path

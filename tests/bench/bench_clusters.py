"""Benchmark cluster backups against winsim: wall time and controller CPU for 1, 10 and 50 clusters.

    python tests/bench/bench_clusters.py --out docs/performance-clusters.md [--clusters 1 10 50] [--forks 50]

Each cluster is one controller, one worker and one Server UI node (embedded MongoDB), backed up in one
``backup_full.yml`` run: UI nodes stop, then workers, then each controller's dump window, then the starts in reverse.
Controller CPU is the user+system time of ansible-playbook and its workers (RUSAGE_CHILDREN); it includes winsim's own
Python for synchronous calls, so it is an upper bound. The node downtime is read from the hosts' journals (first
stop request to the last ``service_running``).

    python tests/bench/bench_clusters.py --out docs/performance-clusters.md --single-node --clusters 1 50 \
        --forks 10 --dump-seconds 20 --production-polls

``--single-node`` backs up single-node servers (a controller each) whose dump takes ``--dump-seconds``, and writes
only the section SECTION of ``--out`` (wall time, controller CPU, and how far apart the first and the last dump
window started, from the hosts' journals); ``--production-polls`` polls at the role's default interval (60 s cap)
instead of the tests' 0.2 s. A full run keeps that section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_backup import FAST_VARS, REPO, ansible_env, run  # noqa: E402

from winsim_engine.fleet import new_fleet  # noqa: E402

PLAYBOOK = "playbooks/backup_full.yml"
ROLES = ("controller", "worker1", "ui1")
SECTION = "## Dump windows and forks"


def node_downtime(host_root: Path) -> float:
    """Seconds between the node's first stop request and its service running again."""
    journal = [json.loads(line) for line in (host_root / "journal.jsonl").read_text().splitlines() if line]
    stop = next((e["t"] for e in journal if e.get("event") == "service_stop_pending"), None)
    start = [e["t"] for e in journal if e.get("event") == "service_running"]
    return (start[-1] - stop) if stop is not None and start else 0.0


def measure(base: Path, clusters: int, forks: int) -> dict:
    inventory = new_fleet(base, workers=1, ui=1, clusters=clusters)
    wall, cpu = run(inventory, PLAYBOOK, forks=forks)
    hosts = clusters * len(ROLES)
    prefix = (lambda c: "") if clusters == 1 else (lambda c: f"c{c}-")
    down = {role: [node_downtime(base / "hosts" / f"{prefix(c)}{role}") for c in range(1, clusters + 1)]
            for role in ROLES}
    return {"clusters": clusters, "hosts": hosts, "wall": wall, "cpu": cpu, "cpu_per_host": cpu / hosts,
            "down": {role: (statistics.median(values), max(values)) for role, values in down.items()}}


def dump_span(host_root: Path) -> tuple[float, float]:
    """When the host's emongodump started (AlteryxService.exe called with the verb) and ended, from its journal."""
    journal = [json.loads(line) for line in (host_root / "journal.jsonl").read_text().splitlines() if line]
    began = next(e["t"] for e in journal if e.get("event") == "alteryxservice_exe" and e.get("verb") == "emongodump")
    return began, next(e["t"] for e in journal if e.get("event") == "emongodump")


def run_vars(inventory: Path, forks: int, extra: dict) -> tuple[float, float]:
    """Wall and controller CPU of one backup_full.yml run with ``extra`` variables over the tests' fast ones."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "-f", str(forks),
           str(REPO / PLAYBOOK), "-e", json.dumps({**FAST_VARS, **extra})]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(), cwd=REPO)
    if proc.returncode:
        lines = proc.stdout.splitlines()
        first = next((n for n, line in enumerate(lines) if line.startswith(("fatal:", "failed:"))), len(lines))
        raise SystemExit("\n".join(lines[first:first + 40]) + "\n" + proc.stderr[-1500:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic() - started, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure_single(base: Path, hosts: int, forks: int, dump_seconds: float, extra: dict) -> dict:
    """One run over ``hosts`` single-node servers whose dump takes ``dump_seconds``.

    Returned keys: hosts, wall, cpu, spread (seconds between the first and the last dump window's start, from the
    journals) and overlap (every dump started before the first one ended)."""
    inventory = new_fleet(base, clusters=hosts)
    roots = sorted((base / "hosts").iterdir())
    for root in roots:
        state = json.loads((root / "state.json").read_text())
        state["mongo"]["dump_seconds"] = dump_seconds
        (root / "state.json").write_text(json.dumps(state))
    wall, cpu = run_vars(inventory, forks, extra)
    spans = [dump_span(r) for r in roots]
    starts, ends = [b for b, _ in spans], [e for _, e in spans]
    return {"hosts": hosts, "wall": wall, "cpu": cpu, "spread": max(starts) - min(starts),
            "overlap": max(starts) < min(ends)}


def single_node_section(args: argparse.Namespace, rows: list[dict]) -> list[str]:
    """The SECTION lines for a --single-node run."""
    polls = "the role's default (backoff to a 60 s cap)" if args.production_polls else \
        f"{FAST_VARS['alteryx_backup_poll_interval']} s"
    lines = [SECTION, "", "```",
             f"python tests/bench/bench_clusters.py --out {args.out} --single-node --clusters "
             f"{' '.join(str(c) for c in args.clusters)} --forks {args.forks} --dump-seconds {args.dump_seconds:g}"
             + (" --production-polls" if args.production_polls else ""), "```", "",
             f"Single-node servers, forks {args.forks}, simulated dump {args.dump_seconds:g} s, polls {polls}.", "",
             "| hosts | wall (s) | controller CPU (s) | first to last dump start (s) | all dumps overlap |",
             "|---|---|---|---|---|"]
    lines += [f"| {r['hosts']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['spread']:.1f} | {'yes' if r['overlap'] else 'no'} |"
              for r in rows]
    return lines + [""]


def kept_section(path: Path) -> list[str]:
    """SECTION of the existing report (through the end of the file), or [] when it has none."""
    lines = path.read_text().splitlines() if path.is_file() else []
    return lines[lines.index(SECTION):] if SECTION in lines else []


def write_section(path: Path, section: list[str]) -> None:
    """Replace SECTION of ``path`` (or append it) with ``section``."""
    lines = path.read_text().splitlines() if path.is_file() else []
    head = lines[:lines.index(SECTION)] if SECTION in lines else lines
    while head and not head[-1]:
        head.pop()
    path.write_text("\n".join(head + [""] + section))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/performance-clusters.md")
    parser.add_argument("--clusters", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--forks", type=int, default=50)
    parser.add_argument("--single-node", action="store_true", help="single-node servers; writes SECTION only")
    parser.add_argument("--dump-seconds", type=float, default=0.3)
    parser.add_argument("--production-polls", action="store_true",
                        help="poll at the role's default interval instead of the tests' 0.2 s")
    args = parser.parse_args()
    if args.single_node:
        extra = {"alteryx_backup_poll_interval": 60} if args.production_polls else {}
        with tempfile.TemporaryDirectory() as tmp:
            singles = []
            for count in args.clusters:
                singles.append(measure_single(Path(tmp) / f"s{count}", count, args.forks, args.dump_seconds, extra))
                print(f"{count} host(s): {singles[-1]}", flush=True)
        section = single_node_section(args, singles)
        write_section(Path(args.out), section)
        print("\n".join(section))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.clusters:
            rows.append(measure(Path(tmp) / f"c{count}", count, args.forks))
            print(f"{count} cluster(s): {rows[-1]['wall']:.1f} s wall, {rows[-1]['cpu']:.1f} s CPU", flush=True)
    clusters_text = " ".join(str(c) for c in args.clusters)
    lines = [
        "# Performance of cluster backups",
        "",
        "Full backups of clusters of three nodes (controller with embedded MongoDB, one worker, one Server UI node),",
        "all clusters in one `backup_full.yml` run, against winsim. Produced by:",
        "",
        "```",
        f"make bench-clusters   # python tests/bench/bench_clusters.py --out {args.out} --clusters {clusters_text} "
        f"--forks {args.forks}",
        "```",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; forks "
        f"{args.forks}; poll interval {FAST_VARS['alteryx_backup_poll_interval']} s; simulated service stop/start "
        "0.2 s each, dump 0.3 s.",
        "",
        "| clusters | nodes | wall (s) | controller CPU (s) | CPU per node (s) | UI node down, median / max (s) "
        "| worker down (s) | controller down (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        down = r["down"]
        lines.append(f"| {r['clusters']} | {r['hosts']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['cpu_per_host']:.2f} "
                     f"| {down['ui1'][0]:.1f} / {down['ui1'][1]:.1f} | {down['worker1'][0]:.1f} / {down['worker1'][1]:.1f} "
                     f"| {down['controller'][0]:.1f} / {down['controller'][1]:.1f} |")
    lines += [
        "",
        "Reading: the phases run in lockstep across the whole play (every cluster's UI nodes stop together, then",
        "every worker, then every controller's dump window), so clusters do not queue behind each other and each",
        "controller is down only for its own window. A Server UI node or worker, though, stays down from its stop",
        "phase to its start phase, and every phase waits for the slowest host of the whole play: on a 2-core",
        "controller running 150 nodes, CPU-bound, that is about a minute for a UI node against under 5 s for one",
        "cluster. Large fleets: give the controller more cores, or split the run (`serial`, or one job per group of",
        "clusters). The controller's dump window holds no fork while it runs: one task starts it, a later one awaits",
        "it (see the section below).",
        "",
    ] + kept_section(Path(args.out))
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

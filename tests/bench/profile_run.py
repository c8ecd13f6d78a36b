"""Where the controller's CPU goes in a backup: every ansible worker profiled, summed per task and per kind of work.

    python tests/bench/profile_run.py --clusters 10 [--playbook playbooks/backup_full.yml] [--top 40]

Runs the playbook against fresh simulated single-node clusters at production defaults with each worker (one task
on one host) under cProfile (worker_profile/sitecustomize.py), then prints per host: for each task, its time and
the Jinja templates it compiled; and over all tasks, time by kind (Jinja compiling, templating, module building,
plugin loading). cProfile measures wall time, so with more workers than cores every figure
is inflated alike: compare shares, not absolute values, with ``make bench``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_run import REPO, run_playbook  # noqa: E402

from winsim_engine.fleet import new_fleet  # noqa: E402

# (label, test on a profile key (file, line, function)); cumulative time of the matching functions.
KINDS = [
    ("Jinja compiling (a template is compiled each time a worker uses it)",
     lambda k: k[2] == "compile" and k[0].endswith("jinja2/environment.py")),
    ("templating, compiling included", lambda k: k[2] == "template" and k[0].endswith("_templating/_engine.py")),
    ("task attributes and arguments (post_validate)", lambda k: k[2] == "post_validate" and k[0].endswith("playbook/task.py")),
    ("conditionals (when)", lambda k: k[2] == "_resolve_conditional"),
    ("module payload building", lambda k: k[2] == "_configure_module"),
    ("plugin source loading", lambda k: k[2] == "_load_module_source"),
]
WINSIM = ("exec_command", "put_file", "fetch_file", "_engine")


def _seconds(stats: pstats.Stats, test) -> float:
    return sum(v[3] for k, v in stats.stats.items() if test(k))


def worker_seconds(stats: pstats.Stats) -> float:
    """Time in the worker that is neither sleeping (poll waits) nor the simulated host."""
    total = _seconds(stats, lambda k: k[2] == "_run" and k[0].endswith("worker.py"))
    sleep = _seconds(stats, lambda k: k[2] == "<built-in method time.sleep>")
    winsim = _seconds(stats, lambda k: k[0].endswith("connection/winsim.py") and k[2] in WINSIM)
    return total - sleep - winsim


def compiles(stats: pstats.Stats) -> int:
    return sum(v[1] for k, v in stats.stats.items() if k[2] == "compile" and k[0].endswith("jinja2/environment.py"))


def report(folder: Path, hosts: int, top: int) -> list[str]:
    per_task: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0, 0])
    everything: pstats.Stats | None = None
    for meta in folder.glob("*.json"):
        prof = meta.with_suffix(".prof")
        if not prof.is_file() or not prof.stat().st_size:
            continue  # a detached job forked from a worker
        stats = pstats.Stats(str(prof))
        name = json.loads(meta.read_text())["task"]
        row = per_task[name]
        row[0] += worker_seconds(stats)
        row[1] += compiles(stats)
        row[2] += 1
        if everything is None:
            everything = stats
        else:
            everything.add(str(prof))
    lines = [f"{'ms/host':>8} {'compiles/host':>13} {'workers':>7}  task"]
    for name, (seconds, count, workers) in sorted(per_task.items(), key=lambda item: -item[1][0])[:top]:
        lines.append(f"{seconds / hosts * 1000:8.0f} {count / hosts:13.1f} {workers:7d}  {name}")
    total = sum(row[0] for row in per_task.values())
    lines += ["", f"{total / hosts * 1000:8.0f} ms per host in all workers (profiled), "
                  f"{sum(row[1] for row in per_task.values()) / hosts:.0f} templates compiled per host", ""]
    if everything is not None:
        for label, test in KINDS:
            share = _seconds(everything, test)
            lines.append(f"{share / hosts * 1000:8.0f} ms/host {share / total * 100:5.1f} %  {label}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--playbook", default="playbooks/backup_full.yml")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--keep", help="keep the profiles in this folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="profile_run_"))
    folder = Path(args.keep) if args.keep else work / "profiles"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["ANSIBLE_WORKER_PROFILE"] = str(folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent / "worker_profile"), *filter(None, [os.environ.get("PYTHONPATH")])])
    try:
        inventory = new_fleet(work / "fleet", clusters=args.clusters)
        cost = run_playbook(inventory, REPO / args.playbook, forks=args.forks)
        print(f"{args.playbook}, {args.clusters} cluster(s), forks={args.forks}: {cost.wall:.1f} s wall, "
              f"{cost.cpu:.1f} s CPU under the profiler\n")
        print("\n".join(report(folder, args.clusters, args.top)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

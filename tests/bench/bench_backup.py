"""Benchmark Full backups against winsim at production defaults, next to the floor ansible-core itself sets.

    python tests/bench/bench_backup.py --out docs/performance.md [--clusters 1 10 50] [--forks 10]
        [--collections 0 1000 10000] [--dump-seconds 20] [--no-modes]

Measures (issue 13), every run at the role's production defaults (poll cap ``alteryx_backup_poll_interval`` as the
role sets it, no test speed-ups):

* for 1, 10 and 50 single-node clusters at ``--forks``: wall time and controller CPU per host of
  ``backup_full.yml``, and of the floor playbook (``_bench_floor.py``: the same number of trivial module calls and
  async polls against fresh hosts of the same kind);
* polls of a dump lasting ``--dump-seconds`` (counted in the host's journal) and of a one-hour dump (computed with
  ``_poll.polls_for``: winsim cannot fake an hour);
* bytes the host receives per Full (the winsim connection journals every command's and file's size);
* controller CPU of a Full at 0, 1,000 and 10,000 extra MongoDB collections (winsim knob
  ``state.mongo.extra_collections``).

Controller CPU is ansible-playbook and its workers (``_bench_run.py``); the part winsim spends inside the workers is
logged by its connection and shown apart, so the ratios can be read without the simulated host.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bench_floor import floor_playbook, with_role_validation  # noqa: E402
from _bench_journal import HostRun, host_run  # noqa: E402
from _bench_retry import attempt  # noqa: E402
from _bench_run import REPO, RunCost, cpu_count, run_playbook, set_mongo  # noqa: E402

# FAST_VARS, REPO, ansible_env and run() are what bench_clusters.py takes from here.
from conftest import FAST_VARS, ansible_env  # noqa: E402, F401  (tests/integration, on the path through _bench_run)

from winsim_engine.fleet import new_fleet  # noqa: E402

sys.path.insert(0, str(REPO / ".build" / "collections"))
from ansible_collections.alteryx.server.plugins.plugin_utils._poll import polls_for  # noqa: E402

PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "DatabaseOnly": "playbooks/backup_database.yml",
             "ConfigOnly": "playbooks/backup_config.yml"}
FULL = REPO / PLAYBOOKS["Full"]
TARGETS = {"cpu_ratio": 1.15, "wall_ratio": 2.0, "polls_20s": 10, "polls_1h": 70, "bytes": 1_000_000,
           "collections_ratio": 2.0}


def run(inventory: Path, playbook: str, forks: int = 5) -> tuple[float, float]:
    """(wall, controller CPU) of ``playbook`` with the integration tests' fast settings (bench_clusters.py)."""
    cost = run_playbook(inventory, REPO / playbook, forks=forks, extra=FAST_VARS)
    return cost.wall, cost.cpu


def poll_cap() -> float:
    """The role's default poll cap (``alteryx_backup_poll_interval``)."""
    defaults = yaml.safe_load((REPO / "roles" / "backup" / "defaults" / "main.yml").read_text())
    return float(defaults["alteryx_backup_poll_interval"])


def host_names(clusters: int) -> list[str]:
    return ["controller"] if clusters == 1 else [f"c{c}-controller" for c in range(1, clusters + 1)]


def fleet_point(base: Path, clusters: int, forks: int) -> dict:
    """Full backup of ``clusters`` single-node clusters, then the floor with the same host calls on fresh hosts."""
    shutil.rmtree(base, ignore_errors=True)  # a repeated attempt starts from fresh hosts
    inventory = new_fleet(base / "backup", clusters=clusters)
    cost = run_playbook(inventory, FULL, forks=forks)
    runs = [host_run(base / "backup" / "hosts" / name) for name in host_names(clusters)]
    floor_inventory = new_fleet(base / "floor", clusters=clusters)
    floor_cost = run_playbook(floor_inventory, floor_playbook(runs[0], base / "floor.yml"), forks=forks)
    floor_runs = [host_run(base / "floor" / "hosts" / name) for name in host_names(clusters)]
    print(f"{clusters} cluster(s): backup {cost.wall:.1f} s wall, {cost.cpu:.1f} s CPU; floor {floor_cost.wall:.1f} s, "
          f"{floor_cost.cpu:.1f} s CPU", flush=True)
    return {"clusters": clusters, "cost": cost, "floor": floor_cost, "runs": runs, "floor_runs": floor_runs}


def validation_floor_point(base: Path, clusters: int, forks: int, shape: HostRun) -> RunCost:
    """The floor with the role's argument validation in front, on fresh hosts: the least any role can cost."""
    shutil.rmtree(base, ignore_errors=True)
    inventory = new_fleet(base / "fleet", clusters=clusters)
    playbook = with_role_validation(floor_playbook(shape, base / "floor.yml"), base / "floor_validated.yml", REPO)
    cost = run_playbook(inventory, playbook, forks=forks)
    print(f"{clusters} cluster(s): floor with the role's argument validation {cost.cpu:.1f} s CPU", flush=True)
    return cost


def long_dump_point(base: Path, clusters: int, forks: int, seconds: float) -> RunCost:
    """Full backup of ``clusters`` single-node clusters whose dumps each last ``seconds``: what the fleet's wall time
    is about (a dump holding a fork slot would make the fleet dump in waves)."""
    shutil.rmtree(base, ignore_errors=True)
    inventory = new_fleet(base, clusters=clusters)
    for name in host_names(clusters):
        set_mongo(base / "hosts" / name, dump_seconds=seconds)
    cost = run_playbook(inventory, FULL, forks=forks)
    print(f"{clusters} cluster(s), {seconds:g} s dumps: {cost.wall:.1f} s wall", flush=True)
    return cost


def cpu_bound_ratio(fleet: list[dict]) -> float:
    """The least wall ratio last/first point this machine allows: the last run's CPU spread over every core."""
    return fleet[-1]["cost"].cpu / cpu_count() / fleet[0]["cost"].wall


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def per_host(cost: RunCost, hosts: int) -> tuple[float, float, float]:
    """(CPU, winsim's part, CPU without winsim) per host."""
    return cost.cpu / hosts, cost.winsim_cpu / hosts, cost.cpu_without_winsim / hosts


def dump_point(base: Path, seconds: float) -> HostRun:
    """One Full whose emongodump lasts ``seconds``; its journal tells how often the dump job was polled."""
    shutil.rmtree(base, ignore_errors=True)
    inventory = new_fleet(base)
    set_mongo(base / "hosts" / "controller", dump_seconds=seconds)
    run_playbook(inventory, FULL, forks=5)
    return host_run(base / "hosts" / "controller")


def collections_point(base: Path, extra: int) -> tuple[RunCost, HostRun]:
    shutil.rmtree(base, ignore_errors=True)
    inventory = new_fleet(base)
    set_mongo(base / "hosts" / "controller", extra_collections=extra)
    cost = run_playbook(inventory, FULL, forks=5)
    print(f"{extra} extra collections: {cost.wall:.1f} s wall, {cost.cpu:.2f} s CPU", flush=True)
    return cost, host_run(base / "hosts" / "controller")


def mode_point(base: Path, mode: str) -> tuple[RunCost, HostRun]:
    shutil.rmtree(base, ignore_errors=True)
    inventory = new_fleet(base)
    cost = run_playbook(inventory, REPO / PLAYBOOKS[mode], forks=5)
    return cost, host_run(base / "hosts" / "controller")


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(args: argparse.Namespace, fleet: list[dict], dump: HostRun | None, collections: list, modes: list,
           kept: str, extras: dict | None = None) -> list[str]:
    extras = extras or {}
    cap = poll_cap()
    command = (f"python tests/bench/bench_backup.py --out {args.out} --clusters {' '.join(map(str, args.clusters))} "
               f"--forks {args.forks} --collections {' '.join(map(str, args.collections))} "
               f"--dump-seconds {args.dump_seconds:g} --fleet-dump-seconds {args.fleet_dump_seconds:g}"
               + (" --no-modes" if args.no_modes else ""))
    lines = [
        "# Performance",
        "",
        "Measured against winsim (simulated hosts; a real WinRM round trip costs about 1-3 s, so multiply the",
        "call counts by that for a real host), at the role's production defaults: poll cap",
        f"`alteryx_backup_poll_interval` = {cap:g} s, copy retry delay as shipped, no test speed-ups. Produced by:",
        "",
        "```",
        f"make bench   # {command}",
        "```",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE') or 'unset'}. Numbers are from one "
        "run each on a shared machine: expect +-10-15 % on CPU figures between runs.",
        "",
        "How to read the CPU columns: *controller CPU* is ansible-playbook and all its workers (user+system, from the",
        "resource usage of the processes it waited for). winsim's connection runs inside those workers; it logs what it",
        "spends there (its import and each call, `WINSIM_CPU_LOG`), shown as *winsim*, and *without winsim* is the",
        "difference - what a real controller would spend. Detached async jobs are not in either figure (a real host",
        "runs them).",
        "",
    ]
    if fleet:
        lines += _fleet_section(args, fleet, extras)
    if dump is not None or fleet:
        lines += _polls_section(args, dump, cap)
    if fleet:
        lines += _bytes_section(fleet[0]["runs"][0])
    if collections:
        lines += _collections_section(collections)
    lines += _targets_section(args, fleet, dump, collections, cap, extras)
    if modes:
        lines += _modes_section(modes)
    if kept:
        lines += [kept.rstrip(), ""]
    lines += [
        "## Elsewhere",
        "",
        "- Clusters: wall time, controller CPU and node downtime for 1, 10 and 50 three-node clusters in one run -",
        "  [performance-clusters.md](performance-clusters.md) (`make bench-clusters`).",
        "- Offline verification throughput against `sha256sum` - [verify.md](verify.md) (`make bench-verify`)"
        + _verify_throughput() + ".",
        "- Unit costs of a task by kind - `python tests/bench/bench_task_costs.py`; every ansible worker under cProfile,",
        "  per task - `make bench-profile`.",
        "- Profiling winsim itself: `WINSIM_PROFILE=<folder>` makes its connection write one cProfile file per worker",
        "  (`python -m pstats <folder>/<pid>.prof`) and the CPU log (`<folder>/cpu.jsonl`); docs/winsim.md.",
        "",
    ]
    return lines


def _verify_throughput() -> str:
    """The last measured verify / sha256sum figure from docs/verify.md (written by bench_verify.py), or ''."""
    try:
        text = (REPO / "docs" / "verify.md").read_text(encoding="utf-8")
    except OSError:
        return ""
    line = next((row for row in text.splitlines() if "verify / sha256sum throughput" in row), "")
    archive = next((row for row in text.splitlines() if row.startswith("- archive: ")), "")
    return f": {line.split(': ', 1)[1]} on a {archive[len('- archive: '):].split(' (')[0]} archive" if line else ""


def _fleet_section(args: argparse.Namespace, fleet: list[dict], extras: dict) -> list[str]:
    lines = [
        f"## Fleet: Full backup of single-node clusters, forks={args.forks}, against the floor",
        "",
        "Each cluster is one controller with embedded MongoDB (single-node clusters: the three-node case is",
        "`make bench-clusters`). The floor (`tests/bench/_bench_floor.py`, generated per run) makes the same host calls",
        "as the backup did on one of its hosts - one `win_powershell` task per plain module call (winsim's trivial echo",
        "script), and per async job one detached start, one `async_status` task looping once per poll the job had and",
        "its cleanup - against fresh hosts of the same fleet size, and nothing else.",
        "",
        "| clusters | wall (s) | floor wall (s) | controller CPU per host (s) | winsim | without winsim "
        "| floor CPU per host (s) | floor without winsim | ratio | ratio without winsim | calls / polls per host "
        "| floor calls / polls |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for point in fleet:
        hosts = point["clusters"]
        cpu, sim, own = per_host(point["cost"], hosts)
        fcpu, _fsim, fown = per_host(point["floor"], hosts)
        runs, floor_runs = point["runs"], point["floor_runs"]
        lines.append(
            f"| {hosts} | {point['cost'].wall:.1f} | {point['floor'].wall:.1f} | {cpu:.2f} | {sim:.2f} | {own:.2f} "
            f"| {fcpu:.2f} | {fown:.2f} | {cpu / fcpu:.2f}x | {own / fown:.2f}x "
            f"| {mean([r.calls for r in runs]):.0f} / {mean([r.polls + r.cleanups for r in runs]):.1f} "
            f"| {mean([r.calls for r in floor_runs]):.0f} / {mean([r.polls + r.cleanups for r in floor_runs]):.1f} |")
    first, last = fleet[0], fleet[-1]
    lines += [
        "",
        f"Fleet wall {last['clusters']} clusters / {first['clusters']}: "
        f"{last['cost'].wall / first['cost'].wall:.2f} (floor: {last['floor'].wall / first['floor'].wall:.2f}). "
        f"On {cpu_count()} cores the {last['clusters']}-cluster run's controller CPU alone takes "
        f"{last['cost'].cpu / cpu_count():.0f} s, so on this machine the ratio cannot fall below "
        f"{cpu_bound_ratio(fleet):.1f} however the hosts are scheduled; the floor is bound the same way.",
        "Calls count every module call but the polls; polls count `async_status` status and cleanup calls.",
        "",
    ]
    if extras.get("validated"):
        hosts = last["clusters"]
        vown, fown = per_host(extras["validated"], hosts)[2], per_host(last["floor"], hosts)[2]
        lines += [
            "**The floor with the role's argument validation.** ansible-core runs a role's `meta/argument_specs.yml`",
            "as a task of its own on every host before the role (`validate_argument_spec`, every role variable",
            "templated and checked). The same floor with that one task in front "
            f"(`_bench_floor.with_role_validation`, {hosts} clusters): {vown:.2f} s CPU per host without winsim, "
            f"{vown / fown:.2f}x the floor - the least any role with this spec can cost.",
            "",
        ]
    if extras.get("long_dumps"):
        (n1, c1), (n2, c2) = extras["long_dumps"][0], extras["long_dumps"][-1]
        lines += [
            f"**Wall time when dumps take time** (every controller's dump lasts {args.fleet_dump_seconds:g} s, "
            f"forks={args.forks}): {n1} cluster(s) {c1.wall:.1f} s, {n2} clusters {c2.wall:.1f} s: "
            f"{c2.wall / c1.wall:.2f}. The dumps run side by side whatever `forks` is (one task starts every "
            "window, the next waits), so the fleet pays one dump plus the controller CPU of its hosts.",
            "",
        ]
    return lines


def _polls_section(args: argparse.Namespace, dump: HostRun | None, cap: float) -> list[str]:
    measured = "not measured" if dump is None or dump.dump_polls is None else str(dump.dump_polls)
    return [
        "## Polls per dump",
        "",
        f"- {args.dump_seconds:g} s dump (winsim `dump_seconds`), counted in the host's journal: {measured} status "
        f"polls of the dump job (computed by `_poll.polls_for`: {polls_for(args.dump_seconds, cap)}).",
        f"- 1-hour dump: {polls_for(3600, cap)} polls, computed with `_poll.polls_for(3600, {cap:g})` - winsim cannot",
        "  fake an hour (its jobs sleep in real time), so this one is not counted from a journal.",
        "",
    ]


def _bytes_section(run: HostRun) -> list[str]:
    return [
        "## Bytes sent per host",
        "",
        f"A Full on one node sends the host {run.bytes_received:,} bytes ({run.bytes_received / 1e6:.2f} MB) in "
        f"{run.calls} module calls and {run.polls + run.cleanups} polls, counted by the winsim connection (command",
        "line plus stdin of every command, size of every file put). Nearly all of it is ansible-core's PowerShell",
        "exec wrapper and module_utils that every module call carries, not the collection's arguments.",
        "",
    ]


def _collections_section(collections: list) -> list[str]:
    base = collections[0][1].cpu_without_winsim
    lines = [
        "## Cost as the dump grows",
        "",
        "One node, Full, with N extra MongoDB collections (one small document each) besides the 10 seeded ones.",
        "",
        "| extra collections | wall (s) | controller CPU (s) | winsim | without winsim | vs. the first row |",
        "|---|---|---|---|---|---|",
    ]
    for extra, cost, _run in collections:
        lines.append(f"| {extra:,} | {cost.wall:.1f} | {cost.cpu:.2f} | {cost.winsim_cpu:.2f} "
                     f"| {cost.cpu_without_winsim:.2f} | {cost.cpu_without_winsim / base:.2f}x |")
    return lines + [""]


def _targets_section(args: argparse.Namespace, fleet: list[dict], dump: HostRun | None, collections: list,
                     cap: float, extras: dict | None = None) -> list[str]:
    extras = extras or {}
    rows = []
    if fleet:
        last = fleet[-1]
        hosts = last["clusters"]
        own, fown = per_host(last["cost"], hosts)[2], per_host(last["floor"], hosts)[2]
        raw = (last["cost"].cpu / hosts) / (last["floor"].cpu / hosts)
        least = ""
        if extras.get("validated"):
            least = (f"; the floor with the role's argument validation alone: "
                     f"{per_host(extras['validated'], hosts)[2] / fown:.2f}x")
        rows.append(f"| CPU per host <= {TARGETS['cpu_ratio']}x the floor at {hosts} clusters | {own / fown:.2f}x "
                    f"without winsim ({raw:.2f}x with it{least}) | {verdict(own / fown <= TARGETS['cpu_ratio'])} |")
        wall = last["cost"].wall / fleet[0]["cost"].wall
        instant = (f"instant dumps: {wall:.2f} (CPU-bound minimum on this machine: {cpu_bound_ratio(fleet):.1f})")
        if extras.get("long_dumps"):
            (_n1, c1), (_n2, c2) = extras["long_dumps"][0], extras["long_dumps"][-1]
            wall = c2.wall / c1.wall
            instant = f"{wall:.2f} with {args.fleet_dump_seconds:g} s dumps; " + instant
        rows.append(f"| fleet wall {hosts} / {fleet[0]['clusters']} cluster(s) <= {TARGETS['wall_ratio']} at "
                    f"forks={args.forks} | {instant} | {verdict(wall <= TARGETS['wall_ratio'])} |")
        sent = fleet[0]["runs"][0].bytes_received
        rows.append(f"| <= 1 MB sent per host per Full | {sent / 1e6:.2f} MB | {verdict(sent <= TARGETS['bytes'])} |")
    if dump is not None and dump.dump_polls is not None:
        rows.append(f"| <= {TARGETS['polls_20s']} polls for a {args.dump_seconds:g} s dump | {dump.dump_polls} "
                    f"| {verdict(dump.dump_polls <= TARGETS['polls_20s'])} |")
    hour = polls_for(3600, cap)
    rows.append(f"| <= {TARGETS['polls_1h']} polls for a 1-hour dump | {hour} (computed) "
                f"| {verdict(hour <= TARGETS['polls_1h'])} |")
    if len(collections) > 1:
        first, last_point = collections[0], collections[-1]
        ratio = last_point[1].cpu_without_winsim / first[1].cpu_without_winsim
        rows.append(f"| CPU at {last_point[0]:,} collections <= {TARGETS['collections_ratio']}x CPU at {first[0]:,} "
                    f"| {ratio:.2f}x without winsim ({last_point[1].cpu / first[1].cpu:.2f}x with it) "
                    f"| {verdict(ratio <= TARGETS['collections_ratio'])} |")
    return ["## Targets (issue 13)", "", "| target | measured | |", "|---|---|---|", *rows,
            "", "The verdicts use the figures without winsim: a real controller does not run the simulated host.", ""]


def _modes_section(modes: list) -> list[str]:
    lines = [
        "## One node, per mode",
        "",
        "| mode | module calls (polls apart) | async polls | calls inside the downtime window | service down (s) "
        "| wall (s) | controller CPU (s) | without winsim (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for mode, cost, run in modes:
        lines.append(f"| {mode} | {run.calls} | {run.polls + run.cleanups} | {run.inside_window} | {run.downtime:.2f} "
                     f"| {cost.wall:.1f} | {cost.cpu:.2f} | {cost.cpu_without_winsim:.2f} |")
    return lines + ["", "Target (issue 3): Full <= 15 module calls per host, nothing but the dump inside the window.", ""]


def kept_sections(path: Path, titles: tuple[str, ...] = (
        "## Where the controller's CPU goes, and what the targets would take", "## Output size")) -> str:
    """Hand-written sections of the current file to carry over (the CPU analysis, the figures of bench_output.py)."""
    if not path.is_file():
        return ""
    text, kept = path.read_text(), []
    for title in titles:
        start = text.find(title + "\n")
        if start >= 0:
            end = text.find("\n## ", start + len(title))
            kept.append(text[start:end if end >= 0 else len(text)].rstrip() + "\n")
    return "\n".join(kept)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/performance.md")
    parser.add_argument("--clusters", type=int, nargs="*", default=[1, 10, 50])
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--collections", type=int, nargs="*", default=[0, 1000, 10000])
    parser.add_argument("--dump-seconds", type=float, default=20.0)
    parser.add_argument("--fleet-dump-seconds", type=float, default=20.0,
                        help="measure the fleet's wall time again with every dump lasting this long (0: skip)")
    parser.add_argument("--no-modes", action="store_true", help="skip the one-node table of the three modes")
    parser.add_argument("--retries", type=int, default=1,
                        help="measure a point again (on fresh hosts) when its run fails, this many times")
    args = parser.parse_args()
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="bench_backup_") as tmp:
        work = Path(tmp)
        retries = args.retries
        fleet = [attempt(f"{n} cluster(s)", lambda n=n: fleet_point(work / f"fleet{n}", n, args.forks), retries)
                 for n in args.clusters]
        extras = {}
        if fleet:
            last = fleet[-1]
            extras["validated"] = attempt("validation floor", lambda: validation_floor_point(
                work / "validated", last["clusters"], args.forks, last["runs"][0]), retries)
        if fleet and args.fleet_dump_seconds > 0:
            extras["long_dumps"] = [(n, attempt(f"{n} cluster(s) with long dumps", lambda n=n: long_dump_point(
                work / f"long{n}", n, args.forks, args.fleet_dump_seconds), retries))
                for n in dict.fromkeys([args.clusters[0], args.clusters[-1]])]
        dump = (attempt("dump", lambda: dump_point(work / "dump", args.dump_seconds), retries)
                if args.dump_seconds > 0 else None)
        collections = [(n, *attempt(f"{n} collections", lambda n=n: collections_point(work / f"collections{n}", n),
                                    retries)) for n in args.collections]
        modes = [] if args.no_modes else [
            (mode, *attempt(mode, lambda mode=mode: mode_point(work / mode, mode), retries)) for mode in PLAYBOOKS]
    lines = render(args, fleet, dump, collections, modes, kept_sections(out), extras)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

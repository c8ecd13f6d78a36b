"""What one task costs the controller per host, by kind: the unit costs behind docs/performance.md's CPU figures.

    python tests/bench/bench_task_costs.py [--hosts 10] [--tasks 10]

Each kind is a play of ``--tasks`` identical tasks against ``--hosts`` fresh simulated hosts at forks 10; the cost
of a task is the run's controller CPU without winsim, less the same run with no task, divided by tasks x hosts:

- a plain ``win_powershell`` call (the floor's unit), one of this collection's action steps with one host call
  (``alteryx_facts``), a task skipped by a literal ``when: false``, one skipped by a templated condition, and a
  ``set_fact``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench_run import run_playbook  # noqa: E402

from winsim_engine.fleet import new_fleet  # noqa: E402

KINDS = {
    "win_powershell call (the floor's unit)": {"ansible.windows.win_powershell": {"script": "# winsim: echo\n"}},
    "alteryx_facts (an action step with one host call)": {"alteryx.server.alteryx_facts": {}},
    "skipped, when: false": {"ansible.builtin.debug": {"msg": "x"}, "when": "false"},
    "skipped, templated condition": {"ansible.builtin.debug": {"msg": "x"},
                                     "when": "hostvars[inventory_hostname].get('alteryx_x', {}).get('y') == 'z'"},
    "set_fact": {"ansible.builtin.set_fact": {"alteryx_bench_fact": "{{ inventory_hostname }}"}},
}


def play(tasks: list[dict]) -> list[dict]:
    return [{"name": "Task costs", "hosts": "all", "gather_facts": False, "tasks": tasks}]


def cost(work: Path, name: str, tasks: list[dict], hosts: int) -> float:
    """Controller CPU without winsim of one run on fresh hosts."""
    base = work / name
    shutil.rmtree(base, ignore_errors=True)
    inventory = new_fleet(base, clusters=hosts)
    playbook = work / f"{name}.yml"
    playbook.write_text(yaml.safe_dump(play(tasks), sort_keys=False))
    return run_playbook(inventory, playbook, forks=10).cpu_without_winsim


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_tasks_") as tmp:
        work = Path(tmp)
        empty = cost(work, "empty", [{"name": "Nothing", "ansible.builtin.meta": "noop"}], args.hosts)
        print(f"{args.hosts} hosts, {args.tasks} tasks of each kind, forks 10; controller CPU per task and host "
              "without winsim:")
        for n, (kind, task) in enumerate(KINDS.items()):
            tasks = [{"name": f"Task {i}", **task} for i in range(args.tasks)]
            spent = cost(work, f"kind{n}", tasks, args.hosts)
            print(f"  {(spent - empty) / (args.tasks * args.hosts) * 1000:5.1f} ms  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

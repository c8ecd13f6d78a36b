"""Run one playbook against a winsim fleet and read what it cost: wall time, controller CPU, winsim's own CPU.

Controller CPU is the user+system time of ansible-playbook and every process it waited for (its workers), taken from
``RUSAGE_CHILDREN`` around the run. winsim's connection runs inside those workers, so part of that CPU is the
simulated host's; the connection logs it per call (``WINSIM_CPU_LOG``: the call and, on a worker's first call, the
import of winsim), and ``winsim_cpu`` is that sum. Detached async jobs are processes of their own that nobody waits
for, so they are not in the controller's figure (a real host runs them too).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "winsim"))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from _bench_retry import RunFailed, failure_lines  # noqa: E402
from conftest import SECRETS_CERT, ansible_env  # noqa: E402

# Production defaults: nothing but what a Full run cannot do without (the certificate the secrets are encrypted to).
PRODUCTION_VARS = {"alteryx_backup_secrets_recipient": str(SECRETS_CERT)}


@dataclass
class RunCost:
    """What one ansible-playbook run cost."""

    wall: float
    cpu: float
    winsim_cpu: float

    @property
    def cpu_without_winsim(self) -> float:
        return self.cpu - self.winsim_cpu


def run_playbook(inventory: Path, playbook: Path, *, forks: int, extra: dict | None = None) -> RunCost:
    """Run ``playbook`` against ``inventory`` and return its cost; a failed run stops the benchmark."""
    with tempfile.NamedTemporaryFile(prefix="winsim_cpu_", suffix=".jsonl", delete=False) as handle:
        cpu_log = Path(handle.name)
    try:
        env = {**ansible_env(), "WINSIM_CPU_LOG": str(cpu_log)}
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "-f", str(forks),
               str(playbook), "-e", json.dumps({**PRODUCTION_VARS, **(extra or {})})]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            raise RunFailed(f"{playbook.name} failed (rc {proc.returncode}): {failure_lines(proc.stdout + proc.stderr)}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return RunCost(wall=wall, cpu=cpu, winsim_cpu=winsim_cpu(cpu_log))
    finally:
        cpu_log.unlink(missing_ok=True)


def winsim_cpu(cpu_log: Path) -> float:
    """CPU seconds winsim's connection spent in the workers (calls and imports), from its ``WINSIM_CPU_LOG``."""
    if not cpu_log.is_file():
        return 0.0
    total = 0.0
    for line in cpu_log.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            total += float(entry["cpu"]) + float(entry["import_cpu"])
    return total


def set_mongo(host_root: Path, **knobs: object) -> None:
    """Change a simulated controller's MongoDB knobs (``dump_seconds``, ``extra_collections``) in its state.json."""
    path = host_root / "state.json"
    state = json.loads(path.read_text())
    state["mongo"].update(knobs)
    path.write_text(json.dumps(state, indent=1, sort_keys=True))


def cpu_count() -> int:
    return os.cpu_count() or 1

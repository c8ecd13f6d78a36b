"""Measure what a backup run prints per host at default verbosity and at -v (issue 11: quiet results).

    python tests/bench/bench_output.py [--modes Full ConfigOnly] [--workers 0]

Runs each backup playbook against a fresh winsim fleet (one controller, plus ``--workers`` workers) at
verbosity 0 and 1 and prints a Markdown table: bytes of output per host, lines, and the longest line. The
numbers go into docs/performance.md, section "Output size" (pasted by hand: this script prints, it does not
rewrite the file that bench_backup.py generates).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "winsim"))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from conftest import FAST_VARS, ansible_env  # noqa: E402

from winsim_engine.fleet import new_fleet  # noqa: E402

PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "DatabaseOnly": "playbooks/backup_database.yml",
             "ConfigOnly": "playbooks/backup_config.yml"}


def measure(mode: str, verbosity: int, workers: int) -> dict[str, int]:
    """Run one backup; returned keys: ``bytes`` and ``lines`` per host, ``longest`` line, ``rc``."""
    import json

    with tempfile.TemporaryDirectory() as folder:
        inventory = new_fleet(Path(folder) / "fleet", workers=workers)
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(REPO / PLAYBOOKS[mode]),
               "-e", json.dumps(FAST_VARS)] + (["-" + "v" * verbosity] if verbosity else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(), cwd=REPO)
    text = proc.stdout + proc.stderr
    hosts = 1 + workers
    lines = text.splitlines()
    return {"bytes": len(text.encode()) // hosts, "lines": len(lines) // hosts,
            "longest": max((len(line) for line in lines), default=0), "rc": proc.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=list(PLAYBOOKS), choices=list(PLAYBOOKS))
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    print("| mode | verbosity | bytes per host | lines per host | longest line (chars) | rc |")
    print("|---|---|---|---|---|---|")
    for mode in args.modes:
        for verbosity in (0, 1):
            m = measure(mode, verbosity, args.workers)
            label = "default" if verbosity == 0 else "-v"
            print(f"| {mode} | {label} | {m['bytes']} | {m['lines']} | {m['longest']} | {m['rc']} |", flush=True)


if __name__ == "__main__":
    main()

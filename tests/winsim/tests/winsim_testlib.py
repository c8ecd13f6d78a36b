"""Helpers of the winsim tests: read a host journal, run a real ansible-playbook with the JSON callback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from winsim_engine.host import Host

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parents[2]
BIN = Path(sys.executable).parent
PLAYBOOKS = TESTS / "playbooks"


def journal(host: Host) -> list[dict]:
    """The host journal as a list of entries."""
    text = (host.root / "journal.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def playbook_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    return env


def run_playbook(inventory: Path, playbook: str, *args: str, timeout: float = 120) -> tuple[int, dict]:
    """Run a playbook of ``PLAYBOOKS`` with the JSON callback; returns (rc, parsed output)."""
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOKS / playbook), *args],
        cwd=REPO, env=playbook_env(), capture_output=True, text=True, timeout=timeout, check=False,
    )
    start = proc.stdout.find("{")
    if start < 0:
        raise AssertionError(f"ansible-playbook printed no JSON (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.returncode, json.loads(proc.stdout[start:])


def task_results(output: dict) -> dict[str, dict[str, dict]]:
    """``{task name: {host: result}}`` from the JSON callback output."""
    results: dict[str, dict[str, dict]] = {}
    for play in output["plays"]:
        for task in play["tasks"]:
            results[task["task"]["name"]] = task["hosts"]
    return results

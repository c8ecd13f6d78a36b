"""The smoke playbook three ways: ansible-playbook, ansible-runner (AWX's engine) and molecule."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import ansible_runner
from conftest import REPO, ansible_env

SMOKE = "tests/integration/playbooks/smoke.yml"


def test_smoke_with_ansible_playbook(fleet):
    run = fleet.playbook(SMOKE)
    assert run.rc == 0, run.output
    assert "All assertions passed" in run.output


def test_smoke_with_ansible_runner(fleet, tmp_path):
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    shutil.copy(REPO / SMOKE, private / "project" / "smoke.yml")
    env = ansible_env()
    envvars = {k: env[k] for k in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "PATH")}
    result = ansible_runner.run(private_data_dir=str(private), playbook="smoke.yml", inventory=str(fleet.inventory),
                                envvars=envvars, quiet=True)
    assert result.status == "successful", result.stdout.read()
    assert result.stats["ok"]["controller"] == 3


def test_smoke_with_molecule(fleet):
    env = ansible_env()
    env["WINSIM_INVENTORY"] = str(fleet.inventory)
    env["MOLECULE_NO_LOG"] = "false"
    proc = subprocess.run([str(Path(sys.executable).parent / "molecule"), "test", "-s", "default"],
                          cwd=REPO / "extensions", env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    calls = fleet.calls()
    assert "ansible.windows.win_powershell:smoke" in calls, "molecule converge did not reach the winsim host"
    assert calls.count("ansible.windows.win_service_info") == 2, "converge and verify each read the service"

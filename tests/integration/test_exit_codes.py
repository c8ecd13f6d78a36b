"""The alteryx-backup command against winsim: every failure class reaches the scheduler as the spec's exit code.

0 success, 1 general, 2 service timeout, 3 validation, 4 storage, 5 MongoDB, 6 invalid mode; a fleet exits 0 only
when every host succeeded, else with the most severe code (2 > 5 > 4 > 3 > 6 > 1), and lists every host.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FAST_VARS, REPO, Fleet, Run, ansible_env

CLI = Path(sys.executable).parent / "alteryx-backup"
P = "ansible.windows.win_powershell:"
FAIL_PLAYBOOK = str(REPO / "tests" / "integration" / "playbooks" / "alteryx_fail.yml")
PATHS_PLAYBOOK = str(REPO / "tests" / "integration" / "playbooks" / "exit_code_paths.yml")
TABLE_HEADER = ["host", "mode", "result", "failure_class", "exit code", "archive"]


def cli(inventory: Path, *args: str, extra: dict | None = None, timeout: int = 300) -> Run:
    """Run the installed command the way a scheduler would, from a folder that holds no ansible.cfg."""
    assert CLI.is_file(), f"{CLI} is missing: `make setup` (pip install -r requirements.txt) installs it"
    cmd = [str(CLI), "-i", str(inventory), "-e", json.dumps({**FAST_VARS, **(extra or {})}), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ansible_env(), cwd=inventory.parent,
                          timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def table(run: Run) -> dict[str, dict[str, str]]:
    """The per-host table the command prints at the end, as {host: {column: value}}."""
    lines = run.stdout.splitlines()
    start = max(i for i, line in enumerate(lines) if re.split(r"\s{2,}", line.strip()) == TABLE_HEADER)
    rows = {}
    for line in lines[start + 2:]:
        if line.startswith("alteryx-backup:"):
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = dict(zip(TABLE_HEADER, cells, strict=True))
    return rows


def break_settings(fleet: Fleet, name: str = "controller") -> None:
    (fleet.host(name) / "drives" / "C" / "ProgramData" / "Alteryx" / "RuntimeSettings.xml").write_text(
        "<SystemSettings><Controller>garbage")


def hang_service_stop(fleet: Fleet, name: str = "controller") -> None:
    services = fleet.state(name)["services"]
    services["AlteryxService"]["hang_stop"] = True
    fleet.set_state(name, services=services)


# --- every exit code from a real backup -----------------------------------------------------------------------


def test_full_backup_exits_0_and_publishes_the_archive(fleet):
    run = cli(fleet.inventory, "--mode", "Full")
    assert run.rc == 0, run.output[-3000:]
    [archive] = fleet.archives()
    assert archive.name.startswith("ServerBackup_Full_")
    row = table(run)["controller"]
    assert (row["mode"], row["result"], row["failure_class"], row["exit code"]) == ("Full", "ok", "-", "0")
    assert row["archive"].endswith("\\" + archive.name)
    assert "PLAY RECAP" in run.stdout, "the Ansible output is streamed"
    assert run.stdout.rstrip().endswith("exit code 0 (success)")


def test_short_mode_form_runs_a_database_only_backup(fleet):
    run = cli(fleet.inventory, "--mode", "db")
    assert run.rc == 0, run.output[-3000:]
    [archive] = fleet.archives()
    assert archive.name.startswith("ServerBackup_DB_")
    assert table(run)["controller"]["mode"] == "DatabaseOnly"


def test_check_mode_exits_0_and_writes_nothing(fleet):
    run = cli(fleet.inventory, "--mode", "ConfigOnly", "--check")
    assert run.rc == 0, run.output[-3000:]
    assert fleet.everything_published() == []
    assert table(run)["controller"]["result"] == "checked"


def test_invalid_mode_exits_6_without_contacting_a_host(fleet):
    run = cli(fleet.inventory, "--mode", "Weekly")
    assert run.rc == 6, run.output
    assert fleet.calls() == [] and fleet.journal() == []
    assert "PLAY" not in run.stdout
    assert "invalid backup mode 'Weekly'" in run.stderr


def test_invalid_mode_through_the_playbook_exits_6_without_a_host_call(fleet):
    """The role's own check (alteryx_backup_plan, no connection needed) gives 6 too."""
    run = cli(fleet.inventory, extra={"alteryx_backup_mode": "Weekly"})
    assert run.rc == 6, run.output[-3000:]
    assert fleet.calls() == []
    row = table(run)["controller"]
    assert (row["result"], row["failure_class"], row["exit code"]) == ("failed", "invalid_mode", "6")


def test_missing_config_file_exits_3_without_contacting_a_host(fleet):
    run = cli(fleet.inventory, "--config", str(fleet.root / "no-such-config.json"))
    assert run.rc == 3, run.output
    assert fleet.calls() == []


def test_broken_runtime_settings_exit_3(fleet):
    break_settings(fleet)
    run = cli(fleet.inventory, "--mode", "Full")
    assert run.rc == 3, run.output[-3000:]
    assert table(run)["controller"]["failure_class"] == "validation"
    assert fleet.everything_published() == []


@pytest.mark.parametrize("fault", ["no_free_space", "disk_fills_while_archiving"])
def test_storage_failure_exits_4(fleet, fault):
    if fault == "no_free_space":  # refused by the preflight check, before the service is touched
        disks = fleet.state()["disks"]
        disks["D"]["full"] = True
        fleet.set_state(disks=disks)
    else:
        fleet.faults([{"call": P + "alteryx_archive", "occurrence": 1, "kind": "disk_full"}])
    run = cli(fleet.inventory, "--mode", "Full")
    assert run.rc == 4, run.output[-3000:]
    assert table(run)["controller"]["failure_class"] == "storage"
    assert fleet.everything_published() == []


def test_emongodump_failure_exits_5(fleet):
    fleet.faults([{"call": P + "alteryx_dump_window", "occurrence": 1, "kind": "disk_full"}])
    run = cli(fleet.inventory, "--mode", "DatabaseOnly")
    assert run.rc == 5, run.output[-3000:]
    assert table(run)["controller"]["failure_class"] == "mongodb"
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_hung_service_stop_exits_2(fleet):
    hang_service_stop(fleet)
    run = cli(fleet.inventory, "--mode", "Full", extra={"alteryx_backup_max_service_wait": 1})
    assert run.rc == 2, run.output[-3000:]
    assert table(run)["controller"]["failure_class"] == "service_timeout"
    assert fleet.everything_published() == []


# --- fleets -------------------------------------------------------------------------------------------------


def test_fleet_with_one_failing_host_exits_with_its_code_and_lists_both(tmp_path):
    fleet = Fleet(tmp_path / "fleet", clusters=2)
    break_settings(fleet, "c1-controller")
    run = cli(fleet.inventory, "--mode", "Full")
    assert run.rc == 3, run.output[-3000:]
    rows = table(run)
    assert set(rows) == {"c1-controller", "c2-controller"}
    assert (rows["c1-controller"]["result"], rows["c1-controller"]["exit code"]) == ("failed", "3")
    assert (rows["c2-controller"]["result"], rows["c2-controller"]["exit code"]) == ("ok", "0")
    [archive] = fleet.archives("c2-controller")
    assert rows["c2-controller"]["archive"].endswith("\\" + archive.name)
    assert fleet.archives("c1-controller") == []


def test_fleet_exits_with_the_most_severe_code(tmp_path):
    """Storage (4) on one host, MongoDB (5) on the other: MongoDB comes first in the precedence."""
    fleet = Fleet(tmp_path / "fleet", clusters=2)
    fleet.faults([{"call": P + "alteryx_archive", "occurrence": 1, "kind": "disk_full"}], name="c1-controller")
    fleet.faults([{"call": P + "alteryx_dump_window", "occurrence": 1, "kind": "disk_full"}], name="c2-controller")
    run = cli(fleet.inventory, "--mode", "Full")
    assert run.rc == 5, run.output[-3000:]
    rows = table(run)
    assert rows["c1-controller"]["failure_class"] == "storage" and rows["c1-controller"]["exit code"] == "4"
    assert rows["c2-controller"]["failure_class"] == "mongodb" and rows["c2-controller"]["exit code"] == "5"


def test_limit_selects_the_hosts(tmp_path):
    fleet = Fleet(tmp_path / "fleet", clusters=2)
    break_settings(fleet, "c1-controller")
    run = cli(fleet.inventory, "--mode", "ConfigOnly", "-l", "c2-controller")
    assert run.rc == 0, run.output[-3000:]
    assert set(table(run)) == {"c2-controller"}
    assert fleet.calls("c1-controller") == []


def test_no_matching_host_exits_1(fleet):
    run = cli(fleet.inventory, "-l", "no-such-host")
    assert run.rc == 1, run.output[-3000:]
    assert "No host was backed up" in run.stdout


def _with_unreachable_host(fleet: Fleet) -> Path:
    """The fleet's inventory plus a host nobody answers for (ssh to a closed port)."""
    inventory = yaml.safe_load(fleet.inventory.read_text())
    inventory["all"]["children"]["alteryx_controller"]["hosts"]["gone"] = {
        "ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_shell_type": "sh",
        "ansible_ssh_timeout": 5}
    path = fleet.root / "with-unreachable.yml"
    path.write_text(yaml.safe_dump(inventory))
    return path


NEEDS_SSH = pytest.mark.skipif(shutil.which("ssh") is None, reason="needs an ssh client to make a host unreachable")


@NEEDS_SSH
def test_unreachable_host_exits_1_and_is_listed(fleet):
    """A host Ansible cannot reach (its first module call) is 'unreachable', general, 1."""
    run = cli(_with_unreachable_host(fleet), "--playbook", str(REPO / "tests" / "integration" / "playbooks" / "smoke.yml"))
    assert run.rc == 1, run.output[-3000:]
    rows = table(run)
    assert (rows["gone"]["result"], rows["gone"]["failure_class"], rows["gone"]["exit code"]) == \
        ("unreachable", "general", "1")
    assert rows["controller"]["result"] == "ok"


@NEEDS_SSH
def test_lost_host_in_a_backup_is_general(fleet):
    """The role's steps turn a connection that cannot be made into a failed step: general, 1, 'run again'."""
    run = cli(_with_unreachable_host(fleet), "--mode", "ConfigOnly")
    assert run.rc == 1, run.output[-3000:]
    rows = table(run)
    assert (rows["gone"]["result"], rows["gone"]["failure_class"], rows["gone"]["exit code"]) == ("failed", "general", "1")
    assert rows["controller"]["result"] == "ok"


# --- alteryx.server.alteryx_fail and the role's failure paths (no host call) --------------------------------


@pytest.mark.parametrize(("extra", "code", "failure_class"), [
    ({"fail_class": "storage"}, 4, "storage"),
    ({"fail_code": 5}, 5, "mongodb"),
    ({"fail_class": "service_timeout"}, 2, "service_timeout"),
    ({"fail_class": "no-such-class"}, 1, "general"),
])
def test_alteryx_fail_gives_the_exit_code(fleet, extra, code, failure_class):
    run = cli(fleet.inventory, "--playbook", FAIL_PLAYBOOK, extra=extra)
    assert run.rc == code, run.output[-3000:]
    assert re.search(rf"^\s+failure_class: {failure_class}$", run.stdout, re.M), "failure_class is a result key"
    assert re.search(rf"^\s+exit_code: {code}$", run.stdout, re.M), "exit_code is a result key"
    assert table(run)["controller"]["failure_class"] == failure_class
    assert fleet.calls() == []


def test_the_final_alteryx_fail_decides_over_the_rescued_step(fleet):
    run = cli(fleet.inventory, "--playbook", PATHS_PLAYBOOK, extra={"step_class": "mongodb", "final_class": "storage"})
    assert run.rc == 4, run.output[-3000:]


def test_a_rescue_ending_in_a_plain_fail_keeps_the_steps_code(fleet):
    run = cli(fleet.inventory, "--playbook", PATHS_PLAYBOOK, extra={"step_class": "mongodb", "final": "builtin"})
    assert run.rc == 5, run.output[-3000:]


def test_set_stats_of_every_host_reach_the_table(tmp_path):
    """The proposed set_stats tasks (success and rescue) aggregate one entry per host."""
    fleet = Fleet(tmp_path / "fleet", clusters=2)
    run = cli(fleet.inventory, "--playbook", PATHS_PLAYBOOK,
              extra={"step_class": "validation", "failing_hosts": ["c1-controller"], "alteryx_backup_mode": "Config"})
    assert run.rc == 3, run.output[-3000:]
    rows = table(run)
    assert (rows["c1-controller"]["result"], rows["c1-controller"]["exit code"], rows["c1-controller"]["archive"]) == \
        ("failed", "3", "-")
    assert rows["c2-controller"]["result"] == "ok"
    assert re.fullmatch(r"D:\\Alteryx\\Backups\\ServerBackup_Config_\d{8}_\d{6}\.zip", rows["c2-controller"]["archive"])
    assert fleet.calls("c1-controller") == [] and fleet.calls("c2-controller") == []

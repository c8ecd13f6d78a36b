"""Issue 11, part E: progress lines while a detached host job runs, at default verbosity."""

from __future__ import annotations

import re

FULL = "playbooks/backup_full.yml"
P = "ansible.windows.win_powershell:"


def test_a_long_dump_prints_progress_lines_at_default_verbosity(fleet):
    state = fleet.state()
    state["mongo"]["dump_seconds"] = 4
    fleet.set_state(**state)
    run = fleet.playbook(FULL, extra={"alteryx_backup_progress_seconds": 1})
    assert run.rc == 0, run.output
    lines = re.findall(r"^controller: dump window running for \d+s, .* written so far$", run.stdout, re.M)
    assert len(lines) >= 2, run.output
    # One measuring call per line, none per poll; they carry no run log lines (the job already did).
    progress_calls = [e for e in fleet.journal() if e.get("call") == P + "alteryx_progress"]
    assert 2 <= len(progress_calls) <= len(lines) + 1
    assert all(c["args"]["parameters"].get("RunLogText", "") == "" for c in progress_calls)
    log = next(fleet.logs_dir().glob("*.log")).read_text(encoding="utf-8-sig")
    assert len(log.splitlines()) == len(set(line[20:] for line in log.splitlines())), "host log lines repeated"


def test_no_progress_lines_when_switched_off(fleet):
    state = fleet.state()
    state["mongo"]["dump_seconds"] = 2
    fleet.set_state(**state)
    run = fleet.playbook(FULL, extra={"alteryx_backup_progress_seconds": 0})
    assert run.rc == 0, run.output
    assert "running for" not in run.stdout
    assert P + "alteryx_progress" not in fleet.calls()


def test_the_summary_callback_prints_one_table_per_run(fleet):
    run = fleet.playbook(FULL, env={"ANSIBLE_CALLBACKS_ENABLED": "alteryx.server.alteryx_summary"})
    assert run.rc == 0, run.output
    table = run.stdout.split("ALTERYX BACKUP SUMMARY", 1)[1].splitlines()[1:]
    assert table[0].split()[:3] == ["host", "cluster", "mode"]
    row = table[2].split()
    archive = fleet.archives()[0]
    assert row[0] == "controller" and row[2] == "Full" and row[3].endswith(archive.name)
    assert row[-2:] == ["Success", "0"]
    assert run.stdout.count("ALTERYX BACKUP SUMMARY") == 1


def test_the_summary_callback_reports_a_failed_node(fleet):
    fleet.faults([{"call": P + "alteryx_dump_window", "occurrence": 1, "kind": "fail"}])
    run = fleet.playbook(FULL, env={"ANSIBLE_CALLBACKS_ENABLED": "alteryx.server.alteryx_summary"})
    assert run.rc != 0
    row = run.stdout.split("ALTERYX BACKUP SUMMARY", 1)[1].splitlines()[3].split()
    assert row[0] == "controller" and row[3] == "-" and row[-3].startswith("Failed") and row[-1] != "0"


def test_the_summary_task_prints_the_table_without_any_callback(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from conftest import REPO, ansible_env

    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    n1: {ansible_connection: local}\n    n2: {ansible_connection: local}\n")
    outcomes = {"n1": {"cluster": "c1", "mode": "Full", "archive": "D:\\B\\a.zip", "size": 251000,
                       "downtime_seconds": 0.87, "status": "Success", "failure_class": None, "exit_code": 0},
                "n2": {"cluster": "c1", "mode": "Full", "archive": "", "size": 0, "downtime_seconds": 0,
                       "status": "Failed", "failure_class": "mongodb", "exit_code": 5}}
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
                           str(REPO / "tests/integration/playbooks/summary_table.yml"),
                           "-e", json.dumps({"outcomes": outcomes})],
                          capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "- n1 | c1 | Full | D:\\B\\a.zip | 245.1 KiB | 0.9 s | Success | 0" in proc.stdout
    assert "- n2 | c1 | Full | - | - | - | Failed (mongodb) | 5" in proc.stdout
    assert proc.stdout.count("host | cluster | mode") == 1


def test_at_v_the_facts_dump_and_archive_show_one_line_each(fleet):
    run = fleet.playbook(FULL, verbosity=1)
    assert run.rc == 0, run.output
    assert "controller: Alteryx Server" in run.stdout  # the facts step's one line instead of its facts
    tasks = {section.split("]", 1)[0]: section for section in run.stdout.split("TASK [alteryx.server.backup : ")}
    quiet = [tasks[name] for name in ("Read the Alteryx installation",
                                      "Wait for the dump window and judge the dump",
                                      "Create, verify and publish the archive")]
    assert all(len(section.splitlines()) <= 4 for section in quiet), quiet
    assert "computer_name" not in run.stdout
    assert "controller: emongodump wrote" in quiet[1] and "controller: Archive " in quiet[2]


def test_at_vvv_the_full_results_are_back(fleet):
    run = fleet.playbook(FULL, verbosity=3)
    assert run.rc == 0, run.output
    assert "computer_name" in run.stdout and "mongoDump.log" in run.stdout


def test_check_mode_writes_nothing_to_the_host_log(fleet):
    run = fleet.playbook(FULL, check=True)
    assert run.rc == 0, run.output
    assert not fleet.logs_dir().exists() or not list(fleet.logs_dir().iterdir())
    assert "[SUCCESS]" not in run.output

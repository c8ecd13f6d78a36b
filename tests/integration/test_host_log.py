"""The host log as the spec defines it: D:\\Alteryx\\BackupLogs\\BackupLog_{Mode}_YYYYMMDD_HHmmss.log, every line
``yyyy-MM-dd HH:mm:ss [LEVEL] message``, the configuration, each file and the service states, no line twice,
DEBUG lines only at -vvv."""

from __future__ import annotations

import re

import pytest

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(DEBUG|INFO|WARNING|ERROR|SUCCESS)\] \S.*$")
NAME = re.compile(r"^BackupLog_(Full|DatabaseOnly|ConfigOnly)_\d{8}_\d{6}\.log$")


def _log(fleet) -> list[str]:
    [log] = fleet.logs_dir().glob("*.log")
    assert NAME.match(log.name), log.name
    return log.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("verbosity", [0, 3], ids=["default", "-vvv"])
def test_a_full_run_logs_what_the_spec_lists_in_its_format(fleet, verbosity):
    assert fleet.playbook("playbooks/backup_full.yml", verbosity=verbosity).rc == 0
    lines = _log(fleet)
    assert all(LINE.match(line) for line in lines), [line for line in lines if not LINE.match(line)]
    messages = [line.split("] ", 1)[1] for line in lines]
    assert len(messages) == len(set(messages)), "a line was written twice"
    assert messages[0].startswith("Configuration: Full backup")
    assert any(m.startswith("Backed up C:\\ProgramData\\Alteryx\\RuntimeSettings.xml as Config/RuntimeSettings.xml")
               for m in messages)
    assert any("AlteryxService stopped at" in m for m in messages) and any("AlteryxService running at" in m
                                                                            for m in messages)
    assert lines[-1].split(" ", 2)[2].startswith("[SUCCESS] Full backup of controller succeeded")
    debug = [line for line in lines if "[DEBUG]" in line]
    assert bool(debug) == (verbosity >= 3)


def test_a_failed_step_is_logged_once(fleet):
    fleet.faults([{"call": "ansible.windows.win_powershell:alteryx_stage_files", "occurrence": 1, "kind": "fail"}])
    assert fleet.playbook("playbooks/backup_full.yml").rc != 0
    errors = [line for line in _log(fleet) if "[ERROR]" in line]
    assert len(errors) == 2, errors  # the step's error, then the run's summary naming the step
    assert "failed in 'Stage the critical files and controller secrets'" in errors[1]


def test_a_run_killed_during_the_dump_leaves_its_log_up_to_the_last_host_call(fleet):
    import os
    import signal
    import time

    from test_safe_runs import start, wait_for

    state = fleet.state()
    state["mongo"]["dump_seconds"] = 3
    fleet.set_state(mongo=state["mongo"])
    proc = start(fleet)
    assert wait_for(lambda: any(e.get("event") == "service_stopped" for e in fleet.journal()), 60)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    lines = _log(fleet)
    assert all(LINE.match(line) for line in lines)
    messages = [line.split("] ", 1)[1] for line in lines]
    assert messages[0].startswith("Configuration: Full backup")
    assert any(m.startswith("Alteryx Server") for m in messages), "the facts step's line"
    assert any(m.startswith("Preflight passed") for m in messages), "the preflight step's line"
    time.sleep(0.1)

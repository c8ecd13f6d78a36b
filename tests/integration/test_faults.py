"""A fault at every host call of every mode: the service ends as it began, nothing is published,
the temporary folder and the lock are gone, and the failure class is right."""

from __future__ import annotations

import pytest

P = "ansible.windows.win_powershell:"
EXPECTED_CALLS = {
    "Full": ["alteryx_facts", "alteryx_preflight", "alteryx_dump_window", "alteryx_stage_files", "alteryx_write_file",
             "alteryx_archive", "alteryx_retention", "alteryx_service_state", "alteryx_finalize"],
    "DatabaseOnly": ["alteryx_facts", "alteryx_preflight", "alteryx_dump_window", "alteryx_write_file",
                     "alteryx_archive", "alteryx_retention", "alteryx_service_state", "alteryx_finalize"],
    "ConfigOnly": ["alteryx_facts", "alteryx_preflight", "alteryx_stage_files", "alteryx_write_file",
                   "alteryx_archive", "alteryx_retention", "alteryx_finalize"],
}
EVENT_LOG_CALLS = ["ansible.windows.win_eventlog", "community.windows.win_eventlog_entry"]
PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "DatabaseOnly": "playbooks/backup_database.yml",
             "ConfigOnly": "playbooks/backup_config.yml"}
# Scripts that write to disk, and the class a full disk gives there.
DISK_FULL_CLASS = {"alteryx_dump_window": "mongodb", "alteryx_stage_files": "storage",
                   "alteryx_write_file": "storage", "alteryx_archive": "storage"}

CASES = []
for mode, calls in EXPECTED_CALLS.items():
    for script in calls:
        CASES.append(pytest.param(mode, script, "fail", "general", id=f"{mode}-{script}-fail"))
        CASES.append(pytest.param(mode, script, "drop", "general", id=f"{mode}-{script}-drop"))
        if script in DISK_FULL_CLASS:
            CASES.append(pytest.param(mode, script, "disk_full", DISK_FULL_CLASS[script], id=f"{mode}-{script}-disk_full"))
    # A call whose reply never comes: the WinRM read timeout ends it (a plain hang waits for the task timeout).
    CASES.append(pytest.param(mode, "alteryx_preflight", "read_timeout", "general",
                              id=f"{mode}-alteryx_preflight-read_timeout"))
AFTER_PUBLISH = ("alteryx_retention", "alteryx_service_state", "alteryx_finalize")
READ_TIMEOUTS = {"ansible_winrm_read_timeout_sec": 3, "ansible_winrm_operation_timeout_sec": 2}


@pytest.mark.parametrize("mode", list(EXPECTED_CALLS))
def test_host_calls_per_mode(fleet, mode):
    """The fault matrix below covers exactly the calls a clean run makes (async polls aside)."""
    assert fleet.playbook(PLAYBOOKS[mode]).rc == 0
    calls = [c for c in fleet.calls() if c != "ansible.windows.async_status"]
    # The run's Windows Event Log entry ends every node's run (a failure there never fails a backup).
    assert calls == [P + s for s in EXPECTED_CALLS[mode]] + EVENT_LOG_CALLS


@pytest.mark.parametrize(("mode", "script", "kind", "failure_class"), CASES)
def test_fault_leaves_host_as_it_was(fleet, mode, script, kind, failure_class):
    fleet.faults([{"call": P + script, "occurrence": 1, "kind": kind, "seconds": 0.5}])
    extra = {"alteryx_backup_network_paths": ["\\\\fileserver\\backups"], **(READ_TIMEOUTS if kind == "read_timeout" else {})}
    run = fleet.playbook(PLAYBOOKS[mode], extra=extra)
    assert run.rc != 0, f"an injected {kind} at {script} was reported as success"
    assert f"failure_class={failure_class}" in run.output, run.output[-3000:]
    journal = fleet.journal()
    assert any(e.get("fault") == kind for e in journal), "the fault did not fire"
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    if script in AFTER_PUBLISH:  # a verified, published archive stays whatever fails after it
        assert "was verified and published before the failure and stays" in run.output, run.output[-3000:]
        assert len(fleet.archives()) == 1
    else:
        assert fleet.everything_published() == [], "a failed run left a backup behind"
    backups = fleet.backups_dir()
    assert not fleet.staging_dirs(), "temporary folder left behind"
    assert not (backups / ".alteryx_backup.lock").exists(), "lock left behind"
    if kind == "drop":
        assert "run the backup again" in run.output


def test_failed_polls_are_retried_and_reported(fleet):
    fleet.faults([{"call": "ansible.windows.async_status", "occurrence": 1, "kind": "drop"}])
    run = fleet.playbook(PLAYBOOKS["Full"])
    assert run.rc == 0, run.output
    assert "poll of job" in run.output and "retried" in run.output


def test_workflow_still_running_is_a_service_timeout_and_service_untouched(fleet):
    import time

    fleet.set_state(processes=[{"name": "AlteryxEngineCmd.exe", "pid": 4242, "ends_at": time.time() + 120}])
    run = fleet.playbook(PLAYBOOKS["Full"], extra={"alteryx_backup_max_workflow_wait": 1})
    assert run.rc != 0 and "failure_class=service_timeout" in run.output and "force_stop_workflows" in run.output
    assert not [e for e in fleet.journal() if e.get("event") == "service_stopped"]
    assert fleet.everything_published() == []


def test_workflows_are_waited_for_then_backup_runs(fleet):
    import time

    fleet.set_state(processes=[{"name": "AlteryxEngineCmd.exe", "pid": 4242, "ends_at": time.time() + 2}])
    run = fleet.playbook(PLAYBOOKS["Full"])
    assert run.rc == 0, run.output
    assert len(fleet.archives()) == 1


def test_hung_service_stop_restarts_service_and_fails_with_timeout(fleet):
    state = fleet.state()
    state["services"]["AlteryxService"]["hang_stop"] = True
    fleet.set_state(services=state["services"])
    run = fleet.playbook(PLAYBOOKS["Full"], extra={"alteryx_backup_max_service_wait": 1})
    assert run.rc != 0 and "failure_class=service_timeout" in run.output
    assert fleet.everything_published() == []

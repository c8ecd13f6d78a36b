"""winsim's Task Scheduler is as strict as the ScheduledTasks cmdlets: registration rules, -Once triggers that fire
at their time (lazily, when the host is next touched), the SYSTEM action under the SCM's rules, expiry, faults;
and the safety net of alteryx_service_state.ps1 through its twin."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from winsim_engine import alteryx, argspec, fakes, scheduler
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host, WinError

REPO = Path(__file__).resolve().parents[3]
SERVICE_STATE = (REPO / "plugins" / "plugin_utils" / "powershell" / "alteryx_service_state.ps1").read_text()
NET = "alteryx.server safety net AlteryxService"
SC = "C:\\Windows\\System32\\sc.exe"


@pytest.fixture
def worker(tmp_path: Path) -> Host:
    inventory = new_fleet(tmp_path / "fleet", workers=1)
    return Host(inventory.parent / "hosts" / "worker1")


def events(host: Host, name: str) -> list[dict]:
    lines = (host.root / "journal.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("event") == name]


def raw_state(host: Host) -> dict:
    """state.json as it lies on disk: reading it this way does not touch the host (nothing fires)."""
    return json.loads((host.root / "state.json").read_text())


def register(host: Host, seconds: float = 1.0, name: str = NET, **options) -> dict:
    at = time.time() + seconds
    settings = {"execute": SC, "argument": 'start "AlteryxService"', "at": at, "end": at + 3600,
                "delete_expired_after": 86400.0, "force": True, **options}
    return scheduler.register_task(host, name, **settings)


def stop(host: Host) -> None:
    alteryx.stop_service(host)
    alteryx.wait_for_status(host, alteryx.SERVICE, "stopped", 5)


def wait_past(epoch: float) -> None:
    time.sleep(max(0.0, epoch - time.time()) + 0.05)


# ------------------------------------------------------------------------------------------ firing
def test_a_due_task_fires_at_its_trigger_time_when_the_host_is_next_touched(worker):
    stop(worker)
    task = register(worker, 1.0)
    assert task["trigger"]["at"] == int(task["trigger"]["at"]), "the StartBoundary keeps whole seconds"
    wait_past(task["trigger"]["at"] + 0.3)
    assert raw_state(worker)["services"]["AlteryxService"]["state"] == "stopped", "no daemon: nothing fired yet"
    assert not events(worker, "scheduled_task_fired")
    fired = scheduler.tick(worker)
    assert fired[0]["last_run"] == task["trigger"]["at"] and fired[0]["last_result"] == 0
    [event] = events(worker, "scheduled_task_fired")
    assert event["t"] == task["trigger"]["at"] and event["user"] == "NT AUTHORITY\\SYSTEM" and event["result"] == 0
    [pending] = [e for e in events(worker, "service_start_pending") if e["t"] >= task["trigger"]["at"]]
    assert pending["t"] == task["trigger"]["at"], "the SCM started the service at the trigger time, not at the tick"
    alteryx.wait_for_status(worker, alteryx.SERVICE, "running", 5)
    info = scheduler.task_info(worker, NET)
    assert info["last_task_result"] == 0 and info["next_run_time"] is None


def test_any_read_of_the_host_fires_a_due_task_first(worker):
    stop(worker)
    task = register(worker, 1.0)
    wait_past(task["trigger"]["at"])
    assert alteryx.service_status(worker) in ("start_pending", "running")
    assert len(events(worker, "scheduled_task_fired")) == 1
    scheduler.tick(worker)
    assert len(events(worker, "scheduled_task_fired")) == 1, "a -Once trigger fires once"


def test_a_start_from_a_pending_state_fails_and_leaves_the_service_down(worker):
    with worker.locked_state() as state:
        state["services"]["AlteryxService"]["stop_delay"] = 3.0
    task = register(worker, 1.0)
    alteryx.stop_service(worker)
    wait_past(task["trigger"]["at"])
    [fired] = [t for t in scheduler.tick(worker) if t["name"] == NET]
    assert fired["last_result"] == alteryx.ERROR_SERVICE_ALREADY_RUNNING  # sc.exe start: FAILED 1056
    alteryx.wait_for_status(worker, alteryx.SERVICE, "stopped", 5)
    time.sleep(0.3)
    assert alteryx.service_status(worker) == "stopped"


def test_a_running_service_is_left_alone(worker):
    task = register(worker, 1.0)
    wait_past(task["trigger"]["at"])
    assert scheduler.tick(worker)[0]["last_result"] == alteryx.ERROR_SERVICE_ALREADY_RUNNING
    assert not [e for e in events(worker, "service_start_pending")]


def test_a_trigger_already_past_when_registered_never_fires(worker):
    stop(worker)
    task = register(worker, -2.0)
    assert events(worker, "scheduled_task_registered")[-1]["will_fire"] is False
    time.sleep(0.3)
    scheduler.tick(worker)
    assert not events(worker, "scheduled_task_fired")
    assert alteryx.service_status(worker) == "stopped"
    info = scheduler.task_info(worker, NET)
    assert info["last_run_time"] == scheduler.NEVER_RUN and info["last_task_result"] == scheduler.SCHED_S_TASK_HAS_NOT_RUN
    assert info["number_of_missed_runs"] == 1 and task["last_run"] is None


def test_an_expired_task_is_deleted_after_delete_expired_task_after(worker):
    at = time.time() + 1
    scheduler.register_task(worker, NET, execute=SC, argument="start AlteryxService", at=at, end=at + 1,
                            delete_expired_after=0.0)
    wait_past(int(at) + 1)
    assert scheduler.tick(worker) == []
    [deleted] = events(worker, "scheduled_task_deleted")
    assert deleted["cause"] == "expired" and deleted["t"] == int(at) + 1
    assert events(worker, "scheduled_task_fired"), "it fired before it expired"


def test_settle_is_ordered_in_time():
    state = {"services": {"AlteryxService": {"state": "stopped", "start_delay": 0.5}}, "scheduled_tasks": {
        "\\late": {"name": "late", "action": {"execute": SC, "arguments": "start AlteryxService"},
                   "trigger": {"at": 20.0, "end": None}, "principal": {"user_id": "SYSTEM"},
                   "settings": {"delete_expired_after": None}, "registered_at": 1.0, "last_run": None,
                   "last_result": scheduler.SCHED_S_TASK_HAS_NOT_RUN},
        "\\early": {"name": "early", "action": {"execute": SC, "arguments": "start AlteryxService"},
                    "trigger": {"at": 10.0, "end": 15.0}, "principal": {"user_id": "SYSTEM"},
                    "settings": {"delete_expired_after": 1.0}, "registered_at": 1.0, "last_run": None,
                    "last_result": scheduler.SCHED_S_TASK_HAS_NOT_RUN}}}
    names = [(name, fields.get("task") or fields.get("service"), fields["t"])
             for name, fields in scheduler.settle(state, now=30.0)]
    assert names == [("service_start_pending", "AlteryxService", 10.0), ("scheduled_task_fired", "early", 10.0),
                     ("service_running", "AlteryxService", 10.5), ("scheduled_task_deleted", "early", 16.0),
                     ("scheduled_task_fired", "late", 20.0)]
    assert state["scheduled_tasks"]["\\late"]["last_result"] == alteryx.ERROR_SERVICE_ALREADY_RUNNING


# ------------------------------------------------------------------------------------------ registration
def test_register_without_force_refuses_an_existing_name_and_force_replaces_it(worker):
    register(worker, 60)
    with pytest.raises(scheduler.ScheduledTaskError, match="^Cannot create a file when that file already exists.$"):
        register(worker, 120, name=NET.upper(), force=False)  # task names are case-insensitive
    replaced = register(worker, 120)
    assert events(worker, "scheduled_task_registered")[-1]["replaced"] is True
    assert [t["trigger"]["at"] for t in scheduler.tasks(worker)] == [replaced["trigger"]["at"]]


@pytest.mark.parametrize("options, message", [
    ({"name": "a\\b"}, "The filename, directory name, or volume label syntax is incorrect."),
    ({"name": "a:b"}, "The filename, directory name, or volume label syntax is incorrect."),
    ({"end": None}, "The task XML is missing a required element or attribute.\r\n(20,4):EndBoundary:"),
    ({"user_id": "CORP\\svc"}, "winsim models only tasks run as SYSTEM"),
    ({"execute": "powershell.exe"}, "winsim models only the action 'sc.exe start <service>'"),
    ({"argument": "stop AlteryxService"}, "winsim models only the action 'sc.exe start <service>'"),
], ids=["backslash", "colon", "delete-without-end", "not-system", "other-program", "other-verb"])
def test_register_refuses_what_windows_or_winsim_refuses(worker, options, message):
    with pytest.raises(WinError) as caught:
        register(worker, 60, **options)
    assert str(caught.value).startswith(message)
    assert scheduler.tasks(worker) == []


def test_register_as_system_needs_an_administrator(worker):
    with worker.locked_state() as state:
        state["admin"] = False
    with pytest.raises(scheduler.ScheduledTaskError, match="^Access is denied.$"):
        register(worker, 60)
    assert scheduler.tasks(worker) == []


def test_a_fault_rule_fails_the_nth_registration(worker):
    (worker.root / "faults.json").write_text(json.dumps([
        {"call": "Register-ScheduledTask", "occurrence": 2, "kind": "fail", "msg": "The service is unavailable."}]))
    register(worker, 60)
    with pytest.raises(scheduler.ScheduledTaskError, match="^The service is unavailable.$"):
        register(worker, 60)
    register(worker, 60)


# ------------------------------------------------------------------------------------------ read and remove
def test_get_and_unregister_a_missing_task(worker):
    missing = ("No MSFT_ScheduledTask objects found with property 'TaskName' equal to 'nope'.  Verify the value of "
               "the property and retry.")
    with pytest.raises(scheduler.ScheduledTaskError) as caught:
        scheduler.get_task(worker, "nope")
    assert str(caught.value) == missing
    assert scheduler.get_task(worker, "nope", error_action="SilentlyContinue") is None
    with pytest.raises(scheduler.ScheduledTaskError) as caught:
        scheduler.unregister_task(worker, "nope", confirm=False)
    assert str(caught.value) == missing
    assert scheduler.unregister_task(worker, "nope", confirm=False, error_action="SilentlyContinue") is False


def test_unregister_prompts_without_confirm_false(worker):
    register(worker, 60)
    with pytest.raises(WinError, match="does not support user interaction"):
        scheduler.unregister_task(worker, NET)
    assert scheduler.unregister_task(worker, NET, confirm=False) is True
    assert scheduler.tasks(worker) == [] and events(worker, "scheduled_task_removed")


def test_tick_cli_prints_the_tasks_after_firing(worker):
    stop(worker)
    task = register(worker, 1.0)
    wait_past(task["trigger"]["at"])
    out = subprocess.run([sys.executable, str(REPO / "tests" / "winsim" / "bin" / "winsim"), "tick", str(worker.root)],
                         capture_output=True, text=True, check=True).stdout
    [shown] = json.loads(out)[str(worker.root)]
    assert shown["last_run"] == task["trigger"]["at"] and shown["last_result"] == 0


# ------------------------------------------------------------------------------------------ the script's twin
def run_script(host: Host, check_mode: bool = False, **parameters) -> dict:
    params = {"Name": "AlteryxService", "MaxWorkflowWait": 10, "MaxServiceWait": 10, "SafetyNetName": NET,
              "SafetyNetExpireSeconds": 3600, "SafetyNetDeleteSeconds": 86400, **parameters}
    module_args, error = argspec.validate("ansible.windows.win_powershell",
                                          {"script": SERVICE_STATE, "parameters": params, "depth": 3})
    assert error is None, error
    ctx = fakes.Context(host=host, check_mode=check_mode, key="test")
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, module_args, ctx)


def test_twin_registers_before_the_stop_and_removes_after_the_start(worker):
    stopped = run_script(worker, State="stopped", SafetyNetSeconds=60)
    assert not stopped.get("failed"), stopped
    assert stopped["result"]["safety_net_registered"] is True and stopped["result"]["state"] == "Stopped"
    registered = events(worker, "scheduled_task_registered")[0]
    assert registered["t"] < events(worker, "service_stop_pending")[0]["t"]
    started = run_script(worker, State="started", SafetyNetSeconds=60)
    result = started["result"]
    assert result["safety_net_found"] and result["safety_net_removed"] and result["state"] == "Running"
    assert result["safety_net_last_result"] == scheduler.SCHED_S_TASK_HAS_NOT_RUN
    assert result["safety_net_last_run_utc"].startswith("1999-11-30")
    assert scheduler.tasks(worker) == []


def test_twin_registration_failure_stops_nothing(worker):
    (worker.root / "faults.json").write_text(json.dumps([{"call": "Register-ScheduledTask", "kind": "fail"}]))
    reply = run_script(worker, State="stopped", SafetyNetSeconds=60)
    assert reply["failed"] and reply["result"]["failure_class"] == "general"
    assert "was not stopped" in reply["result"]["message"] and reply["changed"] is False
    assert alteryx.service_status(worker) == "running" and not events(worker, "service_stop_pending")


def test_twin_start_of_a_running_service_reports_a_net_that_fired(worker):
    run_script(worker, State="stopped", SafetyNetSeconds=2)
    wait_past(scheduler.tasks(worker)[0]["trigger"]["at"])
    alteryx.wait_for_status(worker, alteryx.SERVICE, "running", 5)
    result = run_script(worker, State="started", SafetyNetSeconds=2)["result"]
    assert result["initial_state"] == "Running" and result["safety_net_removed"]
    assert result["safety_net_last_result"] == 0 and result["safety_net_last_run_utc"] == result["safety_net_at_utc"]


def test_twin_warns_when_the_net_cannot_be_removed(worker):
    run_script(worker, State="stopped", SafetyNetSeconds=60)
    (worker.root / "faults.json").write_text(json.dumps([{"call": "Unregister-ScheduledTask", "kind": "fail"}]))
    reply = run_script(worker, State="started", SafetyNetSeconds=60)
    assert not reply.get("failed") and reply["result"]["state"] == "Running"
    assert reply["result"]["safety_net_removed"] is False
    assert reply["warning"] == [f"Could not remove the safety net task '{NET}': winsim injected failure in "
                                "Unregister-ScheduledTask"]


def test_twin_in_check_mode_registers_nothing(worker):
    reply = run_script(worker, check_mode=True, State="stopped", SafetyNetSeconds=60)
    assert reply["changed"] is False and reply["result"]["safety_net_registered"] is False
    assert scheduler.tasks(worker) == [] and alteryx.service_status(worker) == "running"


def test_twin_without_a_net_does_not_touch_task_scheduler(worker):
    register(worker, 60)
    run_script(worker, State="stopped", SafetyNetSeconds=0, SafetyNetName="")
    run_script(worker, State="started", SafetyNetSeconds=0, SafetyNetName="")
    assert len(scheduler.tasks(worker)) == 1 and not events(worker, "scheduled_task_removed")

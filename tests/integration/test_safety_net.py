"""The safety net of a stopped cluster node: a one-shot scheduled task, registered before the stop, that starts the
service after a bounded time if the run never comes back, and that the normal start removes.

Real ansible-playbook runs against winsim workers. winsim has no Task Scheduler daemon: a due task fires when the
host is next touched, so the tests wait past the trigger time and then tick the host (``scheduler.tick``, the
``winsim tick`` CLI).
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from conftest import Fleet

from winsim_engine import scheduler
from winsim_engine.host import Host

PLAYBOOK = "tests/integration/playbooks/safety_net.yml"
WORKER = "worker1"
NET = "alteryx.server safety net AlteryxService"
SCRIPT = "ansible.windows.win_powershell:alteryx_service_state"


@pytest.fixture
def cluster(tmp_path) -> Fleet:
    return Fleet(tmp_path / "fleet", workers=1)


def service(fleet: Fleet) -> str:
    """The worker's service state as state.json holds it (reading the file does not touch the host)."""
    return fleet.state(WORKER)["services"]["AlteryxService"]["state"]


def events(fleet: Fleet, name: str) -> list[dict]:
    return [e for e in fleet.journal(WORKER) if e.get("event") == name]


def run(fleet: Fleet, tmp_path, **extra) -> tuple[object, dict]:
    results = tmp_path / "results.json"
    outcome = fleet.playbook(PLAYBOOK, extra={"safety_net_results": str(results), **extra})
    return outcome, (json.loads(results.read_text()) if results.is_file() else {})


def wait_for(predicate, seconds: float = 30) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def running_after_tick(fleet: Fleet) -> bool:
    scheduler.tick(Host(fleet.host(WORKER)))  # settles the start the net began
    return service(fleet) == "running"


def tick_after_trigger(fleet: Fleet) -> list[dict]:
    """Wait past the net's trigger time, then touch the host as a later call would."""
    [registered] = events(fleet, "scheduled_task_registered")
    time.sleep(max(0.0, registered["at"] - time.time()) + 0.5)
    return scheduler.tick(Host(fleet.host(WORKER)))


def test_a_stopped_worker_comes_back_by_itself_after_the_net_time(cluster, tmp_path):
    outcome, results = run(cluster, tmp_path, safety_net_seconds=3)
    assert outcome.rc == 0, outcome.output[-3000:]
    stop = results["stop"]
    assert stop["safety_net_registered"] is True and stop["safety_net_name"] == NET and stop["state"] == "stopped"
    assert service(cluster) == "stopped", "the playbook ended with the worker down"
    [registered] = events(cluster, "scheduled_task_registered")
    [stopping] = events(cluster, "service_stop_pending")
    assert registered["t"] < stopping["t"], "the net is in place before the service stops"
    assert registered["user"] == "NT AUTHORITY\\SYSTEM" and registered["will_fire"] is True
    assert 2 <= registered["at"] - stopping["t"] <= 3.5  # now + 3 s, at whole seconds
    tasks = tick_after_trigger(cluster)
    assert [t["last_result"] for t in tasks] == [0]
    [fired] = events(cluster, "scheduled_task_fired")
    assert fired["task"] == NET and fired["result"] == 0 and fired["t"] == registered["at"]
    assert wait_for(lambda: running_after_tick(cluster), 10)


def test_a_normal_stop_and_start_leaves_no_task_behind(cluster, tmp_path):
    outcome, results = run(cluster, tmp_path, safety_net_seconds=60, safety_net_start=True)
    assert outcome.rc == 0, outcome.output[-3000:]
    start = results["start"]
    assert start["safety_net_removed"] is True and start["safety_net_fired"] is False
    assert start["safety_net_result"] is None and start["state"] == "running"
    assert scheduler.tasks(Host(cluster.host(WORKER))) == []
    assert [e["task"] for e in events(cluster, "scheduled_task_removed")] == [NET]
    assert not events(cluster, "scheduled_task_fired")


def test_a_start_after_the_net_fired_says_so(cluster, tmp_path):
    outcome, results = run(cluster, tmp_path, safety_net_seconds=2, safety_net_pause=4, safety_net_start=True)
    assert outcome.rc == 0, outcome.output[-3000:]
    start = results["start"]
    assert start["initial_state"] in ("running", "start_pending"), "the net had started the worker already"
    assert start["safety_net_fired"] is True and start["safety_net_result"] == 0 and start["safety_net_removed"]
    assert any("safety net" in m["message"] and m["level"] == "WARNING" for m in start["log"])
    assert scheduler.tasks(Host(cluster.host(WORKER))) == [] and service(cluster) == "running"


def test_a_net_that_cannot_be_registered_leaves_the_service_running(cluster, tmp_path):
    cluster.faults([{"call": "Register-ScheduledTask", "occurrence": 1, "kind": "fail",
                     "msg": "The Task Scheduler service is not available."}], name=WORKER)
    outcome, _ = run(cluster, tmp_path, safety_net_seconds=60)
    assert outcome.rc != 0
    assert "Could not register the safety net task" in outcome.output
    assert "The Task Scheduler service is not available." in outcome.output and "was not stopped" in outcome.output
    assert "failure_class: general" in outcome.output and "exit_code: 1" in outcome.output
    assert service(cluster) == "running" and not events(cluster, "service_stop_pending")
    assert scheduler.tasks(Host(cluster.host(WORKER))) == []


def test_an_invalid_net_fails_validation_before_the_host_is_touched(cluster, tmp_path):
    outcome, _ = run(cluster, tmp_path, safety_net_seconds=1)
    assert outcome.rc != 0 and "safety_net_seconds must be 0 (no safety net) or at least 2" in outcome.output
    assert SCRIPT not in cluster.calls(WORKER) and service(cluster) == "running"


def test_a_killed_controller_does_not_leave_the_worker_down(cluster):
    proc = cluster.start(PLAYBOOK, extra={"safety_net_seconds": 3, "safety_net_pause": 120, "safety_net_start": True})
    try:
        assert wait_for(lambda: service(cluster) == "stopped", 60), "the worker was never stopped"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    killed_at = time.time()
    assert service(cluster) == "stopped" and not events(cluster, "scheduled_task_removed")
    [registered] = events(cluster, "scheduled_task_registered")
    assert registered["at"] - killed_at < 3.5, "the net is bounded by safety_net_seconds"
    tick_after_trigger(cluster)
    assert wait_for(lambda: running_after_tick(cluster), 10)
    [fired] = events(cluster, "scheduled_task_fired")
    assert fired["result"] == 0 and fired["t"] == registered["at"]


def test_a_net_that_cannot_be_removed_is_a_warning_not_a_failure(cluster, tmp_path):
    cluster.faults([{"call": "Unregister-ScheduledTask", "occurrence": 1, "kind": "fail", "msg": "Access is denied."}],
                   name=WORKER)
    outcome, results = run(cluster, tmp_path, safety_net_seconds=60, safety_net_start=True)
    assert outcome.rc == 0, outcome.output[-3000:]
    start = results["start"]
    assert start["state"] == "running" and start["safety_net_removed"] is False and start["safety_net_fired"] is False
    assert start["warnings"] == [f"Could not remove the safety net task '{NET}': Access is denied."]
    assert "[WARNING]: Could not remove the safety net task" in outcome.output
    assert [t["name"] for t in scheduler.tasks(Host(cluster.host(WORKER)))] == [NET], "it stays until it expires"

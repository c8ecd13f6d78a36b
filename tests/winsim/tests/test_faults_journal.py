"""Real ansible-playbook runs against a fresh fleet: fault injection, the journal, paths, async jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from winsim_testlib import BIN, PLAYBOOKS, REPO, journal, playbook_env, run_playbook, task_results

from winsim_engine.fleet import new_fleet
from winsim_engine.host import REDACTED, Host

FAULTS = {
    "controller": {"call": "ansible.windows.win_service_info", "occurrence": 2, "kind": "fail"},
    "worker1": {"call": "ansible.windows.win_service_info", "occurrence": 2, "kind": "drop"},
    "worker2": {"call": "ansible.windows.win_service_info", "occurrence": 2, "kind": "refused"},
    # win_copy with content: call 1 is the query, call 2 the copy itself.
    "worker3": {"call": "ansible.windows.win_copy", "occurrence": 2, "kind": "disk_full"},
}


def _calls(host: Host) -> list[dict]:
    return [e for e in journal(host) if e.get("kind") == "call"]


def test_fault_rules_hit_exactly_their_call(tmp_path: Path):
    inventory = new_fleet(tmp_path / "fleet", workers=3)
    hosts = {name: Host(tmp_path / "fleet" / "hosts" / name) for name in FAULTS}
    for name, rule in FAULTS.items():
        (hosts[name].root / "faults.json").write_text(json.dumps([rule]))

    rc, output = run_playbook(inventory, "faults.yml")
    assert rc == 0  # every faulted task is ignored, so the play runs to its end
    results = task_results(output)

    first, second = results["Read the service (1st call)"], results["Read the service (2nd call)"]
    write, third = results["Write a marker"], results["Read the service (3rd call)"]
    for name in FAULTS:
        assert not first[name].get("failed") and not first[name].get("unreachable"), name
        assert not third[name].get("failed") and not third[name].get("unreachable"), name
    assert second["controller"]["failed"] and "winsim injected failure" in second["controller"]["msg"]
    assert second["worker1"]["failed"] and "Connection reset by peer" in second["worker1"]["msg"]
    assert second["worker2"]["unreachable"] and "Connection refused" in second["worker2"]["msg"]
    assert not second["worker3"].get("failed") and not second["worker3"].get("unreachable")
    assert write["worker3"]["failed"] and "not enough space on the disk" in write["worker3"]["msg"]
    assert not write["controller"].get("failed")
    assert not hosts["worker3"].local_path("C:\\ProgramData\\Alteryx\\marker.txt").exists()
    assert hosts["controller"].local_path("C:\\ProgramData\\Alteryx\\marker.txt").read_text() == "marker of controller\n"

    for name, rule in FAULTS.items():
        calls = _calls(hosts[name])
        faulted = [e for e in calls if e.get("fault")]
        assert len(faulted) == 1, (name, faulted)
        assert faulted[0]["fault"] == rule["kind"] and faulted[0]["module"] == rule["call"]
        assert faulted[0]["failed"] is (rule["kind"] != "drop")  # a drop loses the reply of a call that ran
        matching = [e for e in calls if e["call"] == rule["call"]]
        assert matching.index(faulted[0]) == rule["occurrence"] - 1
        for entry in calls:
            assert isinstance(entry["t"], float) and entry["module"]
    # After the disk-full call the disks are back to normal.
    assert not any(d.get("full") for d in hosts["worker3"].state()["disks"].values())


def test_journal_redaction_validation_paths_and_shares(fleet: Path):
    controller = Host(fleet.parent / "hosts" / "controller")
    worker = Host(fleet.parent / "hosts" / "worker1")
    rc, output = run_playbook(fleet, "journal.yml")
    results = task_results(output)
    misspelled = results["Misspelled option"]
    assert rc == 0, json.dumps(results, indent=1)[:4000]
    for name in ("controller", "worker1"):
        assert misspelled[name]["failed"]
        assert "Unsupported parameters for (win_service) module: stat" in misspelled[name]["msg"]
        assert not results["Check what the hosts answered"][name].get("failed")

    calls = _calls(controller)
    for entry in calls:
        assert {"t", "module", "args"} <= set(entry), entry
    secret = [e for e in calls if e["module"] == "ansible.windows.win_service_info"]
    assert secret and secret[0]["args"] == REDACTED
    smoke = [e for e in calls if e["call"] == "ansible.windows.win_powershell:smoke"]
    assert smoke[0]["args"]["parameters"] == {"Value": 3, "Password": REDACTED}
    assert "hunter2" not in (controller.root / "journal.jsonl").read_text()
    rejected = [e for e in calls if e["module"] == "ansible.windows.win_service"]
    assert rejected[0]["failed"] and rejected[0]["args"]["stat"] == "started"
    slurped = [e for e in _calls(worker) if e["module"] == "ansible.windows.slurp"]
    assert [e["args"]["src"] for e in slurped] == ["C:\\programdata\\ALTERYX\\runtimesettings.xml",
                                                   "\\\\FileServer\\Backups\\X.TXT"]
    assert (fleet.parent / "shares" / "fileserver" / "backups" / "x.txt").read_text() == "written by controller\n"


def test_async_job_survives_a_killed_playbook(host: Host, fleet: Path):
    async_dir = host.local_path("C:\\Users\\ansible\\.ansible_async")
    marker = host.local_path("C:\\ProgramData\\Alteryx\\async-marker.txt")
    proc = subprocess.Popen(
        [str(BIN / "ansible-playbook"), "-i", str(fleet), str(PLAYBOOKS / "async_kill.yml"), "-e", "sleep_seconds=2"],
        cwd=REPO, env=playbook_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (async_dir.is_dir() and any(async_dir.iterdir())):
            assert proc.poll() is None, "ansible-playbook ended before the async job started"
            assert time.monotonic() < deadline, "the async job never started"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert not marker.exists()  # the job was still sleeping when the controller died

    results_file = next(async_dir.iterdir())
    deadline = time.monotonic() + 15
    while not (marker.exists() and json.loads(results_file.read_text(encoding="utf-8-sig") or "{}").get("finished")):
        assert time.monotonic() < deadline, "the async job did not finish after the controller was killed"
        time.sleep(0.1)
    assert marker.read_text() == "done"
    result = json.loads(results_file.read_text(encoding="utf-8-sig"))
    assert result["finished"] and not result.get("failed")
    assert result["result"] == {"path": "C:\\ProgramData\\Alteryx\\async-marker.txt", "slept": 2.0}
    entries = [e for e in _calls(host) if e["call"] == "ansible.windows.win_powershell:sleep_marker"]
    assert len(entries) == 1 and entries[0]["async"] is True

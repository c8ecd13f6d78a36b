"""Safe runs: one run per host, a good backup is never lost, services end as the admin left them.

Every case is real ansible-playbook processes against a winsim host; the verdicts come from the host's
files, state and journal. Case counts are in the test ids; docs/reliability.md has the figures.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Run

FULL = "playbooks/backup_full.yml"
P = "ansible.windows.win_powershell:"
LOCK = ".alteryx_backup.lock"
SERVICE_CHANGES = ("service_stop_pending", "service_start_pending")


def start(fleet, playbook: str = FULL, extra: dict | None = None) -> subprocess.Popen:
    return fleet.start(playbook, extra=extra)


def finish(proc: subprocess.Popen, timeout: float = 300) -> Run:
    out, _ = proc.communicate(timeout=timeout)
    return Run(proc.returncode, out, "")


def service_state(fleet) -> str:
    return fleet.state()["services"]["AlteryxService"]["state"]


def service_changes(fleet) -> list[dict]:
    return [e for e in fleet.journal() if e.get("event") in SERVICE_CHANGES]


def wait_for(predicate, seconds: float = 60) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def assert_archives_verify(fleet) -> list[Path]:
    """Every archive present is complete: its sidecar names its SHA256."""
    archives = fleet.archives()
    for archive in archives:
        sidecar = archive.with_name(archive.name + ".sha256")
        assert sidecar.is_file(), f"{archive.name} has no sidecar"
        assert sidecar.read_text().split()[0] == hashlib.sha256(archive.read_bytes()).hexdigest(), archive.name
    return archives


def assert_no_leftovers(fleet) -> None:
    backups = fleet.backups_dir()
    assert not fleet.staging_dirs(), "a staging folder was left behind"
    assert not list(backups.glob("*.partial")), "a partial archive was left behind"
    assert not (backups / LOCK).exists(), "the lock was left behind"


# ---------------------------------------------------------------- concurrency
@pytest.mark.parametrize("runs", [2, 5, 10], ids=lambda n: f"{n}-runs-together")
def test_runs_started_together_end_with_exactly_one_archive(fleet, runs):
    procs = [start(fleet) for _ in range(runs)]
    results = [finish(p) for p in procs]
    winners = [r for r in results if r.rc == 0]
    assert len(winners) == 1, [r.output[-1500:] for r in results]
    odd = [r.output[-3000:] for r in results if r.rc != 0 and "changed nothing" not in r.output]
    assert not odd, odd[0]
    assert len(assert_archives_verify(fleet)) == 1
    assert service_state(fleet) == "running"
    assert len([e for e in service_changes(fleet) if e["event"] == "service_stop_pending"]) == 1
    assert_no_leftovers(fleet)


# ---------------------------------------------------------------- kill -9
@pytest.mark.parametrize("seed", range(10), ids=lambda s: f"kill-9-moment-{s}")
def test_a_run_after_kill_9_takes_the_lock_over_without_waiting_for_staleness(fleet, seed):
    state = fleet.state()
    state["mongo"]["dump_seconds"] = 1.5
    fleet.set_state(mongo=state["mongo"])
    moment = random.Random(seed).uniform(0.5, 9.0)
    proc = start(fleet)
    time.sleep(moment)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # A dump job the dead run started finishes on its own (and brings the service back); meanwhile a new run is
    # refused with the job's end time. It is never refused for lock_stale_seconds (900 s).
    for _ in range(30):
        run = fleet.playbook(FULL)
        if run.rc == 0:
            break
        assert "dump job" in run.output and "still running" in run.output, run.output[-2500:]
        time.sleep(1)
    assert run.rc == 0, run.output[-2500:]
    assert wait_for(lambda: service_state(fleet) == "running")
    assert 1 <= len(assert_archives_verify(fleet)) <= 2
    assert_no_leftovers(fleet)


# ---------------------------------------------------------------- a long dump stays locked
def test_a_long_dump_keeps_its_lock_fresh_and_a_second_run_touches_nothing(fleet):
    state = fleet.state()
    state["mongo"]["dump_seconds"] = 10
    fleet.set_state(mongo=state["mongo"])
    # Heartbeat every max(1, stale // 4) = 1 s; 6 s leaves a loaded machine (two test workers) room for a late one.
    stale = 6
    first = start(fleet, extra={"alteryx_backup_lock_stale_seconds": stale})
    lock = fleet.backups_dir() / LOCK
    assert wait_for(lambda: any(e.get("event") == "service_stopped" for e in fleet.journal()), 60)
    ages = []
    second = None
    while first.poll() is None and any(e.get("event") == "emongodump" for e in fleet.journal()) is False:
        if lock.exists():
            ages.append(time.time() - lock.stat().st_mtime)
        if second is None and len(ages) > 10:
            second = start(fleet, extra={"alteryx_backup_lock_stale_seconds": stale})
        time.sleep(0.25)
    assert ages and max(ages) < stale, f"the lock went {max(ages):.1f} s without a heartbeat during the dump"
    assert second is not None, "the dump ended before a second run could start"
    refused = finish(second)
    assert finish(first).rc == 0
    assert refused.rc != 0 and "changed nothing" in refused.output, refused.output[-2500:]
    assert len([e for e in service_changes(fleet) if e["event"] == "service_stop_pending"]) == 1
    assert len(assert_archives_verify(fleet)) == 1
    assert_no_leftovers(fleet)


# ---------------------------------------------------------------- services end as they were found
STOPPED_CASES = [
    pytest.param(None, id="stopped-service-clean-run"),
    pytest.param("alteryx_facts", id="stopped-service-early-fault-facts"),
    pytest.param("alteryx_preflight", id="stopped-service-early-fault-preflight"),
    pytest.param("alteryx_dump_window", id="stopped-service-fault-dump"),
    pytest.param("alteryx_archive", id="stopped-service-late-fault-archive"),
    pytest.param("alteryx_finalize", id="stopped-service-late-fault-finalize"),
]


@pytest.mark.parametrize("script", STOPPED_CASES)
def test_a_service_stopped_before_the_run_is_still_stopped_after_it(fleet, script):
    services = fleet.state()["services"]
    services["AlteryxService"]["state"] = "stopped"
    fleet.set_state(services=services)
    if script:
        fleet.faults([{"call": P + script, "occurrence": 1, "kind": "fail"}])
    run = fleet.playbook(FULL)
    assert (run.rc == 0) == (script is None), run.output[-2500:]
    assert service_state(fleet) == "stopped"
    assert service_changes(fleet) == [], "the run started or stopped a service the admin had left stopped"


# ---------------------------------------------------------------- a published archive survives
AFTER_PUBLISH = [pytest.param(script, kind, id=f"after-publish-{script}-{kind}")
                 for script in ("alteryx_retention", "alteryx_service_state", "alteryx_finalize")
                 for kind in ("fail", "drop")]


@pytest.mark.parametrize(("script", "kind"), AFTER_PUBLISH)
def test_a_fault_after_publishing_keeps_the_verified_archive(fleet, script, kind):
    fleet.faults([{"call": P + script, "occurrence": 1, "kind": kind}])
    run = fleet.playbook(FULL, extra={"alteryx_backup_network_paths": ["\\\\fileserver\\backups"]})
    assert run.rc != 0, "the injected fault was reported as success"
    assert "failure_class=" in run.output
    assert "was verified and published before the failure and stays" in run.output, run.output[-2500:]
    assert len(assert_archives_verify(fleet)) == 1
    assert len(list(fleet.share().rglob("ServerBackup_*.zip"))) == 1, "the network copy was removed"
    assert service_state(fleet) == "running"
    assert_no_leftovers(fleet)


def test_old_good_backups_survive_a_lost_connection_on_the_last_call(fleet):
    """The issue's case: two good Full archives, then the last call of a new run loses its reply."""
    assert fleet.playbook(FULL).rc == 0
    first = fleet.archives()[0]
    fleet.reset_journal()
    fleet.faults([{"call": P + "alteryx_finalize", "occurrence": 1, "kind": "drop"}])
    run = fleet.playbook(FULL, extra={"alteryx_backup_retention_days": {"Full": 0}})
    assert run.rc != 0
    archives = assert_archives_verify(fleet)
    assert archives and first not in archives, "retention should have made room only after the new archive"
    assert len(archives) == 1


# ---------------------------------------------------------------- double faults
DOUBLE = [
    pytest.param(("alteryx_archive", "fail"), ("alteryx_finalize", "fail"), id="double-archive-then-rescue-finalize"),
    pytest.param(("alteryx_dump_window", "drop"), ("alteryx_finalize", "fail"), id="double-lost-dump-then-rescue-finalize"),
    pytest.param(("alteryx_stage_files", "fail"), ("alteryx_service_state", "fail"),
                 id="double-staging-then-rescue-restart"),
]


@pytest.mark.parametrize(("first", "second"), DOUBLE)
def test_double_faults_end_with_a_running_service_and_a_next_run_that_succeeds(fleet, first, second):
    fleet.faults([{"call": P + first[0], "occurrence": 1, "kind": first[1]},
                  {"call": P + second[0], "occurrence": 1, "kind": second[1]}])
    run = fleet.playbook(FULL)
    assert run.rc != 0
    if first == ("alteryx_dump_window", "drop"):  # the lost job may not even have started yet
        assert wait_for(lambda: any(e.get("event") == "async_job_finished" and "dump_window" in e.get("call", "")
                                    for e in fleet.journal()), 60)
    assert wait_for(lambda: service_state(fleet) == "running", 60), "the service stayed down"
    assert fleet.archives() == [], "a failed run left an archive"
    fleet.faults([])
    again = fleet.playbook(FULL)
    assert again.rc == 0, again.output[-2500:]
    assert len(assert_archives_verify(fleet)) == 1
    assert_no_leftovers(fleet)


# ---------------------------------------------------------------- every host call is bounded
@pytest.mark.parametrize("script", ["alteryx_facts", "alteryx_stage_files", "alteryx_retention"],
                         ids=lambda s: f"hang-{s}")
def test_a_hung_host_call_is_ended_by_the_step_timeout(fleet, script):
    fleet.faults([{"call": P + script, "occurrence": 1, "kind": "hang"}])
    began = time.monotonic()
    run = fleet.playbook(FULL, extra={"alteryx_backup_step_timeout": 5}, timeout=120)
    assert run.rc != 0 and "Timed out after 5 second" in run.output, run.output[-2500:]
    assert time.monotonic() - began < 100
    assert service_state(fleet) == "running"
    if script == "alteryx_retention":  # after publishing: the archive stays
        assert len(assert_archives_verify(fleet)) == 1
    else:
        assert fleet.archives() == []
    assert_no_leftovers(fleet)

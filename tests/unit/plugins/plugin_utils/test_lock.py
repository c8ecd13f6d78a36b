"""Taking over another run's lock: only when it is provably gone or stale, never while its dump job lives."""

from __future__ import annotations

import os

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils import _lock

ME = _lock.Controller(host="ctl1", pid="100", started="5000")
LOCK = "D:\\Alteryx\\Backups\\.alteryx_backup.lock"


def holder(**changes):
    facts = {"lock_taken": False, "holder_run_id": "r-old", "holder_controller_host": "ctl1",
             "holder_controller_pid": "42", "holder_controller_started": "777", "holder_started_utc": "2026-11-25T01:00:00Z",
             "holder_age_seconds": 30, "job_alive": False, "job_run_id": "", "job_expires_utc": ""}
    return {**facts, **changes}


def started_of(table):
    return lambda pid: table.get(pid, "")


def test_holder_on_this_controller_whose_process_ended_is_taken_over_at_once():
    decision = _lock.judge_lock(holder(), ME, 900, LOCK, started_of({}))
    assert (decision.action, decision.after_seconds) == ("take_over", 0)


def test_a_reused_pid_is_not_the_holder():
    decision = _lock.judge_lock(holder(), ME, 900, LOCK, started_of({42: "999"}))
    assert decision.action == "take_over"


def test_holder_still_running_on_this_controller_is_refused_even_without_heartbeat():
    decision = _lock.judge_lock(holder(holder_age_seconds=5000), ME, 900, LOCK, started_of({42: "777"}))
    assert decision.action == "refuse"
    assert "still running on this controller" in decision.message


@pytest.mark.parametrize(("age", "action"), [(0, "refuse"), (899, "refuse"), (900, "take_over"), (86400, "take_over")])
def test_holder_from_another_controller_is_taken_over_once_stale(age, action):
    facts = holder(holder_controller_host="ctl2", holder_age_seconds=age)
    decision = _lock.judge_lock(facts, ME, 900, LOCK, started_of({}))
    assert decision.action == action
    if action == "take_over":
        assert decision.after_seconds == 900
    else:
        assert f"{900 - age} s from now" in decision.message and "ctl2" in decision.message


def test_unknown_start_stamp_cannot_prove_anything():
    facts = holder(holder_controller_started="", holder_age_seconds=10)
    assert _lock.judge_lock(facts, ME, 900, LOCK, started_of({})).action == "refuse"


def test_a_live_dump_job_always_refuses():
    facts = holder(job_alive=True, job_run_id="r-old", job_expires_utc="2026-11-25T07:00:00Z", holder_age_seconds=99999)
    decision = _lock.judge_lock(facts, ME, 900, LOCK, started_of({}))
    assert decision.action == "refuse"
    assert "2026-11-25T07:00:00Z" in decision.message and "changed nothing" in decision.message


def test_unreadable_lock_is_judged_by_its_age():
    facts = holder(holder_run_id="", holder_controller_host="", holder_controller_pid="", holder_controller_started="",
                   holder_age_seconds=1000)
    assert _lock.judge_lock(facts, ME, 900, LOCK, started_of({})).action == "take_over"


def test_lock_released_meanwhile_asks_to_run_again():
    decision = _lock.judge_lock(holder(holder_age_seconds=-1), ME, 900, LOCK, started_of({}))
    assert decision.action == "refuse" and "run the backup again" in decision.message


def test_this_process_has_a_start_stamp_and_a_missing_one_has_none():
    assert _lock.process_started(os.getpid()).isdigit()
    assert _lock.process_started(2**22 + 12345) == ""
    me = _lock.this_controller()
    assert me.pid == str(os.getppid()) and me.started == _lock.process_started(os.getppid())

"""A dump window started with wait: false and awaited by alteryx_dump_wait returns exactly what the dump step returns
when it waits itself: the same result, failures (class and message) and kept evidence, for every dump method."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_dump_wait, alteryx_emongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_dump_wait import ActionModule as DumpWait
from ansible_collections.alteryx.server.plugins.action.alteryx_emongodump import ActionModule as Emongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_mongodump import ActionModule as Mongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_sqlite_backup import ActionModule as SqliteBackup
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

SHA = "cd" * 32
CANARY = "Pa55-Canary!"
BASE = {"initial_state": "Running", "final_state": "Running", "downtime_seconds": 2.5, "workflows_waited_seconds": 0,
        "workflows_killed": 0, "workflows_running": 0, "dump_path": "D:\\S\\MongoDB", "exe_exit_code": 0,
        "transitions": [{"service": "AlteryxService", "state": "Stopped", "at_utc": "t1"},
                        {"service": "AlteryxService", "state": "Running", "at_utc": "t2"}]}
LOG = "2024-01-31T01:00:01.000+0000\tdone dumping AlteryxGallery.users (3 documents)\n"
RAW = {
    Emongodump: {**BASE, "method": "emongodump", "exe_stdout": "EMongoDump completed.", "exe_stderr": "",
                 "dump_log": LOG, "files": [{"path": "AlteryxGallery\\users.bson", "size": 9, "sha256": SHA}]},
    Mongodump: {**BASE, "method": "mongodump", "exe_stdout": "", "exe_stderr": LOG, "dump_log": LOG,
                "files": [{"path": "AlteryxGallery\\users.bson.gz", "size": 5, "sha256": SHA}]},
    SqliteBackup: {**BASE, "method": "copy", "exe_stdout": "", "exe_stderr": "", "dump_log": None,
                   "files": [{"path": "AlteryxService.db", "size": 8192, "sha256": SHA}]},
}
ARGS = {Emongodump: {"dump_path": "D:\\S\\MongoDB"}, SqliteBackup: {"dump_path": "D:\\S\\MongoDB"},
        Mongodump: {"dump_path": "D:\\S\\MongoDB", "host": "db1", "username": "backup", "password": CANARY}}
HANDLE = {"ansible_job_id": "j9.1", "script": "alteryx_dump_window", "step": "dump window", "started": 1.7e9,
          "timeout": 600, "poll_interval": 60.0, "no_log": False, "log_pending": -1}
TASK_VARS = {"inventory_hostname": "n1"}


class Host:
    """The host calls of both paths: the window's outcome (raw facts or a failure) and the kept-log copy."""

    def __init__(self, outcome: dict[str, Any] | AlteryxStepError) -> None:
        self.outcome = outcome
        self.calls: list[str] = []

    def _outcome(self) -> dict[str, Any]:
        if isinstance(self.outcome, AlteryxStepError):
            raise copy.deepcopy(self.outcome)
        return {**copy.deepcopy(self.outcome), "_changed": True, "_warnings": [f"w {CANARY}"]}

    def run_script(self, action: Any, script: str, parameters: dict, task_vars: dict, **kw: Any) -> dict[str, Any]:
        self.calls.append(script)
        if script == "alteryx_keep_file":
            return {"path": "D:\\Logs\\r1.mongoDump.log", "kept": True, "size": 10}
        return dict(HANDLE) if kw.get("wait") is False else self._outcome()

    def await_script(self, action: Any, job: dict, task_vars: dict, **kw: Any) -> dict[str, Any]:
        self.calls.append(f"await {job['ansible_job_id']}")
        return self._outcome()


def _action(cls: type, check_mode: bool) -> Any:
    action = cls.__new__(cls)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0, no_log=False)
    action.run_log = {"run_id": "r1", "path": "D:\\Logs\\r1.log"}
    return action


def _run(cls: type, args: dict[str, Any], host: Host, monkeypatch: pytest.MonkeyPatch,
         check_mode: bool = False) -> dict[str, Any] | AlteryxStepError:
    monkeypatch.setattr(alteryx_emongodump, "run_script", host.run_script)
    monkeypatch.setattr(alteryx_dump_wait, "await_script", host.await_script)
    validation = ArgumentSpecValidator(cls.ARGUMENT_SPEC).validate(copy.deepcopy(args))
    assert not validation.error_messages, validation.error_messages
    try:
        return _action(cls, check_mode).step(validation.validated_parameters, dict(TASK_VARS))
    except AlteryxStepError as exc:
        return exc


def _both(cls: type, outcome: Any, monkeypatch: pytest.MonkeyPatch, check_mode: bool = False,
          args: dict[str, Any] | None = None) -> tuple[Any, Any, Host]:
    """(what the step returns when it waits, what the wait returns after a wait: false start, the split's host)."""
    args = args or ARGS[cls]
    one = _run(cls, args, Host(outcome), monkeypatch, check_mode)
    split = Host(outcome)
    started = _run(cls, {**args, "wait": False}, split, monkeypatch, check_mode)
    assert isinstance(started, dict), started
    assert started["changed"] is True and set(started) == {"changed", "job", "msg"}
    waited = _run(DumpWait, {"job": started["job"], "password": args.get("password", "")}, split, monkeypatch,
                  check_mode)
    return one, waited, split


def _same(one: Any, waited: Any) -> None:
    if isinstance(one, AlteryxStepError):
        assert isinstance(waited, AlteryxStepError), waited
        assert (waited.msg, waited.failure_class) == (one.msg, one.failure_class)
        one, waited = one.result, waited.result
    for result in (one, waited):  # log lines carry the second they were made
        for line in result.get("log", []):
            line.pop("time")
    assert waited == one


@pytest.mark.parametrize("cls", list(RAW))
def test_a_good_dump_gives_the_same_result(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    one, waited, split = _both(cls, RAW[cls], monkeypatch)
    _same(one, waited)
    assert waited["log"][-1]["level"] == "SUCCESS" and split.calls == ["alteryx_dump_window", "await j9.1"]
    # Only mongodump has a password to keep out (its warnings quote it here).
    assert (CANARY in str(waited)) is (cls is not Mongodump)


def test_a_bad_dump_fails_the_same_way_and_keeps_its_log(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {**RAW[Emongodump], "exe_stdout": "EMongoDump failed: disk full"}
    one, waited, split = _both(Emongodump, bad, monkeypatch)
    _same(one, waited)
    assert waited.failure_class == "mongodb" and "kept at D:\\Logs\\r1.mongoDump.log" in waited.msg
    assert split.calls == ["alteryx_dump_window", "await j9.1", "alteryx_keep_file"]


@pytest.mark.parametrize("failure", [
    AlteryxStepError("workflows still running after 3600 s", "service_timeout", {**BASE, "files": []}),
    AlteryxStepError("host job j9.1 ran longer than its timeout", "service_timeout", {"ansible_job_id": "j9.1"}),
    AlteryxStepError("lost track of host job j9.1 (dump window step) after 3 failed polls", "general",
                     {"ansible_job_id": "j9.1"}),
    AlteryxStepError("mongodump.exe could not be run", "mongodb", {**BASE, "files": []}),
])
def test_a_failed_job_fails_the_wait_as_it_fails_the_step(failure: AlteryxStepError,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    one, waited, _split = _both(Emongodump, failure, monkeypatch)
    _same(one, waited)
    assert waited.result["log"][0]["level"] == "ERROR"


def test_the_mongodb_password_stays_out_of_the_waits_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    failure = AlteryxStepError(f"mongodump failed quoting {CANARY}", "mongodb", {**BASE, "files": []})
    one, waited, _split = _both(Mongodump, failure, monkeypatch)
    _same(one, waited)
    assert CANARY not in waited.msg and "********" in waited.msg


def test_a_start_that_failed_fails_like_the_step_and_returns_no_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    lost = AlteryxStepError("lost the reply to the start of the host job for the dump window step", "general")

    def start_fails(*_a: Any, **_k: Any) -> dict[str, Any]:
        raise copy.deepcopy(lost)
    host = Host(RAW[Emongodump])
    host.run_script = start_fails  # type: ignore[method-assign]
    started = _run(Emongodump, {**ARGS[Emongodump], "wait": False}, host, monkeypatch)
    assert isinstance(started, AlteryxStepError) and started.msg == lost.msg and "job" not in started.result


@pytest.mark.parametrize("cls", list(RAW))
def test_check_mode_says_the_same_and_touches_nothing(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    one, waited, split = _both(cls, RAW[cls], monkeypatch, check_mode=True)
    _same(one, waited)
    assert split.calls == [] and waited["msg"].startswith("Would ")


def test_a_real_handle_in_check_mode_is_not_polled(monkeypatch: pytest.MonkeyPatch) -> None:
    job = {**HANDLE, "method": "emongodump", "dump_path": "D:\\S\\MongoDB", "host": "n1", "check_mode": False}
    host = Host(RAW[Emongodump])
    result = _run(DumpWait, {"job": job}, host, monkeypatch, check_mode=True)
    assert host.calls == [] and result["msg"] == "Would wait for host job j9.1 and judge its emongodump"


def test_another_hosts_handle_is_refused_before_any_host_call(monkeypatch: pytest.MonkeyPatch) -> None:
    job = {**HANDLE, "method": "copy", "dump_path": "D:\\S\\MongoDB", "host": "n2", "check_mode": False}
    host = Host(RAW[SqliteBackup])
    refused = _run(DumpWait, {"job": job}, host, monkeypatch)
    assert isinstance(refused, AlteryxStepError) and refused.failure_class == "validation"
    assert "dump window of n2, not of n1" in refused.msg and host.calls == []

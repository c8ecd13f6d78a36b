"""Issue 11, truthful messages: a failed dump's log is kept before cleanup and the message says where; a destination
error gets the advice that fits it; check mode never claims SUCCESS and writes nothing."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_emongodump, alteryx_finalize, alteryx_preflight
from ansible_collections.alteryx.server.plugins.action.alteryx_emongodump import ActionModule as Emongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_finalize import ActionModule as Finalize
from ansible_collections.alteryx.server.plugins.action.alteryx_finalize import check_mode_entries
from ansible_collections.alteryx.server.plugins.action.alteryx_mongodump import ActionModule as Mongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_preflight import ActionModule as Preflight
from ansible_collections.alteryx.server.plugins.action.alteryx_sqlite_backup import ActionModule as SqliteBackup
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._lock import Controller
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry

RUN_LOG = {"run_id": "r1", "path": "D:\\Alteryx\\BackupLogs\\BackupLog_Full_20240131_020000.log"}
KEPT = "D:\\Alteryx\\BackupLogs\\BackupLog_Full_20240131_020000.mongoDump.log"
DUMP = "D:\\Temp\\ServerBackup_Full_20240131_020000.staging\\MongoDB"
FAILED_LOG = "2024-01-31T02:00:00.000+0000\tFailed: error writing data: There is not enough space on the disk.\n"
WINDOW = {"initial_state": "Running", "final_state": "Running", "transitions": [], "downtime_seconds": 3.0,
          "workflows_waited_seconds": 0, "workflows_killed": 0, "workflows_running": 0, "dump_path": DUMP,
          "method": "emongodump", "exe_exit_code": 0, "exe_stdout": "Mongodump failed: 14", "exe_stderr": FAILED_LOG,
          "dump_log": FAILED_LOG, "files": []}


def _action(cls: type, run_log: dict | None, check_mode: bool = False) -> Any:
    action = cls.__new__(cls)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0, no_log=False)
    action.run_log = run_log
    return action


def _fake_host(monkeypatch: pytest.MonkeyPatch, module: Any, replies: dict[str, Any]) -> list[tuple[str, dict]]:
    """run_script answering each script from ``replies`` (a dict result, or an exception to raise)."""
    calls: list[tuple[str, dict]] = []

    def fake_run_script(self: Any, script: str, parameters: dict, task_vars: dict, **kwargs: Any) -> dict:
        calls.append((script, {**parameters, "_carry_run_log": kwargs.get("carry_run_log", True)}))
        reply = replies[script]
        if isinstance(reply, Exception):
            raise reply
        return {**copy.deepcopy(reply), "_changed": True, "_warnings": []}

    monkeypatch.setattr(module, "run_script", fake_run_script)
    return calls


def _dump(cls: type, monkeypatch: pytest.MonkeyPatch, replies: dict[str, Any], run_log: dict | None = RUN_LOG,
          args: dict | None = None) -> tuple[AlteryxStepError, list[tuple[str, dict]]]:
    calls = _fake_host(monkeypatch, alteryx_emongodump, replies)
    validated = ArgumentSpecValidator(cls.ARGUMENT_SPEC).validate({"dump_path": DUMP, **(args or {})})
    assert not validated.error_messages
    with pytest.raises(AlteryxStepError) as caught:
        _action(cls, run_log).step(validated.validated_parameters, {})
    return caught.value, calls


# --- 1. a failed dump's log is kept beside the host log -------------------------------------------------------

def test_a_bad_verdict_keeps_the_dump_log_beside_the_host_log_and_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    kept = {"source": f"{DUMP}\\mongoDump.log", "path": KEPT, "kept": True, "size": len(FAILED_LOG)}
    error, calls = _dump(Emongodump, monkeypatch, {"alteryx_dump_window": WINDOW, "alteryx_keep_file": kept})
    assert [c[0] for c in calls] == ["alteryx_dump_window", "alteryx_keep_file"]
    assert calls[1][1] == {"Source": f"{DUMP}\\mongoDump.log", "Destination": KEPT, "_carry_run_log": False}
    assert error.failure_class == "mongodb"
    assert error.msg == ("emongodump failed: Mongodump failed: 14 (the dump's log is kept at "
                         f"{KEPT}; the service is running).")


def test_a_dump_that_wrote_no_log_says_so_and_copies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = {**WINDOW, "dump_log": None, "exe_stdout": "EMongoDump failed: embedded MongoDB is not enabled on this node."}
    error, calls = _dump(Emongodump, monkeypatch, {"alteryx_dump_window": raw})
    assert [c[0] for c in calls] == ["alteryx_dump_window"]
    assert f"no mongoDump.log was written in {DUMP}; the service is running" in error.msg


def test_a_log_that_could_not_be_kept_says_why_and_that_cleanup_removes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = AlteryxStepError(f"Cannot copy {DUMP}\\mongoDump.log to {KEPT} : Access to the path '{KEPT}' is denied.",
                               "storage", {"kept": False})
    error, _calls = _dump(Emongodump, monkeypatch, {"alteryx_dump_window": WINDOW, "alteryx_keep_file": refused})
    assert error.failure_class == "mongodb"  # the dump's failure stays the one reported
    assert f"{DUMP}\\mongoDump.log could not be kept (Cannot copy" in error.msg
    assert "the failure cleanup removes it with the staging folder; the service is running)." in error.msg


def test_a_log_gone_before_the_copy_is_reported_as_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    gone = {"source": f"{DUMP}\\mongoDump.log", "path": KEPT, "kept": False, "size": 0}
    error, _calls = _dump(Emongodump, monkeypatch, {"alteryx_dump_window": WINDOW, "alteryx_keep_file": gone})
    assert "no mongoDump.log was written" in error.msg and KEPT not in error.msg


def test_outside_the_role_the_log_stays_in_the_dump_folder_and_is_named_there(monkeypatch: pytest.MonkeyPatch) -> None:
    error, calls = _dump(Emongodump, monkeypatch, {"alteryx_dump_window": WINDOW}, run_log=None)
    assert [c[0] for c in calls] == ["alteryx_dump_window"]
    assert f"(see {DUMP}\\mongoDump.log; the service is running)." in error.msg


def test_a_job_that_failed_in_the_dump_keeps_the_log_too(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = AlteryxStepError("mongodump failed: The pipe has been ended.", "mongodb", {**WINDOW, "files": []})
    kept = {"source": f"{DUMP}\\mongoDump.log", "path": KEPT, "kept": True, "size": 10}
    error, calls = _dump(Mongodump, monkeypatch, {"alteryx_dump_window": failed, "alteryx_keep_file": kept},
                         args={"host": "db1"})
    assert [c[0] for c in calls] == ["alteryx_dump_window", "alteryx_keep_file"]
    assert error.msg == f"mongodump failed: The pipe has been ended (the dump's log is kept at {KEPT})."
    assert error.result["log"][0]["message"] == error.msg


def test_a_job_that_failed_stopping_the_service_copies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = AlteryxStepError("stop failed: the service did not stop within 1 s", "service_timeout", dict(WINDOW))
    error, calls = _dump(Emongodump, monkeypatch, {"alteryx_dump_window": failed})
    assert [c[0] for c in calls] == ["alteryx_dump_window"] and error.msg.startswith("stop failed")


def test_a_sqlite_copy_has_no_dump_log_to_keep(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = {**WINDOW, "method": "copy", "dump_log": None, "exe_stdout": ""}
    error, calls = _dump(SqliteBackup, monkeypatch, {"alteryx_dump_window": raw})
    assert [c[0] for c in calls] == ["alteryx_dump_window"]
    assert "mongoDump.log" not in error.msg and "held no file" in error.msg


# --- 2. a destination error gets the advice that fits it ------------------------------------------------------

PREFLIGHT = {"is_admin": True, "mongo_data_bytes": 0, "required_bytes": 0, "free_bytes": 1000, "lock_taken": False,
             "holder_run_id": "", "holder_age_seconds": -1, "job_alive": False, "stale_run_id": "", "cleaned": []}


def _preflight_failure(monkeypatch: pytest.MonkeyPatch, destinations: list[dict], failure_class: str = "storage",
                       message: str = "Destination not writable") -> AlteryxStepError:
    raw = AlteryxStepError(message, failure_class, {**PREFLIGHT, "destinations": destinations})
    _fake_host(monkeypatch, alteryx_preflight, {"alteryx_preflight": raw})
    monkeypatch.setattr(alteryx_preflight, "this_controller", lambda: Controller("ctl", "1", "t"))
    args = ArgumentSpecValidator(Preflight.ARGUMENT_SPEC).validate({
        "run_id": "r1", "local_dir": "D:\\Alteryx\\Backups", "lock_path": "D:\\Alteryx\\Backups\\.lock",
        "staging_path": "D:\\Temp\\x.staging", "destinations": [d["path"] for d in destinations]})
    with pytest.raises(AlteryxStepError) as caught:
        _action(Preflight, None).step(args.validated_parameters, {})
    return caught.value


def test_access_denied_on_a_share_gets_the_delegation_advice(monkeypatch: pytest.MonkeyPatch) -> None:
    error = _preflight_failure(monkeypatch, [
        {"path": "\\\\nas\\b\\c1", "writable": False, "error": "Access to the path '\\\\nas\\b\\c1' is denied.",
         "hresult": -2147024891}])
    assert error.failure_class == "storage"
    assert error.msg.startswith("Destination not writable: \\\\nas\\b\\c1: Access to the path '\\\\nas\\b\\c1' is "
                                "denied. WinRM does not delegate credentials")
    assert "CredSSP" in error.msg and "computer account" in error.msg


def test_a_missing_share_gets_the_name_dns_and_port_advice_not_delegation(monkeypatch: pytest.MonkeyPatch) -> None:
    error = _preflight_failure(monkeypatch, [
        {"path": "\\\\nas\\b", "writable": True, "error": "", "hresult": 0},
        {"path": "\\\\nsa\\b", "writable": False, "error": "The network path was not found.", "hresult": -2147024843},
        {"path": "\\\\x\\y", "writable": False, "error": "The network path was not found.", "hresult": -2147024843}])
    assert "\\\\nsa\\b: The network path was not found. Check the server and share names" in error.msg
    assert "DNS" in error.msg and "445" in error.msg and "delegat" not in error.msg
    assert error.msg.endswith("Also not writable: \\\\x\\y.")


def test_a_malformed_path_is_told_to_fix_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    error = _preflight_failure(monkeypatch, [
        {"path": "\\\\nas", "writable": False, "error": "The UNC path should be of the form \\\\server\\share.",
         "hresult": -2147024809}])
    assert "Fix the path" in error.msg and "delegat" not in error.msg and "445" not in error.msg


def test_any_other_error_is_quoted_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    error = _preflight_failure(monkeypatch, [
        {"path": "\\\\nas\\b", "writable": False, "error": "There is not enough space on the disk.",
         "hresult": -2147024784}])
    assert error.msg == "Destination not writable: \\\\nas\\b: There is not enough space on the disk."


def test_other_preflight_failures_keep_their_message(monkeypatch: pytest.MonkeyPatch) -> None:
    error = _preflight_failure(monkeypatch, [], failure_class="validation", message="Required item(s) missing: X")
    assert error.msg == "Required item(s) missing: X"


def test_the_probe_hresult_stays_out_of_the_documented_result(monkeypatch: pytest.MonkeyPatch) -> None:
    reply = {**PREFLIGHT, "lock_taken": True, "stale_started_utc": "", "stale_controller": "",
             "destinations": [{"path": "\\\\nas\\b", "writable": True, "error": "", "hresult": 0}]}
    _fake_host(monkeypatch, alteryx_preflight, {"alteryx_preflight": reply})
    monkeypatch.setattr(alteryx_preflight, "this_controller", lambda: Controller("ctl", "1", "t"))
    args = ArgumentSpecValidator(Preflight.ARGUMENT_SPEC).validate({
        "run_id": "r1", "local_dir": "D:\\B", "lock_path": "D:\\B\\.lock", "staging_path": "D:\\T\\x.staging",
        "destinations": ["\\\\nas\\b"]})
    result = _action(Preflight, None).step(args.validated_parameters, {})
    assert result["preflight"]["destinations"] == [{"path": "\\\\nas\\b", "writable": True, "error": ""}]


# --- 3. check mode never claims SUCCESS and writes nothing ----------------------------------------------------

def _finalize(monkeypatch: pytest.MonkeyPatch, check_mode: bool, **args: Any) -> tuple[dict, list]:
    calls = _fake_host(monkeypatch, alteryx_finalize, {"alteryx_finalize": {
        "log_path": args.get("log_path", ""), "removed": [], "lock_released": True, "window_waited_seconds": 0}})
    monkeypatch.setattr(alteryx_finalize, "Display", lambda: SimpleNamespace(verbosity=0))
    validated = ArgumentSpecValidator(Finalize.ARGUMENT_SPEC).validate({"run_id": "r1", "lock_path": "D:\\B\\.lock",
                                                                        **args})
    assert not validated.error_messages
    return _action(Finalize, None, check_mode).step(validated.validated_parameters, {}), calls


def test_check_mode_finalize_writes_nothing_and_says_what_would_happen(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = [{"log": [entry("INFO", "Would stop AlteryxService, run emongodump=D:\\x, then start it again"),
                      entry("SUCCESS", "a step that claims success")]}]
    result, calls = _finalize(monkeypatch, True, log_path="D:\\L\\BackupLog_Full_1.log", steps=steps,
                              message="Full backup of controller would succeed: would write D:\\B\\a.zip")
    assert calls == [] and result["removed"] == []
    lines = result["log_text"].splitlines()
    assert "[SUCCESS]" not in result["log_text"]
    assert lines[-1].split(" ", 2)[2] == ("[INFO] Check mode: Full backup of controller would succeed: would write "
                                          "D:\\B\\a.zip")
    assert "[INFO] a step that claims success" in lines[1]


def test_check_mode_failure_is_an_error_line_not_success(monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _finalize(monkeypatch, True, outcome="failure", message="Full backup of c1 failed in 'Preflight'")
    assert calls == []
    assert result["log_text"].splitlines()[-1].split(" ", 2)[2] == ("[ERROR] Check mode: Full backup of c1 failed "
                                                                    "in 'Preflight'")


def test_a_real_run_still_ends_with_success(monkeypatch: pytest.MonkeyPatch) -> None:
    result, [(script, parameters)] = _finalize(monkeypatch, False, log_path="D:\\L\\x.log", message="done")
    assert script == "alteryx_finalize" and parameters["LogText"].endswith("[SUCCESS] done\n")


def test_check_mode_entries_without_a_message_name_the_run() -> None:
    [line] = check_mode_entries([], "", "r9", "success")
    assert line["level"] == "INFO" and line["message"] == "Check mode: run r9 would end: success"

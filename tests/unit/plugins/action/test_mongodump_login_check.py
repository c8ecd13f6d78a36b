"""alteryx_mongodump checks the login from the controller before stop_service stops anything."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_emongodump, alteryx_mongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_mongodump import ActionModule as Mongodump
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

PASSWORD = "pw-Canary"
ARGS = {"dump_path": "D:\\S\\MongoDB", "host": "db1", "username": "backup", "password": PASSWORD}
LOG = ("2024-01-31T01:00:00.000+0000\twriting AlteryxGallery.users to D:\\S\\MongoDB\\AlteryxGallery\\users.bson.gz\n"
       "2024-01-31T01:00:01.000+0000\tdone dumping AlteryxGallery.users (3 documents)\n")
RAW = {"initial_state": "Running", "final_state": "Running", "transitions": [], "downtime_seconds": 0,
       "workflows_waited_seconds": 0, "workflows_killed": 0, "workflows_running": 0, "dump_path": "D:\\S\\MongoDB",
       "method": "mongodump", "exe_exit_code": 0, "exe_stdout": "", "dump_log": LOG, "exe_stderr": LOG,
       "files": [{"path": "AlteryxGallery\\users.bson.gz", "size": 300, "sha256": "ab" * 32},
                 {"path": "mongoDump.log", "size": 120, "sha256": "ab" * 32}]}


def _run(args: dict[str, Any], monkeypatch: pytest.MonkeyPatch, check: Exception | None) -> tuple[Any, list, list]:
    checks: list[tuple[dict, str]] = []
    calls: list[str] = []

    def fake_check(conn: dict, password: str, timeout: float = 10.0) -> dict:
        checks.append((conn, password))
        if check:
            raise check
        return {}

    def fake_run_script(self: Any, script: str, parameters: dict, task_vars: dict, **_: Any) -> dict:
        calls.append(script)
        return {**copy.deepcopy(RAW), "_changed": True, "_warnings": []}

    monkeypatch.setattr(alteryx_mongodump, "check_mongodb", fake_check)
    monkeypatch.setattr(alteryx_emongodump, "run_script", fake_run_script)
    action = Mongodump.__new__(Mongodump)
    action._task = SimpleNamespace(check_mode=False, async_val=0, no_log=False)
    validated = ArgumentSpecValidator(Mongodump.ARGUMENT_SPEC).validate({**ARGS, **args})
    assert not validated.error_messages, validated.error_messages
    try:
        return action.step(validated.validated_parameters, {}), checks, calls
    except AlteryxStepError as exc:
        return exc, checks, calls


def test_a_refused_login_fails_before_the_host_job(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = AlteryxStepError("MongoDB at mongodb://db1:27017/ refused the login of user 'backup': check the "
                               "password", "mongodb", {"reachable": True})
    error, checks, calls = _run({"stop_service": True}, monkeypatch, refused)
    assert isinstance(error, AlteryxStepError) and error.failure_class == "mongodb" and calls == []
    assert "refused the login" in error.msg and "The service was not stopped" in error.msg
    assert "login_check: none" in error.msg and PASSWORD not in error.msg
    [(conn, password)] = checks
    assert password == PASSWORD and conn["username"] == "backup"


def test_a_good_login_goes_on_to_the_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    result, checks, calls = _run({"stop_service": True}, monkeypatch, None)
    assert len(checks) == 1 and calls == ["alteryx_dump_window"] and result["changed"] is True


@pytest.mark.parametrize("args", [{"stop_service": False}, {"stop_service": True, "login_check": "none"}])
def test_no_check_without_a_stop_or_when_turned_off(args: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    result, checks, calls = _run(args, monkeypatch, AlteryxStepError("unreachable", "mongodb"))
    assert checks == [] and calls == ["alteryx_dump_window"] and result["changed"] is True

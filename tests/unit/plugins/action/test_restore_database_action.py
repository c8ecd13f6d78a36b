"""alteryx_restore_database: which host windows run, and how each failure keeps the live data, with the script faked."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_restore_database
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

DATA = "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB"
MANIFEST = {"Extensions": {"MongoDB": {"DataPath": DATA, "DumpFiles": [{"RelativePathInArchive": "MongoDB/a/b.bson"}],
                                       "Databases": [{"Name": "a", "Collections": [{"Name": "b", "Documents": 4}]}]}}}
ARGS = {"archive": "D:\\B\\ServerBackup_Full_20240131_020000.zip", "manifest": MANIFEST, "run_id": "r1"}
GOOD_LOG = "t\t4 document(s) restored successfully. 0 document(s) failed to restore.\n"


def _run(monkeypatch: pytest.MonkeyPatch, replies: dict[str, Any], args: dict[str, Any] | None = None,
         check_mode: bool = False) -> tuple[Any, list[str]]:
    """Step result (or the AlteryxStepError raised) and the phases called; a reply that is an exception is raised."""
    phases: list[str] = []

    def fake_run_script(action: Any, script: str, parameters: dict[str, Any], task_vars: Any, **_: Any) -> dict:
        assert script == "alteryx_restore_database"
        phases.append(parameters["Phase"])
        reply = replies[parameters["Phase"]]
        if isinstance(reply, Exception):
            raise reply
        return {"final_state": "Running", **reply, "_changed": True, "_warnings": []}

    monkeypatch.setattr(alteryx_restore_database, "run_script", fake_run_script)
    validation = ArgumentSpecValidator(alteryx_restore_database.ActionModule.ARGUMENT_SPEC).validate(args or ARGS)
    assert not validation.error_messages
    action = alteryx_restore_database.ActionModule.__new__(alteryx_restore_database.ActionModule)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0)
    try:
        return action.step(validation.validated_parameters, {}), phases
    except AlteryxStepError as exc:
        return exc, phases


def test_a_sound_restore_is_switched_in(monkeypatch: pytest.MonkeyPatch) -> None:
    result, phases = _run(monkeypatch, {"restore": {"restore_log": GOOD_LOG, "exe_stdout": ""}, "switch": {}})
    assert phases == ["restore", "switch"]
    assert result["restored_documents"] == 4 and result["plan"]["old_path"] == DATA + "_OLD_r1"


def test_an_unsound_log_discards_the_new_folder_and_fails_mongodb(monkeypatch: pytest.MonkeyPatch) -> None:
    log = "t\t3 document(s) restored successfully. 1 document(s) failed to restore.\n"
    error, phases = _run(monkeypatch, {"restore": {"restore_log": log, "exe_stdout": ""}, "discard": {}})
    assert phases == ["restore", "discard"]
    assert error.failure_class == "mongodb" and "live data" in error.msg and "1 document(s) failed" in error.msg
    assert error.result["warnings"] == []


def test_a_failed_restore_window_discards_and_keeps_its_class(monkeypatch: pytest.MonkeyPatch) -> None:
    error, phases = _run(monkeypatch, {"restore": AlteryxStepError("service stop failed", "service_timeout"),
                                       "discard": AlteryxStepError("access denied", "mongodb")})
    assert phases == ["restore", "discard"]
    assert error.failure_class == "service_timeout" and "was not touched" in error.msg
    assert "Could not remove " + DATA + "_RESTORE_r1" in error.result["warnings"][0]


def test_a_failed_switch_names_where_the_restored_data_is(monkeypatch: pytest.MonkeyPatch) -> None:
    error, phases = _run(monkeypatch, {"restore": {"restore_log": GOOD_LOG, "exe_stdout": ""},
                                       "switch": AlteryxStepError("switch failed: in use", "mongodb")})
    assert phases == ["restore", "switch"]
    assert error.failure_class == "mongodb" and DATA + "_RESTORE_r1" in error.msg


def test_a_manifest_without_a_dump_touches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    error, phases = _run(monkeypatch, {}, {**ARGS, "manifest": {"BackedUpFiles": []}})
    assert phases == [] and error.failure_class == "validation"


def test_check_mode_plans_without_calling_the_node(monkeypatch: pytest.MonkeyPatch) -> None:
    result, phases = _run(monkeypatch, {}, check_mode=True)
    assert phases == [] and result["plan"]["expected_documents"] == 4 and result["changed"]

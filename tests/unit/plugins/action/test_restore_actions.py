"""alteryx_restore_check and alteryx_restore_config: how each refuses, with the host scripts replaced."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_restore_check, alteryx_restore_config
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

NAME = "ServerBackup_DB_20240131_020000.zip"
SHA = "ab" * 32
SETTINGS = {"FilePath": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml", "RelativePathInArchive": "Config/RuntimeSettings.xml",
            "SizeBytes": 3, "SHA256": "cd" * 32}


def _step(module: Any, monkeypatch: pytest.MonkeyPatch, args: dict[str, Any], reply: dict[str, Any],
          check_mode: bool = False) -> tuple[dict[str, Any], list[str]]:
    calls: list[str] = []

    def fake_run_script(action: Any, script: str, parameters: dict[str, Any], task_vars: Any, **_: Any) -> dict:
        calls.append(script)
        return {**reply, "_changed": True, "_warnings": []}

    monkeypatch.setattr(module, "run_script", fake_run_script)
    validation = ArgumentSpecValidator(module.ActionModule.ARGUMENT_SPEC).validate(args)
    assert not validation.error_messages
    action = module.ActionModule.__new__(module.ActionModule)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0)
    return action.step(validation.validated_parameters, {}), calls


def test_check_refuses_a_scope_the_archive_does_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = {"BackupMetadata": {"BackupMode": "DatabaseOnly"}, "BackedUpFiles": []}
    reply = {"archive": "D:\\B\\" + NAME, "archive_sha256": SHA, "sidecar": f"{SHA}  {NAME}",
             "manifest": json.dumps(manifest), "entries": [{"name": "BackupManifest.json", "size": 9, "sha256": SHA}]}
    with pytest.raises(AlteryxStepError) as caught:
        _step(alteryx_restore_check, monkeypatch, {"scope": "ConfigOnly"}, reply)
    assert caught.value.failure_class == "invalid_mode"
    assert "a DatabaseOnly archive holds no ConfigOnly restore" in caught.value.msg


def test_check_refuses_a_damaged_archive_naming_the_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    reply = {"archive": "D:\\B\\" + NAME, "archive_sha256": SHA, "sidecar": None, "manifest": None, "entries": []}
    with pytest.raises(AlteryxStepError) as caught:
        _step(alteryx_restore_check, monkeypatch, {}, reply)
    assert caught.value.failure_class == "validation"
    assert "is damaged, nothing was restored" in caught.value.msg and ".sha256 is missing" in caught.value.msg
    assert caught.value.result["problems"] and caught.value.result["changed"] is False


def test_config_fails_when_a_written_file_differs_from_the_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    args = {"archive": "D:\\B\\" + NAME, "manifest": {"BackupMetadata": {}, "BackedUpFiles": [SETTINGS]}, "run_id": "r1"}
    written = {"files": [{"entry": SETTINGS["RelativePathInArchive"], "path": SETTINGS["FilePath"], "size": 3,
                          "sha256": "00" * 32, "safety_copy": SETTINGS["FilePath"] + ".pre-restore-r1"}]}
    with pytest.raises(AlteryxStepError) as caught:
        _step(alteryx_restore_config, monkeypatch, args, written)
    assert caught.value.failure_class == "storage"
    assert ".pre-restore-r1 copies hold the previous files" in caught.value.msg
    assert "after writing, the manifest says " + "cd" * 32 in caught.value.msg


def test_config_without_a_place_to_go_touches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    args = {"archive": "D:\\B\\" + NAME, "manifest": {"BackedUpFiles": [{**SETTINGS, "FilePath": ""}]}, "run_id": "r1"}
    with pytest.raises(AlteryxStepError) as caught:
        _step(alteryx_restore_config, monkeypatch, args, {})
    assert caught.value.failure_class == "validation" and "has no absolute FilePath" in caught.value.msg


def test_config_in_check_mode_plans_without_calling_the_node(monkeypatch: pytest.MonkeyPatch) -> None:
    args = {"archive": "D:\\B\\" + NAME, "manifest": {"BackedUpFiles": [SETTINGS]}, "run_id": "r1"}
    result, calls = _step(alteryx_restore_config, monkeypatch, args, {}, check_mode=True)
    assert calls == [] and result["files"] == [] and result["changed"] is True
    assert result["plan"] == [{"entry": "Config/RuntimeSettings.xml", "path": SETTINGS["FilePath"], "sha256": "cd" * 32}]

"""alteryx_backup_inventory and alteryx_backup_report: their failure paths and what they write (no host)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_backup_inventory, alteryx_backup_report
from ansible_collections.alteryx.server.plugins.plugin_utils import _host
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

NAME = "ServerBackup_Full_20261126_020000.zip"
GOOD = {"folder": "D:\\B", "name": NAME, "size": 200000, "last_write_utc": "2026-11-26T02:10:00Z",
        "has_sidecar": True, "sidecar": f"{'a' * 64}  {NAME}", "has_manifest": True, "has_manifest_copy": True,
        "sha256": "", "hash_error": ""}


def _step(module: Any, args: dict[str, Any], task_vars: dict[str, Any] | None = None, check_mode: bool = False) -> dict:
    cls = module.ActionModule
    validation = ArgumentSpecValidator(cls.ARGUMENT_SPEC).validate(args)
    assert not validation.error_messages, validation.error_messages
    action = cls.__new__(cls)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0, no_log=False)
    return action.step(validation.validated_parameters, task_vars or {"inventory_hostname": "controller"})


def _script(monkeypatch: pytest.MonkeyPatch, reply: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake(action: Any, name: str, parameters: dict[str, Any], task_vars: dict[str, Any], **_: Any) -> dict:
        calls.append(parameters)
        return reply(parameters) if callable(reply) else reply

    monkeypatch.setattr(alteryx_backup_inventory, "run_script", fake)
    return calls


# --- alteryx_backup_inventory --------------------------------------------------------------------------------

def test_inventory_lists_the_local_and_network_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _script(monkeypatch, lambda p: {"folders": [{"path": f, "exists": i == 0, "error": ""}
                                                        for i, f in enumerate(p["Folders"])], "listing": [GOOD]})
    result = _step(alteryx_backup_inventory, {"local_dir": "D:\\B", "network_paths": ["\\\\fs\\b"], "verify": True})
    assert calls == [{"Folders": ["D:\\B", "\\\\fs\\b\\controller"], "Verify": True}]
    assert result["backups"]["Full"]["name"] == NAME
    assert result["warnings"] == ["\\\\fs\\b\\controller does not exist or is not reachable"]


def test_inventory_refuses_bad_minimum_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _script(monkeypatch, {})
    with pytest.raises(AlteryxStepError) as exc:
        _step(alteryx_backup_inventory, {"local_dir": "D:\\B", "min_bytes": {"Full": -1}})
    assert exc.value.failure_class == "validation" and calls == []


def test_inventory_refuses_a_reply_of_another_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    _script(monkeypatch, {"folders": [], "listing": [{**GOOD, "size": "big"}]})
    with pytest.raises(AlteryxStepError, match="unexpected inventory from the host") as exc:
        _step(alteryx_backup_inventory, {"local_dir": "D:\\B"})
    assert exc.value.failure_class == "general"


def test_a_host_script_failure_stays_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_: Any, **__: Any) -> dict:
        raise AlteryxStepError("Backup inventory failed: Access is denied", "storage")

    monkeypatch.setattr(alteryx_backup_inventory, "run_script", failing)
    with pytest.raises(AlteryxStepError) as exc:
        _step(alteryx_backup_inventory, {"local_dir": "D:\\B"})
    assert exc.value.failure_class == "storage"


def test_a_lost_connection_makes_the_host_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """run_script turns a transport error into a step failure; the inventory returns it as unreachable."""
    def refused(action: Any, module_args: Any, task_vars: Any, *_: Any, **__: Any) -> dict:
        raise AnsibleConnectionFailure("winrm connection error: Connection refused")

    monkeypatch.setattr(_host, "_execute", refused)
    monkeypatch.setattr(alteryx_backup_inventory, "run_script", _host.run_script)
    result = _step(alteryx_backup_inventory, {"local_dir": "D:\\B"})
    assert result["unreachable"] is True
    assert result["msg"] == ("the host could not be reached to list its backups (AnsibleConnectionFailure: winrm "
                             "connection error: Connection refused)")


# --- alteryx_backup_report -----------------------------------------------------------------------------------

def _fleet(**inventories: Any) -> dict[str, Any]:
    return {"ansible_play_hosts_all": list(inventories),
            "hostvars": {name: ({"_alteryx_report_inventory": inv} if inv is not None else {})
                         for name, inv in inventories.items()}}


FRESH = {"backups": {"Full": {"name": NAME, "mode": "Full", "written_utc": "2099-01-01T00:00:00Z", "size": 200000,
                              "verification": "not verified", "copies": ["D:\\B\\" + NAME], "bad_copies": []}},
         "bad": [], "archives": 1, "folders": [{"path": "D:\\B", "exists": True, "error": ""}]}
OLD = {**FRESH, "backups": {"Full": {**FRESH["backups"]["Full"], "written_utc": "2020-01-01T00:00:00Z"}}}


def test_report_writes_three_files_and_passes_when_all_are_fresh(tmp_path: Path) -> None:
    result = _step(alteryx_backup_report, {"dest": str(tmp_path / "r")}, _fleet(a=FRESH, b=FRESH))
    assert sorted(os.listdir(tmp_path / "r")) == ["report.html", "report.json", "report.md"]
    assert json.loads((tmp_path / "r" / "report.json").read_text())["ok"] is True
    assert result["summary"] == "2 servers: 2 OK" and result["changed"]


def test_report_fails_after_writing_naming_each_problem_host(tmp_path: Path) -> None:
    with pytest.raises(AlteryxStepError) as exc:
        _step(alteryx_backup_report, {"dest": str(tmp_path)}, _fleet(a=FRESH, old=OLD, gone=None))
    assert exc.value.failure_class == "validation"
    assert "old: STALE" in exc.value.msg and "gone: UNREACHABLE" in exc.value.msg
    assert str(tmp_path / "report.html") in exc.value.msg
    assert "| old | Full | STALE |" in (tmp_path / "report.md").read_text()


def test_report_can_be_told_not_to_fail(tmp_path: Path) -> None:
    result = _step(alteryx_backup_report, {"dest": str(tmp_path), "fail_on_problem": False}, _fleet(old=OLD))
    assert result["problem_hosts"] == {"STALE": ["old"]}


def test_report_in_check_mode_writes_nothing_and_still_fails(tmp_path: Path) -> None:
    with pytest.raises(AlteryxStepError):
        _step(alteryx_backup_report, {"dest": str(tmp_path / "r")}, _fleet(old=OLD), check_mode=True)
    assert not (tmp_path / "r").exists()


def test_report_refuses_bad_max_age(tmp_path: Path) -> None:
    with pytest.raises(AlteryxStepError) as exc:
        _step(alteryx_backup_report, {"dest": str(tmp_path), "max_age_hours": {"Full": 0}}, _fleet(a=FRESH))
    assert exc.value.failure_class == "validation" and os.listdir(tmp_path) == []


def test_report_that_cannot_be_written_is_a_storage_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(AlteryxStepError, match="could not be written") as exc:
        _step(alteryx_backup_report, {"dest": str(blocker / "r")}, _fleet(a=FRESH))
    assert exc.value.failure_class == "storage"

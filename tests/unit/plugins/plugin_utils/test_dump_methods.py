"""The dump verdict and the manifest for every persistence: embedded / self-managed MongoDB and SQLite."""

from __future__ import annotations

import copy
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.alteryx.server.plugins.action import alteryx_manifest
from ansible_collections.alteryx.server.plugins.plugin_utils import _manifest
from ansible_collections.alteryx.server.plugins.plugin_utils._dump import judge_copy, judge_dump
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import (
    check_mode_result,
    finish,
    public_result,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

LOG = ("2025-01-01T00:00:00.000+0000\twriting AlteryxGallery.users to D:\\d\\AlteryxGallery\\users.bson.gz\n"
       "2025-01-01T00:00:00.100+0000\tdone dumping AlteryxGallery.users (5 documents)\n")
GZ_FILES = [{"path": "AlteryxGallery\\users.bson.gz", "size": 77}, {"path": "mongoDump.log", "size": 10}]
SHA = "cd" * 32


def test_mongodump_gzip_files_count_as_bson():
    verdict = judge_dump("", LOG, LOG, GZ_FILES, method="mongodump", exit_code=0)
    assert verdict["ok"], verdict
    assert verdict["databases"] == [{"name": "AlteryxGallery",
                                     "collections": [{"name": "users", "documents": 5, "bytes": 77}]}]


@pytest.mark.parametrize(("stderr", "log", "code", "reason"), [
    ("", LOG + "2025\tFailed: error getting oplog start: x\n", 1, "mongoDump.log reports: 2025\tFailed: error getting"),
    ("", LOG, 1, "mongodump exited with code 1"),
    ("", None, 0, "mongodump wrote no mongoDump.log"),
    ("", "", 0, "lists no dumped collection"),
])
def test_mongodump_failures(stderr, log, code, reason):
    verdict = judge_dump("", stderr, log, GZ_FILES, method="mongodump", exit_code=code)
    assert not verdict["ok"] and reason.replace("\t", "") in verdict["reason"].replace("\t", "")


def test_emongodump_ignores_the_exit_code_and_mongodump_does_not():
    assert judge_dump("EMongoDump completed.", "", LOG, GZ_FILES, exit_code=3)["ok"]
    assert not judge_dump("", "", LOG, GZ_FILES, method="mongodump", exit_code=3)["ok"]


def test_stdout_markers_are_alteryxservice_only():
    # mongodump writes nothing to stdout; a database named like the marker must not fail it.
    assert judge_dump("Mongodump failed: 14", "", LOG, GZ_FILES, method="mongodump", exit_code=0)["ok"]


def test_unknown_method_is_a_programming_error():
    with pytest.raises(ValueError, match="not 'copy'"):
        judge_dump("", "", LOG, GZ_FILES, method="copy")


def test_copy_verdict():
    assert judge_copy([{"path": "AlteryxService.db", "size": 1}]) == {"ok": True, "reason": "", "databases": [],
                                                                     "documents": 0}
    assert not judge_copy([])["ok"]


def test_public_result_keeps_host_text_out_and_normalizes_states():
    raw = {"method": "copy", "exe_stdout": "x", "exe_stderr": "y", "dump_log": "z", "exe_exit_code": 0,
           "initial_state": "StopPending", "final_state": "Running",
           "transitions": [{"service": "A", "state": "Stopped", "at_utc": "t"}], "_changed": True}
    assert public_result(raw) == {"initial_state": "stop_pending", "final_state": "running", "files": [],
                                  "databases": [], "transitions": [{"service": "A", "state": "stopped", "at_utc": "t"}]}


def test_check_mode_sentence():
    result = check_mode_result("D:\\x", "AlteryxService", False, "run mongodump of every database")
    assert result["msg"] == "Would run mongodump of every database"
    assert check_mode_result("D:\\x", "S", True, "copy")["msg"] == "Would stop S, copy, then start it again"


def test_finish_summarizes_and_fails_on_a_bad_verdict():
    raw = {"initial_state": "Running", "final_state": "Running", "transitions": [], "downtime_seconds": 0,
           "files": [{"path": "a.db", "size": 1, "sha256": SHA}]}
    done = finish(raw, judge_copy(raw["files"]), label="SQLite copy", dump_path="D:\\x", warnings=["w"], changed=True)
    assert [e["level"] for e in done["log"]] == ["WARNING", "SUCCESS"]
    assert done["log"][-1]["message"] == "SQLite copy wrote 1 files; service down 0.0 s"
    with pytest.raises(AlteryxStepError) as caught:
        finish({**raw, "files": []}, judge_copy([]), label="SQLite copy", dump_path="D:\\x", warnings=[], changed=True)
    assert caught.value.failure_class == "mongodb" and caught.value.result["final_state"] == "running"


# ------------------------------------------------------------------------------------------------ manifest

FACTS = {"version": "2023.1.1.247", "computer_name": "CTRL", "roles": ["controller", "worker"], "exe_path": "",
         "mongodb": {"type": "none", "database": "", "data_path": ""},
         "persistence": {"type": "sqlite", "path": "C:\\ProgramData\\Alteryx\\Service\\Persistence"},
         "service": {"name": "AlteryxService"}, "is_admin": True}
SQLITE_DUMP = {"files": [{"path": "AlteryxService.db", "size": 8192, "sha256": SHA}], "databases": [],
               "workflows_running": 0}


def _build(facts: dict, dump: dict, mode: str = "DatabaseOnly") -> dict:
    return _manifest.build_manifest(mode=mode, archive_name="ServerBackup_DB_20240307_040509.zip", run_id="r1",
                                    started=datetime(2024, 3, 7, 4, 5, 9), facts=facts, dump=dump, version="1.2.3")


@pytest.mark.parametrize(("facts", "deployment", "method"), [
    (FACTS, "sqlite", "SQLite file copy"),
    ({**FACTS, "persistence": {"type": "self-managed", "path": ""},
      "mongodb": {"type": "self-managed", "database": "AlteryxService"}}, "self-managed", "mongodump"),
    ({**FACTS, "persistence": None, "mongodb": {"type": "embedded"}}, "embedded", "AlteryxService.exe emongodump"),
])
def test_deployment_and_method_per_persistence(facts, deployment, method):
    manifest = _build(facts, SQLITE_DUMP)
    _manifest.validate_manifest(manifest)
    info = manifest["MongoDBInformation"]
    assert (info["DeploymentType"], info["BackupMethod"], info["Included"]) == (deployment, method, True)
    assert manifest["Extensions"]["ValidationChecks"][0]["Passed"] is True


@pytest.mark.parametrize("deployment", ["embedded", "self-managed", "sqlite"])
def test_every_persistence_expects_a_dump(deployment):
    facts = {**FACTS, "persistence": {"type": deployment, "path": ""}}
    manifest = _build(facts, {})
    [check] = [c for c in manifest["Extensions"]["ValidationChecks"] if c["Check"] == "mongodb_dump"]
    assert check["Passed"] is False and deployment in check["Detail"]
    assert manifest["MongoDBInformation"]["BackupMethod"] == "none"


def test_a_node_without_persistence_expects_nothing():
    manifest = _build({**FACTS, "persistence": {"type": "none", "path": ""}}, {})
    assert manifest["Extensions"]["ValidationChecks"][0]["Passed"] is True
    assert manifest["MongoDBInformation"]["DeploymentType"] == "none"


def _manifest_step(args: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                   task_vars: dict[str, Any] | None = None) -> tuple[dict, list]:
    written: list = []
    monkeypatch.setattr(alteryx_manifest, "run_script",
                        lambda *a, **k: written.append(a) or {"sha256": SHA, "_changed": True, "_warnings": []})
    action = alteryx_manifest.ActionModule.__new__(alteryx_manifest.ActionModule)
    action._task = SimpleNamespace(check_mode=False, async_val=0)
    action._play_context = SimpleNamespace(become=False, remote_user="ansible")
    full = {"staging_path": "D:\\S", "archive_name": "ServerBackup_Full_20240307_040509.zip", "run_id": "r1",
            "started": "2024-03-07T04:05:09", "files": [], "directories": [], "missing": [], "secrets_exported": {},
            "preflight": {}, "validation_results": [], "warnings": [], "errors": [], **args}
    return action.step(copy.deepcopy(full), task_vars or {}), written


@pytest.mark.parametrize(("deployment", "step"), [("sqlite", "alteryx.server.alteryx_sqlite_backup"),
                                                   ("self-managed", "alteryx.server.alteryx_mongodump"),
                                                   ("embedded", "alteryx.server.alteryx_emongodump")])
def test_manifest_step_fails_when_the_database_is_missing(deployment, step, monkeypatch):
    facts = {**FACTS, "persistence": {"type": deployment, "path": ""}}
    with pytest.raises(AlteryxStepError) as caught:
        _manifest_step({"mode": "Full", "facts": facts, "dump": {}}, monkeypatch)
    assert caught.value.failure_class == "mongodb"
    assert f"run {step} before the manifest" in caught.value.msg and "ConfigOnly" in caught.value.msg
    assert caught.value.result["manifest"]["MongoDBInformation"]["Included"] is False


def test_manifest_step_writes_a_sqlite_backup(monkeypatch):
    result, written = _manifest_step({"mode": "Full", "facts": FACTS, "dump": SQLITE_DUMP}, monkeypatch)
    assert len(written) == 1
    assert result["manifest"]["MongoDBInformation"]["BackupMethod"] \
        == "SQLite file copy"
    assert result["manifest"]["Extensions"]["MongoDB"]["DumpFiles"][0]["RelativePathInArchive"] == \
        "MongoDB/AlteryxService.db"


def test_manifest_step_config_only_needs_no_dump(monkeypatch):
    result, written = _manifest_step({"mode": "ConfigOnly", "facts": FACTS, "dump": {}}, monkeypatch)
    assert written and result["manifest"]["MongoDBInformation"]["Included"] is False


def test_manifest_step_reads_the_dump_by_its_variable_name(monkeypatch):
    """dump_from names the registered result; it is read from the task's variables, not templated."""
    result, _ = _manifest_step({"mode": "Full", "facts": FACTS, "dump": {}, "dump_from": "_dump"}, monkeypatch,
                               {"_dump": SQLITE_DUMP})
    assert result["manifest"]["MongoDBInformation"]["BackupMethod"] == "SQLite file copy"


@pytest.mark.parametrize("held", [None, {"skipped": True, "changed": False}])
def test_manifest_step_takes_an_undefined_or_skipped_dump_as_none(held, monkeypatch):
    task_vars = {} if held is None else {"_dump": held}
    result, _ = _manifest_step({"mode": "ConfigOnly", "facts": FACTS, "dump": SQLITE_DUMP, "dump_from": "_dump"},
                               monkeypatch, task_vars)
    assert result["manifest"]["MongoDBInformation"]["Included"] is False


def test_manifest_step_refuses_a_dump_variable_that_is_not_a_result(monkeypatch):
    with pytest.raises(AnsibleActionFail, match="dump_from: _dump is not a registered step result but a str"):
        _manifest_step({"mode": "Full", "facts": FACTS, "dump_from": "_dump"}, monkeypatch, {"_dump": "{{ x }}"})

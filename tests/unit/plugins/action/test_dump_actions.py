"""The three persistence dump steps (alteryx_emongodump, alteryx_mongodump, alteryx_sqlite_backup) share one host
call and one result shape; each passes its own parameters and judges its own dump."""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_emongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_emongodump import ActionModule as Emongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_mongodump import ActionModule as Mongodump
from ansible_collections.alteryx.server.plugins.action.alteryx_sqlite_backup import ActionModule as SqliteBackup
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

MODULES = Path(__file__).resolve().parents[4] / "plugins" / "modules"
FRAGMENTS = MODULES.parent / "doc_fragments"
SHA = "ab" * 32
CANARY = "s3cr3t-Canary!"
TRANSITIONS = [{"service": "AlteryxService", "state": "Stopped", "at_utc": "t1"},
               {"service": "AlteryxService", "state": "Running", "at_utc": "t2"}]
BASE = {"initial_state": "Running", "final_state": "Running", "transitions": TRANSITIONS, "downtime_seconds": 3.5,
        "workflows_waited_seconds": 0, "workflows_killed": 0, "workflows_running": 0, "dump_path": "D:\\S\\MongoDB"}
MONGODUMP_LOG = ("2024-01-31T01:00:00.000+0000\twriting AlteryxGallery.users to D:\\S\\MongoDB\\AlteryxGallery\\users.bson.gz\n"
                 "2024-01-31T01:00:01.000+0000\tdone dumping AlteryxGallery.users (3 documents)\n")
RAW = {
    Emongodump: {**BASE, "method": "emongodump", "exe_exit_code": 0, "exe_stdout": "EMongoDump completed.",
                 "exe_stderr": "", "dump_log": "done dumping AlteryxGallery.users (3 documents)\n",
                 "files": [{"path": "AlteryxGallery\\users.bson", "size": 900, "sha256": SHA}]},
    Mongodump: {**BASE, "transitions": [], "downtime_seconds": 0, "method": "mongodump", "exe_exit_code": 0,
                "exe_stdout": "", "exe_stderr": MONGODUMP_LOG, "dump_log": MONGODUMP_LOG + "\n",
                "files": [{"path": "AlteryxGallery\\users.bson.gz", "size": 300, "sha256": SHA},
                          {"path": "mongoDump.log", "size": 120, "sha256": SHA}]},
    SqliteBackup: {**BASE, "method": "copy", "exe_exit_code": 0, "exe_stdout": "", "exe_stderr": "", "dump_log": None,
                   "files": [{"path": "AlteryxService.db", "size": 8192, "sha256": SHA}]},
}
ARGS = {
    Emongodump: {"dump_path": "D:\\S\\MongoDB"},
    Mongodump: {"dump_path": "D:\\S\\MongoDB", "username": "backup", "password": CANARY,
                "facts": {"mongodb": {"server": "mongo1:27017", "user": "alteryx"}}},
    SqliteBackup: {"dump_path": "D:\\S\\MongoDB"},
}


class Calls(list):
    """The host calls a step made: (script, parameters, sensitive parameters)."""


def _step(cls: type, args: dict[str, Any], raw: dict[str, Any] | Exception, monkeypatch: pytest.MonkeyPatch,
          check_mode: bool = False) -> tuple[dict[str, Any], Calls]:
    calls = Calls()
    action = cls.__new__(cls)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0, no_log=False)

    def fake_run_script(self: Any, script: str, parameters: dict[str, Any], task_vars: dict, **kwargs: Any) -> dict:
        calls.append((script, parameters, kwargs.get("sensitive") or {}))
        if isinstance(raw, Exception):
            raise raw
        return {**copy.deepcopy(raw), "_changed": True, "_warnings": []}

    monkeypatch.setattr(alteryx_emongodump, "run_script", fake_run_script)
    validation = ArgumentSpecValidator(cls.ARGUMENT_SPEC).validate(copy.deepcopy(args))
    assert not validation.error_messages, validation.error_messages
    return action.step(validation.validated_parameters, {}), calls


def _return_doc(name: str) -> dict[str, Any]:
    tree = ast.parse((MODULES / f"{name}.py").read_text(encoding="utf-8"))
    text = next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                and getattr(n.targets[0], "id", "") == "RETURN")
    return yaml.safe_load(text)


@pytest.mark.parametrize("cls", list(RAW))
def test_every_step_returns_the_same_documented_keys(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _step(cls, ARGS[cls], RAW[cls], monkeypatch)
    [(script, parameters, _sensitive)] = calls
    assert script == "alteryx_dump_window" and parameters["Method"] == cls.METHOD
    assert set(result) - {"changed"} <= set(_return_doc(cls.__module__.rsplit(".", 1)[-1]))
    assert {"dump_path", "databases", "files", "transitions", "downtime_seconds", "initial_state", "final_state",
            "workflows_waited_seconds", "workflows_killed", "workflows_running", "warnings", "log"} <= set(result)
    assert not {"exe_stdout", "exe_stderr", "dump_log", "exe_exit_code", "method"} & set(result)
    assert result["final_state"] == "running" and result["log"][-1]["level"] == "SUCCESS"


@pytest.mark.parametrize("cls", list(RAW))
def test_check_mode_touches_nothing(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    result, calls = _step(cls, ARGS[cls], RAW[cls], monkeypatch, check_mode=True)
    assert calls == [] and result["changed"] is True and result["files"] == []
    assert CANARY not in str(result)


def test_emongodump_passes_exe_and_stops_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    result, [(_s, parameters, sensitive)] = _step(Emongodump, ARGS[Emongodump], RAW[Emongodump], monkeypatch)
    assert parameters["ExePath"].endswith("AlteryxService.exe") and parameters["StopService"] is True
    assert not any(sensitive.values()) and result["databases"][0]["collections"][0]["documents"] == 3


def test_mongodump_connection_and_no_log_host_call(monkeypatch: pytest.MonkeyPatch) -> None:
    result, [(_s, parameters, sensitive)] = _step(Mongodump, ARGS[Mongodump], RAW[Mongodump], monkeypatch)
    # The password travels only as a sensitive parameter (run_script makes such a call no_log).
    assert sensitive == {"Password": CANARY} and "Password" not in parameters and CANARY not in str(parameters)
    assert parameters["Uri"] == "mongodb://mongo1:27017/?authSource=admin"
    assert parameters["Username"] == "backup" and parameters["StopService"] is False  # StopServiceForExternalDB
    assert parameters["Gzip"] is True and parameters["Databases"] == [] and parameters["Oplog"] is False
    assert result["databases"] == [{"name": "AlteryxGallery",
                                    "collections": [{"name": "users", "documents": 3, "bytes": 300}]}]
    assert CANARY not in str(result)


def test_mongodump_without_password_makes_a_plain_call(monkeypatch: pytest.MonkeyPatch) -> None:
    args = {"dump_path": "D:\\S\\MongoDB", "host": "db1", "port": 27019, "database": ["AlteryxService"]}
    _result, [(_s, parameters, sensitive)] = _step(Mongodump, args, RAW[Mongodump], monkeypatch)
    assert not any(sensitive.values()) and parameters["Uri"] == "mongodb://db1:27019/" and parameters["Username"] == ""
    assert parameters["Databases"] == ["AlteryxService"]


@pytest.mark.parametrize(("args", "message"), [
    ({"connection_string": f"mongodb://u:{CANARY}@db1/"}, "holds a password"),
    ({"host": "db1", "oplog": True, "database": ["AlteryxGallery"]}, "--oplog only works on a full dump"),
    ({"host": "db1", "password": "two\nlines"}, "line break"),
    ({}, "no MongoDB server"),
])
def test_mongodump_refuses_bad_settings_before_any_host_call(args: dict, message: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AlteryxStepError) as caught:
        _step(Mongodump, {"dump_path": "D:\\x", **args}, RAW[Mongodump], monkeypatch)
    assert caught.value.failure_class == "validation" and message in caught.value.msg
    assert CANARY not in caught.value.msg


def test_mongodump_failure_is_judged_from_exit_code_and_log(monkeypatch: pytest.MonkeyPatch) -> None:
    log = "2024-01-31T01:00:00.000+0000\tFailed: can't create session: auth error (AuthenticationFailed)\n"
    raw = {**RAW[Mongodump], "exe_exit_code": 1, "exe_stderr": log, "dump_log": log, "files": []}
    with pytest.raises(AlteryxStepError) as caught:
        _step(Mongodump, ARGS[Mongodump], raw, monkeypatch)
    assert caught.value.failure_class == "mongodb"
    assert caught.value.msg.startswith("mongodump failed: mongoDump.log reports: ")
    assert "AuthenticationFailed" in caught.value.msg and "the service is running" in caught.value.msg
    assert caught.value.result["dump_path"] == "D:\\S\\MongoDB"


def test_secrets_are_scrubbed_from_a_failed_host_call(monkeypatch: pytest.MonkeyPatch) -> None:
    error = AlteryxStepError(f"mongodump failed: something quoted {CANARY}", "mongodb", {**BASE, "files": []})
    with pytest.raises(AlteryxStepError) as caught:
        _step(Mongodump, ARGS[Mongodump], error, monkeypatch)
    assert CANARY not in caught.value.msg and "********" in caught.value.msg
    assert CANARY not in str(caught.value.result) and caught.value.result["log"][0]["level"] == "ERROR"


def test_sqlite_backup_passes_source_and_fails_on_an_empty_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    _result, [(_s, parameters, _n)] = _step(SqliteBackup, ARGS[SqliteBackup], RAW[SqliteBackup], monkeypatch)
    assert parameters["SourcePath"] == "C:\\ProgramData\\Alteryx\\Service\\Persistence"
    assert parameters["StopService"] is True
    with pytest.raises(AlteryxStepError) as caught:
        _step(SqliteBackup, ARGS[SqliteBackup], {**RAW[SqliteBackup], "files": []}, monkeypatch)
    assert caught.value.failure_class == "mongodb" and "held no file" in caught.value.msg
    assert "mongoDump.log" not in caught.value.msg


def _doc_string(path: Path, owner: str, name: str) -> dict[str, Any]:
    """The YAML of the string constant ``name`` at module level (owner '') or in class ``owner`` of ``path``."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    if owner:
        body = next(node.body for node in body if isinstance(node, ast.ClassDef) and node.name == owner)
    return yaml.safe_load(next(ast.literal_eval(n.value) for n in body if isinstance(n, ast.Assign)
                               and getattr(n.targets[0], "id", "") == name))


def _documented_options(module: str) -> dict[str, Any]:
    """The module's options with those of its alteryx.server doc fragments merged in, as ansible-doc merges them."""
    doc = _doc_string(MODULES / f"{module}.py", "", "DOCUMENTATION")
    options = dict(doc.get("options") or {})
    for slug in doc.get("extends_documentation_fragment") or []:
        if slug.startswith("alteryx.server."):
            file, _, var = slug.removeprefix("alteryx.server.").partition(".")
            fragment = _doc_string(FRAGMENTS / f"{file}.py", "ModuleDocFragment", (var or "DOCUMENTATION").upper())
            for option, facets in (fragment.get("options") or {}).items():
                options[option] = {**facets, **(options.get(option) or {})}  # the module's own facets win
    return options


def test_module_docs_options_match_argument_specs() -> None:
    for cls in RAW:
        name = cls.__module__.rsplit(".", 1)[-1]
        doc = {"options": _documented_options(name)}
        assert set(doc["options"]) == set(cls.ARGUMENT_SPEC), name
        for option, spec in cls.ARGUMENT_SPEC.items():
            assert doc["options"][option].get("default") == spec.get("default"), (name, option)
            assert doc["options"][option].get("no_log", False) is False  # no_log lives in the action's spec
        assert cls.ARGUMENT_SPEC.get("password", {}).get("no_log", cls is not Mongodump) is True

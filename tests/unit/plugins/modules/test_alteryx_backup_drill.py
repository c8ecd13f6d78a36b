"""alteryx_backup_drill, the real Python module, against nx-27017 with SCRAM on loopback: outcome, secrecy, docs."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from mongo_server import MongoTestServer, canary_password
from verify_archives import build_archive, rewrite

from ansible_collections.alteryx.server.plugins.modules import alteryx_backup_drill as module

MODULE_FILE = Path(module.__file__)
USER = "drill"
PASSWORD = canary_password() + "@/:"  # characters that must be percent-encoded in a URI


@pytest.fixture(scope="module")
def server() -> Iterator[MongoTestServer]:
    with MongoTestServer({USER: PASSWORD}) as srv:
        yield srv


def _uri(server: MongoTestServer, password: str = PASSWORD) -> str:
    from urllib.parse import quote

    return f"mongodb://{USER}:{quote(password, safe='')}@{server.host}:{server.port}/?authSource=admin"


def _run(capsys: pytest.CaptureFixture[str], **args: Any) -> tuple[dict[str, Any], str]:
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        module.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result["rc"] = exit_info.value.code
    return result, out


def _scratch(server: MongoTestServer) -> list[str]:
    client = server.client(USER, PASSWORD)
    try:
        return [n for n in client.list_database_names() if n.startswith("alteryx_drill_")]
    finally:
        client.close()


def _no_secret(out: str) -> None:
    from urllib.parse import quote

    assert PASSWORD not in out and quote(PASSWORD, safe="") not in out


def test_fresh_archive_passes(server: MongoTestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = build_archive(tmp_path)
    result, out = _run(capsys, uri=_uri(server), archives=[str(built.archive)], sample=3)
    assert result["rc"] == 0 and not result.get("failed") and result["changed"] is False
    assert (result["passed_archives"], result["failed_archives"]) == (1, 0)
    assert result["msg"] == "1 archive(s) drilled, all passed" and len(result["run_id"]) == 8
    assert result["invocation"]["module_args"]["uri"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    _no_secret(out)
    assert _scratch(server) == []


def test_lost_document_fails_the_task(server: MongoTestServer, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    built = build_archive(tmp_path)
    users = "MongoDB/AlteryxGallery/users.bson"
    rewrite(built.archive, lambda e: e.update({users: e[users][int.from_bytes(e[users][:4], "little"):]}),
            fix_copy=True)
    result, out = _run(capsys, uri=_uri(server), archives=[str(built.archive)], run_id="m1")
    assert result["rc"] == 1 and result["failed"] is True and result["failed_archives"] == 1
    assert result["archives"][0]["problems"] == [f"count {users}: expected 12, found 11"]
    assert result["msg"].endswith(f"1 failed: {built.archive.name}")
    _no_secret(out)
    assert _scratch(server) == []


def test_fail_on_error_false_reports_without_failing(server: MongoTestServer, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    result, _out = _run(capsys, uri=_uri(server), archives=[str(tmp_path / "missing.zip")], fail_on_error=False)
    assert result["rc"] == 0 and result["failed_archives"] == 1


def test_empty_list_drills_nothing(server: MongoTestServer, capsys: pytest.CaptureFixture[str]) -> None:
    result, _out = _run(capsys, uri=_uri(server), archives=[])
    assert result["rc"] == 0 and result["msg"] == "0 archive(s) drilled, all passed"


def test_wrong_password_fails_clearly_and_never_prints_it(server: MongoTestServer,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    result, out = _run(capsys, uri=_uri(server, "wrong-" + PASSWORD), archives=["/nowhere.zip"])
    assert result["rc"] == 1
    assert result["msg"].startswith("Restore drill not run: the drill server refused the login")
    _no_secret(out)


def test_server_with_leftover_scratch_databases_is_refused(server: MongoTestServer, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    client = server.client(USER, PASSWORD)
    client["alteryx_drill_left_AlteryxService"]["AS_Queue"].insert_one({"_id": 1})
    try:
        result, _out = _run(capsys, uri=_uri(server), archives=[str(build_archive(tmp_path).archive)])
        assert result["rc"] == 1 and "already holds alteryx_drill_left_AlteryxService" in result["msg"]
        assert _scratch(server) == ["alteryx_drill_left_AlteryxService"]
    finally:
        client.drop_database("alteryx_drill_left_AlteryxService")
        client.close()


def test_check_mode_checks_the_server_and_loads_nothing(server: MongoTestServer, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "drill_archives", lambda *a, **k: pytest.fail("check mode loaded archives"))
    result, _out = _run(capsys, uri=_uri(server), archives=[str(build_archive(tmp_path).archive)],
                        _ansible_check_mode=True)
    assert result["rc"] == 0 and result["archives"] == [] and "1 archive(s) would be drilled" in result["msg"]


def test_unexpected_error_is_reported_without_the_password(server: MongoTestServer, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"lost {_uri(server)}")

    monkeypatch.setattr(module, "drill_archives", boom)
    result, out = _run(capsys, uri=_uri(server), archives=["/x.zip"])
    assert result["rc"] == 1 and result["msg"].startswith("Restore drill stopped: RuntimeError: lost mongodb://drill:")
    _no_secret(out)


@pytest.mark.parametrize("args", [{"sample": -1}, {"timeout": 0}])
def test_bad_numbers_fail(capsys: pytest.CaptureFixture[str], args: dict[str, int]) -> None:
    result, _out = _run(capsys, uri="mongodb://h:1/", archives=[], **args)
    assert result["rc"] == 1 and "sample must be 0 or more" in result["msg"]


def test_missing_pymongo_is_reported(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "HAS_PYMONGO", False)
    monkeypatch.setattr(module, "PYMONGO_IMPORT_ERROR", "Traceback: No module named 'pymongo'")
    result, _out = _run(capsys, uri="mongodb://h:1/", archives=[])
    assert result["rc"] == 1 and "pymongo" in result["msg"]


def _docs() -> dict[str, Any]:
    tree = ast.parse(MODULE_FILE.read_text(encoding="utf-8"))
    return {node.targets[0].id: yaml.safe_load(ast.literal_eval(node.value)) for node in tree.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("DOCUMENTATION", "EXAMPLES",
                                                                                          "RETURN")}


def test_documented_options_match_the_argument_spec() -> None:
    doc = _docs()["DOCUMENTATION"]
    assert doc["version_added"] == "0.1.0"
    assert set(doc["options"]) == set(module.ARGUMENT_SPEC)
    for name, spec in module.ARGUMENT_SPEC.items():
        option = doc["options"][name]
        assert option["type"] == spec["type"] and option.get("default") == spec.get("default")
        assert option.get("elements") == spec.get("elements")
        assert bool(option.get("required")) == bool(spec.get("required"))
        assert option["version_added"] == "0.1.0" and option["description"]


def test_returned_keys_are_documented(server: MongoTestServer, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    result, _out = _run(capsys, uri=_uri(server), archives=[str(build_archive(tmp_path).archive)])
    documented = _docs()["RETURN"]
    assert set(result) - {"rc", "changed", "invocation", "failed"} == set(documented)
    assert set(result["archives"][0]) == set(documented["archives"]["contains"])
    assert set(result["archives"][0]["checks"][0]) == set(documented["archives"]["contains"]["checks"]["contains"])


def test_examples_use_the_fqcn() -> None:
    tasks = _docs()["EXAMPLES"]
    assert all("alteryx.server.alteryx_backup_drill" in task for task in tasks)

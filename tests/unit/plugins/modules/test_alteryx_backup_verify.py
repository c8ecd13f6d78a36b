"""alteryx_backup_verify, the real Python module: options, outcome, documentation in step with its arguments."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from verify_archives import build_archive, flip_bit

from ansible_collections.alteryx.server.plugins.modules import alteryx_backup_verify as module

MODULE_FILE = Path(module.__file__)


def _run(capsys: pytest.CaptureFixture[str], **args: Any) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit) as exit_info:
        module.main()
    result = json.loads(capsys.readouterr().out)
    result["rc"] = exit_info.value.code
    return result


def _docs() -> dict[str, Any]:
    tree = ast.parse(MODULE_FILE.read_text(encoding="utf-8"))
    return {node.targets[0].id: yaml.safe_load(ast.literal_eval(node.value)) for node in tree.body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("DOCUMENTATION", "EXAMPLES",
                                                                                          "RETURN")}


def test_good_folder_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_archive(tmp_path, mode="Full")
    build_archive(tmp_path, mode="DatabaseOnly")
    result = _run(capsys, path=str(tmp_path))
    assert result["rc"] == 0 and not result.get("failed") and result["changed"] is False
    assert (result["passed_archives"], result["failed_archives"]) == (2, 0)
    assert result["msg"] == f"2 archive(s) verified under {tmp_path}, all passed"
    assert [a["verdict"] for a in result["archives"]] == ["passed", "passed"]


def test_failed_archive_fails_the_task(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = build_archive(tmp_path)
    flip_bit(built.archive, 100)
    result = _run(capsys, path=str(built.archive))
    assert result["rc"] == 1 and result["failed"] is True
    assert result["failed_archives"] == 1 and result["archives"][0]["problems"]
    assert result["msg"].endswith(f"1 failed: {built.archive.name}")


def test_fail_on_error_false_reports_without_failing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = build_archive(tmp_path)
    flip_bit(built.archive, 100)
    result = _run(capsys, path=str(tmp_path), fail_on_error=False)
    assert result["rc"] == 0 and not result.get("failed") and result["failed_archives"] == 1


def test_relaxed_published_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = build_archive(tmp_path)
    built.sidecar.unlink()
    built.copy.unlink()
    assert _run(capsys, path=str(tmp_path))["rc"] == 1
    assert _run(capsys, path=str(tmp_path), require_sidecar=False, require_manifest_copy=False)["rc"] == 0


@pytest.mark.parametrize(("where", "message"), [("nowhere", "does not exist"), ("", "holds no ServerBackup")])
def test_bad_path_fails_even_without_fail_on_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str,
                                                   message: str) -> None:
    result = _run(capsys, path=str(tmp_path / where), fail_on_error=False)
    assert result["rc"] == 1 and message in result["msg"]


def test_unreadable_archive_fails_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    built = build_archive(tmp_path)

    def denied(*_args: Any, **_kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(built.archive))

    monkeypatch.setattr(module, "verify_path", denied)
    result = _run(capsys, path=str(built.archive))
    assert result["rc"] == 1 and result["msg"] == f"Cannot read {built.archive}: Permission denied"


def test_missing_pymongo_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "HAS_BSON", False)
    monkeypatch.setattr(module, "BSON_IMPORT_ERROR", "Traceback: No module named 'bson'")
    result = _run(capsys, path=str(tmp_path))
    assert result["rc"] == 1 and "pymongo" in result["msg"]


def test_check_mode_verifies_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_archive(tmp_path)
    result = _run(capsys, path=str(tmp_path), _ansible_check_mode=True)
    assert result["rc"] == 0 and result["archives"][0]["checks"]


def test_documented_options_match_the_argument_spec() -> None:
    options = _docs()["DOCUMENTATION"]["options"]
    assert set(options) == set(module.ARGUMENT_SPEC)
    for name, spec in module.ARGUMENT_SPEC.items():
        doc = options[name]
        assert doc["type"] == spec["type"] and doc.get("default") == spec.get("default")
        assert bool(doc.get("required")) == bool(spec.get("required"))
        assert doc["version_added"] == "0.1.0" and doc["description"]


def test_returned_keys_are_documented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_archive(tmp_path)
    result = _run(capsys, path=str(tmp_path))
    documented = _docs()["RETURN"]
    assert set(result) - {"rc", "changed", "invocation", "failed"} == set(documented)
    archive_keys = set(documented["archives"]["contains"])
    assert set(result["archives"][0]) == archive_keys
    assert set(result["archives"][0]["checks"][0]) == set(documented["archives"]["contains"]["checks"]["contains"])


def test_examples_use_the_fqcn() -> None:
    tasks = _docs()["EXAMPLES"]
    assert any("alteryx.server.alteryx_backup_verify" in task for task in tasks)
    assert all(not any(key == "alteryx_backup_verify" for key in task) for task in tasks)

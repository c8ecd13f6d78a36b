"""Tests for building, validating and serialising the backup manifest (the spec's BackupManifest.json)."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from spec_manifest_shape import ARCHIVE_LEVEL, MODE_EMPTY, MODE_NULLS, SPEC_EXAMPLE, shape_problems

from ansible_collections.alteryx.server.plugins.plugin_utils import _manifest, _plan, _retention
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

SHA = "ab" * 32
DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[4]
# A verbatim copy of the example in the spec's data model, section 2.1 (the spec is not read at test time).
FACTS = {
    "computer_name": "ALTERYX01", "is_admin": True, "version": "2023.1.1.247",
    "install_dir": "C:\\Program Files\\Alteryx", "exe_path": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe",
    "service": {"name": "AlteryxService", "state": "running"}, "service_logon_account": "NT AUTHORITY\\NetworkService",
    "roles": ["controller", "worker", "ui"], "controller_server": "", "run_as_user": "CORP\\svc-run",
    "mongodb": {"type": "embedded", "data_path": "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB",
                "database": ""},
}
DUMP = {
    "files": [{"path": "AlteryxGallery\\users.bson", "size": 900, "sha256": SHA.upper()},
              {"path": "mongoDump.log", "size": 100, "sha256": SHA}],
    "databases": [{"name": "AlteryxGallery", "collections": [{"name": "users", "documents": 3, "bytes": 900}]},
                  {"name": "AlteryxService", "collections": [{"name": "jobs", "documents": 0, "bytes": 0}]}],
    "workflows_running": 0,
}
FILES = [
    {"archive_path": "Config/RuntimeSettings.xml", "source_path": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml",
     "size": 100, "sha256": SHA, "category": "config", "last_modified": "2024-01-10T14:23:11Z"},
    {"archive_path": "Config/Keys/alteryx.key", "source_path": "C:\\ProgramData\\Alteryx\\Keys\\alteryx.key",
     "size": 10, "sha256": SHA, "category": "config", "last_modified": "2024-01-10T14:23:11Z"},
    {"archive_path": "Secrets/ControllerToken.txt", "source_path": "", "size": 64, "sha256": SHA,
     "category": "secret", "last_modified": "2024-03-07T03:05:20Z"},
]
DIRECTORIES = [{"archive_path": "Config/Keys", "source_path": "C:\\ProgramData\\Alteryx\\Keys", "file_count": 1,
                "total_bytes": 10}]
PREFLIGHT = {"free_bytes": 10_000, "required_bytes": 2_000,
             "destinations": [{"path": "\\\\nas\\b\\n1", "writable": True, "error": ""}]}
TAGS = {"Full": "Full", "DatabaseOnly": "DB", "ConfigOnly": "Config"}
STARTED = datetime(2024, 3, 7, 4, 5, 9, tzinfo=timezone(timedelta(hours=1)))


def _build(mode: str = "Full", **overrides: Any) -> dict:
    with_files = mode != "DatabaseOnly"
    with_dump = mode != "ConfigOnly"
    kwargs: dict[str, Any] = {
        "mode": mode, "archive_name": f"ServerBackup_{TAGS[mode]}_20240307_040509.zip",
        "run_id": "20240307040509-d9b08da2", "started": STARTED, "facts": FACTS,
        "dump": DUMP if with_dump else {}, "files": FILES if with_files else [],
        "directories": DIRECTORIES if with_files else [],
        "secrets_exported": {"server_secret": True, "mongo_passwords": True} if with_files else {},
        "preflight": PREFLIGHT, "warnings": ["service was already stopped"], "windows_version": "Microsoft Windows "
        "Server 2019 Standard", "performed_by": "CORP\\svc-backup", "version": "1.2.3",
    }
    kwargs.update(overrides)
    return _manifest.build_manifest(**kwargs)


def _published(manifest: dict, elapsed: float = 61.2345) -> dict:
    template = _manifest.published_copy_template(manifest)
    text = _manifest.fill_published_copy(template, sha256="cd" * 32, size_bytes=3 * 1048576 + 5000,
                                         uncompressed_bytes=4 * 1048576, started_utc=manifest["BackupMetadata"][
                                             "BackupTimestamp"], elapsed_seconds=elapsed)
    return json.loads(text)


def test_schema_is_valid_draft_2020_12() -> None:
    """The shipped schema is itself valid."""
    Draft202012Validator.check_schema(json.loads(_manifest.SCHEMA_PATH.read_text(encoding="utf-8")))


def test_spec_example_copy_is_the_specs_structure() -> None:
    """The test data is the spec's example: its sections, in order (a guard against editing the copy)."""
    assert list(SPEC_EXAMPLE) == ["BackupMetadata", "SystemInformation", "MongoDBInformation", "BackedUpFiles",
                                  "ControllerSettings", "ArchiveInformation", "ValidationResults",
                                  "EncryptionKeyWarning", "Warnings", "Errors"]
    assert SPEC_EXAMPLE["BackedUpFiles"][1]["Type"] == "Directory"


@pytest.mark.parametrize("mode", ["Full", "DatabaseOnly", "ConfigOnly"])
def test_each_mode_validates_inside_the_archive_and_beside_it(mode: str) -> None:
    manifest = _build(mode)
    _manifest.validate_manifest(manifest)
    _manifest.validate_manifest(_published(manifest))


@pytest.mark.parametrize("mode", ["Full", "DatabaseOnly", "ConfigOnly"])
def test_every_spec_key_path_with_its_json_type(mode: str) -> None:
    """Inside the archive only the archive-level values may be null; beside it none but the mode's own."""
    manifest = _build(mode)
    inside = shape_problems(manifest, SPEC_EXAMPLE, nullable=ARCHIVE_LEVEL | MODE_NULLS[mode],
                            may_be_empty=MODE_EMPTY[mode])
    assert inside == []
    beside = shape_problems(_published(manifest), SPEC_EXAMPLE, nullable=MODE_NULLS[mode],
                            may_be_empty=MODE_EMPTY[mode])
    assert beside == []
    assert all(manifest_value is None for manifest_value in (
        manifest["BackupMetadata"]["BackupCompletionTimestamp"], manifest["ArchiveInformation"]["SHA256"],
        manifest["ArchiveInformation"]["ArchiveSizeMB"], *manifest["ValidationResults"]["PostBackupChecks"].values()))


def test_shape_helper_finds_renamed_and_retyped_fields() -> None:
    """The key-path check itself catches what the old manifest got wrong."""
    manifest = _build()
    manifest["BackedUpFiles"][0]["ArchivePath"] = manifest["BackedUpFiles"][0].pop("RelativePathInArchive")
    manifest["EncryptionKeyWarning"] = "keep the token safe"
    manifest["ValidationResults"] = []
    problems = shape_problems(manifest, SPEC_EXAMPLE, nullable=ARCHIVE_LEVEL)
    assert "EncryptionKeyWarning: string where the spec has object" in problems
    assert "ValidationResults: array where the spec has object" in problems
    assert not shape_problems(_build(), SPEC_EXAMPLE, nullable=ARCHIVE_LEVEL)
    del manifest["SystemInformation"]["IsMultiNode"]
    assert "SystemInformation.IsMultiNode: missing" in shape_problems(manifest, SPEC_EXAMPLE, nullable=ARCHIVE_LEVEL)


@pytest.mark.parametrize("mode", ["Full", "DatabaseOnly", "ConfigOnly"])
def test_extra_fields_never_shadow_spec_fields(mode: str) -> None:
    """Spec sections hold only spec fields (plus ConfigOnly's ServiceNotStopped); ours are under Extensions only."""
    manifest = _build(mode)
    assert list(manifest) == [*SPEC_EXAMPLE, "Extensions"]
    for section, spec_value in SPEC_EXAMPLE.items():
        if isinstance(spec_value, dict) and isinstance(manifest[section], dict):
            extra = set(manifest[section]) - set(spec_value)
            assert extra == ({"ServiceNotStopped"} if (section, mode) == ("SystemInformation", "ConfigOnly") else set())
    spec_files = set(SPEC_EXAMPLE["BackedUpFiles"][0]) | set(SPEC_EXAMPLE["BackedUpFiles"][1])
    assert all(set(entry) <= spec_files for entry in manifest["BackedUpFiles"])
    assert not set(manifest["Extensions"]) & set(SPEC_EXAMPLE)


@pytest.mark.parametrize(("section", "key"), [("BackupMetadata", "BackupId"), ("SystemInformation", "NodeRoles"),
                                              ("MongoDBInformation", "Databases"), ("ArchiveInformation", "Format")])
def test_schema_refuses_extra_fields_in_spec_sections(section: str, key: str) -> None:
    manifest = _build()
    manifest[section][key] = "x"
    with pytest.raises(AlteryxStepError, match=key):
        _manifest.validate_manifest(manifest)


def test_full_manifest_values() -> None:
    manifest = _build()
    metadata, system, mongo = manifest["BackupMetadata"], manifest["SystemInformation"], manifest["MongoDBInformation"]
    assert metadata == {"BackupMode": "Full", "BackupTimestamp": "2024-03-07T03:05:09Z",
                        "BackupCompletionTimestamp": None, "DurationSeconds": None, "BackupVersion": "1.2.3",
                        "ScriptVersion": "1.2.3"}
    assert system == {"AlteryxServerVersion": "2023.1.1.247", "ServerHostname": "ALTERYX01",
                      "WindowsVersion": "Microsoft Windows Server 2019 Standard", "IsMultiNode": False,
                      "NodeRole": "Controller", "BackupPerformedBy": "CORP\\svc-backup"}
    assert mongo == {"Included": True, "DeploymentType": "embedded", "DatabaseName": "AlteryxGallery",
                     "BackupMethod": "AlteryxService.exe emongodump", "BackupSizeMB": 0.0, "CollectionCount": 2}
    assert manifest["BackedUpFiles"][0] == {
        "FilePath": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml", "RelativePathInArchive": "Config/RuntimeSettings.xml",
        "SizeBytes": 100, "LastModified": "2024-01-10T14:23:11Z", "SHA256": SHA}
    assert manifest["BackedUpFiles"][2]["FilePath"] == "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe getserversecret"
    assert manifest["BackedUpFiles"][-1] == {
        "FilePath": "C:\\ProgramData\\Alteryx\\Keys\\", "RelativePathInArchive": "Config/Keys/", "Type": "Directory",
        "FileCount": 1, "TotalSizeBytes": 10, "SHA256": None}
    assert manifest["ControllerSettings"] == {"ControllerTokenExported": True, "MongoPasswordsExported": True,
                                              "ServiceAccountUser": "NT AUTHORITY\\NetworkService"}
    assert manifest["ValidationResults"]["PreBackupChecks"] == {
        "SufficientDiskSpace": True, "ServiceAccessible": True, "NoActiveWorkflows": True, "AllPathsExist": True}
    extensions = manifest["Extensions"]
    assert extensions["RunId"] == "20240307040509-d9b08da2"
    assert extensions["StorageKeysPresent"] is False
    assert _build(facts={**FACTS, "has_storage_keys": True})["Extensions"]["StorageKeysPresent"] is True
    assert [f["RelativePathInArchive"] for f in extensions["MongoDB"]["DumpFiles"]] == [
        "MongoDB/AlteryxGallery/users.bson", "MongoDB/mongoDump.log"]
    assert extensions["MongoDB"]["DumpFiles"][0]["SHA256"] == SHA  # lower-cased
    assert extensions["MongoDB"]["Databases"][0] == {"Name": "AlteryxGallery", "Collections": [
        {"Name": "users", "Documents": 3, "Bytes": 900}]}
    assert extensions["ValidationChecks"][0]["Check"] == "mongodb_dump" and extensions["ValidationChecks"][0]["Passed"]


def test_database_only_variation() -> None:
    manifest = _build("DatabaseOnly")
    assert manifest["BackedUpFiles"] == []
    assert manifest["ControllerSettings"] is None
    assert manifest["MongoDBInformation"]["Included"] is True
    assert "ServiceNotStopped" not in manifest["SystemInformation"]
    # The service account stays on record even without ControllerSettings.
    assert manifest["Extensions"]["ServiceLogonAccount"] == "NT AUTHORITY\\NetworkService"
    with pytest.raises(AlteryxStepError, match="BackedUpFiles"):
        _manifest.validate_manifest(_build("DatabaseOnly", files=FILES))


def test_config_only_variation() -> None:
    manifest = _build("ConfigOnly")
    assert manifest["SystemInformation"]["ServiceNotStopped"] is True
    assert manifest["MongoDBInformation"]["Included"] is False
    assert manifest["MongoDBInformation"]["BackupMethod"] == "none"
    assert manifest["MongoDBInformation"]["CollectionCount"] == 0
    assert isinstance(manifest["ControllerSettings"], dict)
    assert manifest["ValidationResults"]["PreBackupChecks"]["NoActiveWorkflows"] is None
    assert manifest["Extensions"]["ValidationChecks"][0] == {"Check": "mongodb_dump", "Passed": True,
                                                             "Detail": "ConfigOnly backups hold no database"}
    del manifest["SystemInformation"]["ServiceNotStopped"]
    with pytest.raises(AlteryxStepError, match="ServiceNotStopped"):
        _manifest.validate_manifest(manifest)


def test_service_not_stopped_only_in_config_only() -> None:
    manifest = _build("Full")
    manifest["SystemInformation"]["ServiceNotStopped"] = True
    with pytest.raises(AlteryxStepError):
        _manifest.validate_manifest(manifest)


@pytest.mark.parametrize("mode", ["Full", "DatabaseOnly"])
def test_mongodb_dump_check_fails_when_nothing_was_dumped(mode: str) -> None:
    manifest = _build(mode, dump={}, validation_results=[{"check": "mongodb_dump", "passed": True, "detail": "lie"}])
    _manifest.validate_manifest(manifest)
    [check] = [c for c in manifest["Extensions"]["ValidationChecks"] if c["Check"] == "mongodb_dump"]
    assert check["Passed"] is False and "nothing was dumped" in check["Detail"]
    assert any("MongoDB dump check failed" in e for e in manifest["Errors"])
    assert manifest["MongoDBInformation"]["Included"] is False
    assert manifest["MongoDBInformation"]["BackupMethod"] == "none"
    assert _published(manifest)["ValidationResults"]["PostBackupChecks"]["AllFilesIncluded"] is False


def test_mongodb_dump_check_passes_without_a_database_and_in_check_mode() -> None:
    no_db = _build("Full", dump={}, facts={**FACTS, "mongodb": {"type": "none", "data_path": "", "database": ""}})
    assert no_db["Extensions"]["ValidationChecks"][0]["Passed"] and no_db["Errors"] == []
    assert no_db["MongoDBInformation"]["DatabaseName"] == ""
    dry = _build("DatabaseOnly", dump={"files": [], "databases": []}, check_mode=True)
    assert dry["Extensions"]["ValidationChecks"][0]["Passed"] and dry["Errors"] == []


def test_other_checks_are_kept_after_the_computed_one() -> None:
    manifest = _build(validation_results=[{"check": "preflight", "passed": True, "detail": "ok"}])
    assert [c["Check"] for c in manifest["Extensions"]["ValidationChecks"]] == ["mongodb_dump", "preflight"]


def test_pre_checks_follow_their_inputs() -> None:
    unknown = _build(preflight={})["ValidationResults"]["PreBackupChecks"]
    assert unknown["SufficientDiskSpace"] is None and unknown["AllPathsExist"] is None
    tight = {**PREFLIGHT, "free_bytes": 1, "destinations": [{"path": "x", "writable": False, "error": "denied"}]}
    checks = _build(preflight=tight, dump={**DUMP, "workflows_running": 2})["ValidationResults"]["PreBackupChecks"]
    assert checks == {"SufficientDiskSpace": False, "ServiceAccessible": True, "NoActiveWorkflows": False,
                      "AllPathsExist": False}
    missing = [{"source": "C:\\ProgramData\\Alteryx\\Engine\\SystemAlias.xml", "required": False}]
    assert _build(missing=missing)["ValidationResults"]["PreBackupChecks"]["AllPathsExist"] is False


@pytest.mark.parametrize(("roles", "controller", "role", "multi"), [
    (["controller", "worker", "ui"], "", "Controller", False),
    (["controller"], "", "Controller", True),
    (["worker"], "ctrl01", "Worker", True),
    (["ui"], "", "UI", True),
    ([], "", "Unknown", True),
])
def test_node_role_and_multi_node(roles: list[str], controller: str, role: str, multi: bool) -> None:
    system = _build(facts={**FACTS, "roles": roles, "controller_server": controller})["SystemInformation"]
    assert (system["NodeRole"], system["IsMultiNode"]) == (role, multi)


def test_encryption_key_warning_is_the_specs_object() -> None:
    keys = _build()["EncryptionKeyWarning"]
    assert set(keys) == set(SPEC_EXAMPLE["EncryptionKeyWarning"])
    assert keys["Message"].startswith(SPEC_EXAMPLE["EncryptionKeyWarning"]["Message"])
    assert keys["Reference"] == SPEC_EXAMPLE["EncryptionKeyWarning"]["Reference"]
    assert keys["Recommendation"] == SPEC_EXAMPLE["EncryptionKeyWarning"]["Recommendation"]
    assert keys["KeysFolder"] == "C:\\ProgramData\\Alteryx\\Keys\\"
    token_only = _build(files=FILES[2:], directories=[])["EncryptionKeyWarning"]
    assert "Controller token backed up" in token_only["Message"]
    neither = _build("DatabaseOnly")["EncryptionKeyWarning"]
    assert "neither" in neither["Message"] and neither["KeysFolder"] == keys["KeysFolder"]


def test_timestamps_are_utc() -> None:
    assert _build()["BackupMetadata"]["BackupTimestamp"] == "2024-03-07T03:05:09Z"
    naive = datetime(2024, 3, 7, 4, 5, 9)
    assert _build(started=naive)["BackupMetadata"]["BackupTimestamp"] == _manifest.utc_text(naive.astimezone())


def test_published_copy_fills_the_archive_level_values() -> None:
    manifest = _build()
    published = _published(manifest, elapsed=61.2345)
    assert published["ArchiveInformation"] == {
        "ArchiveFileName": manifest["ArchiveInformation"]["ArchiveFileName"], "ArchiveSizeMB": 3.0,
        "CompressionRatio": 0.75, "SHA256": "cd" * 32, "ArchiveIntegrityVerified": True}
    assert published["BackupMetadata"]["DurationSeconds"] == 61.234
    assert published["BackupMetadata"]["BackupCompletionTimestamp"] == "2024-03-07T03:06:10Z"
    assert published["ValidationResults"]["PostBackupChecks"] == {
        "ArchiveCreated": True, "ArchiveSizeValid": True, "ChecksumGenerated": True, "AllFilesIncluded": True}
    assert published["Extensions"]["ArchiveSizeBytes"] == 3 * 1048576 + 5000
    # Everything else is the manifest inside the archive.
    for section in ("SystemInformation", "MongoDBInformation", "BackedUpFiles", "ControllerSettings", "Warnings"):
        assert published[section] == manifest[section]


def test_template_placeholders_are_exactly_the_archive_level_values() -> None:
    template = _manifest.published_copy_template(_build())
    assert all(template.count(token) == 1 for token in _manifest.COPY_TOKENS.values())
    assert "@@" not in _manifest.fill_published_copy(template, sha256=SHA, size_bytes=1, uncompressed_bytes=0,
                                                     started_utc="2024-01-01T00:00:00Z", elapsed_seconds=0)


@pytest.mark.parametrize(("value", "text"), [(12.0, "12"), (0.57, "0.57"), (0, "0"), (61.234, "61.234"),
                                             (1e-05, "1E-05"), (1523.47, "1523.47")])
def test_number_text_is_dotnet_invariant(value: float, text: str) -> None:
    assert _manifest.number_text(value) == text
    json.loads(text)


def test_collection_version_comes_from_the_collection(tmp_path: Path) -> None:
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
    assert _manifest.collection_version() == str(galaxy["version"])
    (tmp_path / "galaxy.yml").write_text("version: 9.8.7\n")
    assert _manifest.collection_version.__wrapped__(tmp_path) == "9.8.7"
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"collection_info": {"version": "2.0.0"}}))
    assert _manifest.collection_version.__wrapped__(tmp_path) == "2.0.0"
    assert _manifest.collection_version.__wrapped__(tmp_path / "nowhere") == "unknown"
    assert _build(version=None)["BackupMetadata"]["BackupVersion"] == str(galaxy["version"])


def test_missing_keys_reported() -> None:
    """Every missing required key is listed."""
    manifest = _build()
    del manifest["Errors"]
    del manifest["BackupMetadata"]["BackupVersion"]
    with pytest.raises(AlteryxStepError) as info:
        _manifest.validate_manifest(manifest)
    assert info.value.failure_class == "validation"
    assert "'Errors' is a required property" in info.value.msg
    assert "BackupMetadata: 'BackupVersion' is a required property" in info.value.msg


@pytest.mark.parametrize("sha", ["AB" * 32, "ab" * 31, "ab" * 32 + "\n", "zz" * 32, ""])
def test_bad_sha_reported(sha: str) -> None:
    """Hashes must be 64 lowercase hex characters."""
    manifest = _build()
    manifest["BackedUpFiles"][1]["SHA256"] = sha
    with pytest.raises(AlteryxStepError, match=r"BackedUpFiles\[1\]"):
        _manifest.validate_manifest(manifest)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("BackupMetadata", "BackupMode"), "Incremental"),
        (("SystemInformation", "NodeRole"), "Gallery"),
        (("MongoDBInformation", "DeploymentType"), "atlas"),
        (("MongoDBInformation", "BackupMethod"), "robocopy"),
        (("BackupMetadata", "BackupTimestamp"), "2024-03-07T04:05:09+01:00"),
        (("BackupMetadata", "DurationSeconds"), -1),
        (("ArchiveInformation", "ArchiveFileName"), "backup.zip"),
        (("EncryptionKeyWarning", "Message"), ""),
    ],
)
def test_bad_values_reported(path: tuple[str, str], value: object) -> None:
    """Enums and formats are enforced."""
    manifest = copy.deepcopy(_build())
    manifest[path[0]][path[1]] = value
    with pytest.raises(AlteryxStepError, match=path[1]):
        _manifest.validate_manifest(manifest)


def test_backslash_paths_and_extra_top_level_keys_rejected() -> None:
    """Zip entry names use forward slashes; unknown top-level keys are refused."""
    manifest = _build()
    manifest["BackedUpFiles"][0]["RelativePathInArchive"] = "Config\\RuntimeSettings.xml"
    manifest["Extra"] = 1
    with pytest.raises(AlteryxStepError) as info:
        _manifest.validate_manifest(manifest)
    assert "BackedUpFiles[0]" in info.value.msg
    assert "Extra" in info.value.msg


def test_manifest_json() -> None:
    """Serialisation keeps key order, non-ASCII text and ends with a newline."""
    manifest = _build(facts={**FACTS, "computer_name": "SRV-ÄÖÜ"})
    text = _manifest.manifest_json(manifest)
    assert text.endswith("}\n")
    assert "SRV-ÄÖÜ" in text
    assert text.index("BackupMetadata") < text.index("Errors") < text.index("Extensions")
    assert json.loads(text) == manifest


def test_assert_no_secrets() -> None:
    """Secrets are detected raw and JSON-escaped, and never echoed."""
    text = _manifest.manifest_json(_build(facts={**FACTS, "run_as_user": 'CORP\\pa"ss'}))
    _manifest.assert_no_secrets(text, ["", "not-present", None])  # type: ignore[list-item]
    for secret in ("ALTERYX01", 'CORP\\pa"ss'):
        with pytest.raises(AlteryxStepError) as info:
            _manifest.assert_no_secrets(text, ["unused", secret])
        assert info.value.failure_class == "validation"
        assert secret not in info.value.msg
        assert "#2" in info.value.msg


def test_the_manifest_copy_is_attached_to_its_archive() -> None:
    """Retention deletes the copy with its archive (never on its own); a failed run's cleanup knows its name."""
    old = _retention.ListedArchive("D:\\B", "ServerBackup_DB_20200101_000000.zip", 60000, True, "", True, True)
    new = _retention.ListedArchive("D:\\B", "ServerBackup_DB_20240101_000000.zip", 60000, True, "", True, False)
    plan = _retention.plan_retention([old, new], datetime(2024, 1, 2), verified=[new.path])
    assert plan.delete == [old.path, old.path + ".manifest.json", old.path + ".sha256"]
    listed = _retention.archives_from_listing([{"folder": "D:\\B", "name": old.name, "size": 1, "has_sidecar": False,
                                                "sidecar": "", "has_manifest": True, "has_manifest_copy": True}])
    assert listed[0].has_manifest_copy
    with pytest.raises(ValueError):
        _retention.archives_from_listing([{"folder": "D:\\B", "name": old.name, "size": 1, "has_sidecar": False,
                                           "sidecar": "", "has_manifest": True, "has_manifest_copy": "yes"}])
    run = _plan.plan_run(mode="Full", when=datetime(2024, 1, 31, 2), local_dir="D:\\B", network_paths=["\\\\nas\\b"],
                         log_dir="", host_folder="n1")
    assert "D:\\B\\ServerBackup_Full_20240131_020000.zip.manifest.json" in run["archive_paths"]
    assert "\\\\nas\\b\\n1\\ServerBackup_Full_20240131_020000.zip.manifest.json" in run["archive_paths"]

"""Tests for building, validating and serialising the backup manifest."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest
from jsonschema import Draft202012Validator

from ansible_collections.alteryx.server.plugins.plugin_utils import _manifest
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

SHA = "ab" * 32


def _build(**overrides: object) -> dict:
    kwargs: dict = {
        "mode": "full",
        "archive_name": "ServerBackup_Full_20240307_040509.zip",
        "backup_id": "8d5e0c1a-3f5b-4a7e-9a43-2b3f7f1d2c11",
        "timestamp": datetime(2024, 3, 7, 4, 5, 9, tzinfo=timezone(timedelta(hours=1))),
        "computer_name": "ALTERYX01",
        "collection_version": "0.1.0",
        "duration_seconds": 12.3456,
        "alteryx_version": "2024.1.1.93",
        "install_path": "C:\\Program Files\\Alteryx",
        "node_roles": ["controller", "worker", "ui"],
        "service_logon_account": "LocalSystem",
        "run_as_user": "CORP\\svc-run",
        "mongodb": {
            "type": "embedded",
            "data_path": "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB",
            "included": True,
            "databases": [
                {"name": "AlteryxGallery", "collections": [{"name": "users", "documents": 3, "bytes": 900}]},
                {"name": "AlteryxService", "collections": []},
            ],
        },
        "files": [
            {
                "archive_path": "MongoDB\\AlteryxGallery\\users.bson",
                "source_path": "C:\\staging\\users.bson",
                "size": 900,
                "sha256": SHA.upper(),
                "category": "mongodb",
            },
            {
                "archive_path": "Config/RuntimeSettings.xml",
                "source_path": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml",
                "size": 100,
                "sha256": SHA,
                "category": "config",
            },
        ],
        "controller_settings": {"server_secret_exported": True, "mongo_passwords_exported": False},
        "validation_results": [{"check": "mongodb_dump", "passed": True, "detail": "2 databases"}],
        "warnings": ["service was already stopped"],
        "errors": [],
    }
    kwargs.update(overrides)
    return _manifest.build_manifest(**kwargs)


def test_schema_is_valid_draft_2020_12() -> None:
    """The shipped schema is itself valid."""
    Draft202012Validator.check_schema(json.loads(_manifest.SCHEMA_PATH.read_text(encoding="utf-8")))


def test_valid_manifest_passes_and_is_normalised() -> None:
    """A built manifest validates; paths, hashes and the mode are normalised."""
    manifest = _build()
    _manifest.validate_manifest(manifest)
    assert list(manifest) == [
        "BackupMetadata",
        "SystemInformation",
        "MongoDBInformation",
        "BackedUpFiles",
        "ControllerSettings",
        "ArchiveInformation",
        "ValidationResults",
        "EncryptionKeyWarning",
        "Warnings",
        "Errors",
    ]
    assert manifest["BackupMetadata"]["BackupMode"] == "Full"
    assert manifest["BackupMetadata"]["Timestamp"] == "2024-03-07T04:05:09+01:00"
    assert manifest["BackedUpFiles"][0]["ArchivePath"] == "MongoDB/AlteryxGallery/users.bson"
    assert manifest["BackedUpFiles"][0]["SHA256"] == SHA
    assert manifest["ArchiveInformation"] == {
        "Format": "zip",
        "Compression": "Deflate",
        "FileCount": 2,
        "TotalBytes": 1000,
    }
    assert manifest["ControllerSettings"] == {
        "ServerSecretExported": True,
        "MongoPasswordsExported": False,
        "StorageKeysPresent": False,
    }
    assert "Secrets/" in manifest["EncryptionKeyWarning"]


def test_key_warning_without_exported_secret() -> None:
    """Without the exported token the warning tells the admin to keep it elsewhere."""
    manifest = _build(controller_settings={}, files=[], mongodb={"type": "none", "included": False})
    _manifest.validate_manifest(manifest)
    assert "Secrets/" not in manifest["EncryptionKeyWarning"]
    assert "safe" in manifest["EncryptionKeyWarning"]
    assert manifest["ArchiveInformation"]["FileCount"] == 0


def test_naive_timestamp_validates() -> None:
    """A naive timestamp (host local time) is acceptable ISO 8601."""
    _manifest.validate_manifest(_build(timestamp=datetime(2024, 3, 7, 4, 5, 9)))


def test_missing_keys_reported() -> None:
    """Every missing required key is listed."""
    manifest = _build()
    del manifest["Errors"]
    del manifest["BackupMetadata"]["BackupId"]
    with pytest.raises(AlteryxStepError) as info:
        _manifest.validate_manifest(manifest)
    assert info.value.failure_class == "validation"
    assert "'Errors' is a required property" in info.value.msg
    assert "BackupMetadata: 'BackupId' is a required property" in info.value.msg


@pytest.mark.parametrize("sha", ["AB" * 32, "ab" * 31, "ab" * 32 + "\n", "zz" * 32, ""])
def test_bad_sha_reported(sha: str) -> None:
    """Hashes must be 64 lowercase hex characters."""
    manifest = _build()
    manifest["BackedUpFiles"][1]["SHA256"] = sha
    with pytest.raises(AlteryxStepError, match=r"BackedUpFiles\[1\]\.SHA256"):
        _manifest.validate_manifest(manifest)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("BackupMetadata", "BackupMode"), "Incremental"),
        (("SystemInformation", "NodeRoles"), ["gallery"]),
        (("MongoDBInformation", "Type"), "atlas"),
        (("ArchiveInformation", "Format"), "7z"),
        (("BackupMetadata", "Timestamp"), "yesterday"),
        (("BackupMetadata", "DurationSeconds"), -1),
    ],
)
def test_bad_values_reported(path: tuple[str, str], value: object) -> None:
    """Enums and formats are enforced."""
    manifest = copy.deepcopy(_build())
    manifest[path[0]][path[1]] = value
    with pytest.raises(AlteryxStepError, match=path[1]):
        _manifest.validate_manifest(manifest)


def test_backslash_archive_path_and_extra_keys_rejected() -> None:
    """Zip paths use forward slashes and unknown top-level keys are refused."""
    manifest = _build()
    manifest["BackedUpFiles"][0]["ArchivePath"] = "MongoDB\\x.bson"
    manifest["Extra"] = 1
    with pytest.raises(AlteryxStepError) as info:
        _manifest.validate_manifest(manifest)
    assert "ArchivePath" in info.value.msg
    assert "Extra" in info.value.msg


def test_manifest_json() -> None:
    """Serialisation keeps key order, non-ASCII text and ends with a newline."""
    manifest = _build(computer_name="SRV-ÄÖÜ")
    text = _manifest.manifest_json(manifest)
    assert text.endswith("}\n")
    assert "SRV-ÄÖÜ" in text
    assert text.index("BackupMetadata") < text.index("Errors")
    assert json.loads(text) == manifest


def test_assert_no_secrets() -> None:
    """Secrets are detected raw and JSON-escaped, and never echoed."""
    text = _manifest.manifest_json(_build(run_as_user='CORP\\pa"ss'))
    _manifest.assert_no_secrets(text, ["", "not-present", None])  # type: ignore[list-item]
    for secret in ("ALTERYX01", 'CORP\\pa"ss'):
        with pytest.raises(AlteryxStepError) as info:
            _manifest.assert_no_secrets(text, ["unused", secret])
        assert info.value.failure_class == "validation"
        assert secret not in info.value.msg
        assert "#2" in info.value.msg

"""Build, validate and serialise ``BackupManifest.json``, and keep secrets out of it.

The manifest is written into every archive so a restore (or a human) can tell what the archive
holds without unpacking it. Its shape is pinned by ``backup_manifest.schema.json`` next to this
module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import normalize_mode

SCHEMA_PATH = Path(__file__).with_name("backup_manifest.schema.json")
MAX_REPORTED_ERRORS = 20

KEY_WARNING_EXPORTED = (
    "Restoring this backup onto a new or rebuilt controller requires the controller token, "
    "which is stored in this archive under Secrets/; protect the archive like a password."
)
KEY_WARNING_NOT_EXPORTED = (
    "This backup does not contain the controller token; restoring onto a new or rebuilt controller "
    "requires it, so keep a copy of the token safe outside this archive (e.g. in a password vault)."
)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    """Load the schema once per process."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _file_entry(item: dict) -> dict:
    """Map a controller-side file record to its manifest form."""
    return {
        # Zip entry names use forward slashes whatever the host OS.
        "ArchivePath": str(item["archive_path"]).replace("\\", "/"),
        "SourcePath": item["source_path"],
        "SizeBytes": item["size"],
        "SHA256": str(item["sha256"]).lower(),
        "Category": item["category"],
    }


def _database_entry(item: dict) -> dict:
    """Map a database record (name, collections) to its manifest form."""
    return {
        "Name": item["name"],
        "Collections": [
            {"Name": c["name"], "Documents": c["documents"], "Bytes": c["bytes"]} for c in item.get("collections", [])
        ],
    }


def build_manifest(
    *,
    mode: str,
    archive_name: str,
    backup_id: str,
    timestamp: datetime,
    computer_name: str,
    collection_version: str,
    duration_seconds: float,
    alteryx_version: str,
    install_path: str,
    node_roles: list[str],
    service_logon_account: str,
    run_as_user: str,
    mongodb: dict,
    files: list[dict],
    controller_settings: dict,
    validation_results: list[dict],
    warnings: list[str],
    errors: list[str],
    compression: str = "Deflate",
) -> dict:
    """Assemble the manifest dict (not validated; call ``validate_manifest``).

    Inputs use snake_case: ``files`` items have archive_path, source_path, size, sha256, category;
    ``mongodb`` has type, data_path, included, databases ([{name, collections: [{name, documents,
    bytes}]}]); ``controller_settings`` has server_secret_exported, mongo_passwords_exported,
    storage_keys_present; ``validation_results`` items have check, passed, detail.

    Returns a dict with keys: BackupMetadata, SystemInformation, MongoDBInformation, BackedUpFiles,
    ControllerSettings, ArchiveInformation, ValidationResults, EncryptionKeyWarning, Warnings, Errors.
    """
    file_entries = [_file_entry(f) for f in files]
    secret_exported = bool(controller_settings.get("server_secret_exported", False))
    return {
        "BackupMetadata": {
            "BackupId": backup_id,
            "BackupMode": normalize_mode(mode),
            "ArchiveName": archive_name,
            "Timestamp": timestamp.isoformat(timespec="seconds"),
            "ComputerName": computer_name,
            "CollectionVersion": collection_version,
            "DurationSeconds": round(float(duration_seconds), 3),
        },
        "SystemInformation": {
            "AlteryxVersion": alteryx_version,
            "InstallPath": install_path,
            "NodeRoles": list(node_roles),
            "ServiceLogonAccount": service_logon_account,
            "RunAsUser": run_as_user,
        },
        "MongoDBInformation": {
            "Type": mongodb.get("type", "none"),
            "DataPath": mongodb.get("data_path", ""),
            "Included": bool(mongodb.get("included", False)),
            "Databases": [_database_entry(d) for d in mongodb.get("databases", [])],
        },
        "BackedUpFiles": file_entries,
        "ControllerSettings": {
            "ServerSecretExported": secret_exported,
            "MongoPasswordsExported": bool(controller_settings.get("mongo_passwords_exported", False)),
            "StorageKeysPresent": bool(controller_settings.get("storage_keys_present", False)),
        },
        "ArchiveInformation": {
            "Format": "zip",
            "Compression": compression,
            "FileCount": len(file_entries),
            "TotalBytes": sum(f["SizeBytes"] for f in file_entries),
        },
        "ValidationResults": [
            {"Check": r["check"], "Passed": bool(r["passed"]), "Detail": r.get("detail", "")}
            for r in validation_results
        ],
        "EncryptionKeyWarning": KEY_WARNING_EXPORTED if secret_exported else KEY_WARNING_NOT_EXPORTED,
        "Warnings": list(warnings),
        "Errors": list(errors),
    }


def _location(path: Iterable[object]) -> str:
    """Render a JSON path like ``BackedUpFiles[0].SHA256``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def validate_manifest(manifest: dict) -> None:
    """Raise AlteryxStepError (validation) listing every schema violation in ``manifest``."""
    errors = sorted(_validator().iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    lines = [f"{_location(e.absolute_path)}: {e.message}" for e in errors[:MAX_REPORTED_ERRORS]]
    if len(errors) > MAX_REPORTED_ERRORS:
        lines.append(f"... and {len(errors) - MAX_REPORTED_ERRORS} more")
    raise AlteryxStepError(
        f"Backup manifest failed schema validation ({len(errors)} error(s)): " + "; ".join(lines),
        failure_class="validation",
    )


def assert_no_secrets(text: str, secrets: Iterable[str]) -> None:
    """Raise AlteryxStepError (validation) if any non-empty secret occurs in ``text``.

    The JSON-escaped form is checked too, since a secret with quotes or backslashes is written
    escaped. The message identifies the secret only by position, never by value.
    """
    for index, secret in enumerate(secrets, start=1):
        if not secret:
            continue
        forms = {secret, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(secret)[1:-1]}
        if any(form in text for form in forms):
            raise AlteryxStepError(
                f"Refusing to write output: it contains secret value #{index} (value withheld)",
                failure_class="validation",
            )


def manifest_json(manifest: dict) -> str:
    """Serialise ``manifest`` as indented UTF-8 JSON with a trailing newline, keys in build order."""
    return json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n"

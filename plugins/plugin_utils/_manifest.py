"""Build, validate and serialise ``BackupManifest.json``, and keep secrets out of it.

The manifest follows the spec's data model (``BackupManifest.json``, data model section 2) field for field:
``BackupMetadata``, ``SystemInformation``, ``MongoDBInformation``, ``BackedUpFiles``, ``ControllerSettings``,
``ArchiveInformation``, ``ValidationResults`` (``PreBackupChecks`` / ``PostBackupChecks``),
``EncryptionKeyWarning``, ``Warnings``, ``Errors``. Everything the collection records beyond the spec lives in
one top-level ``Extensions`` object, never in (or instead of) a spec section; the schema
(``backup_manifest.schema.json`` next to this module) refuses any other extra key.

Two copies exist. The one inside the archive is written before the archive exists, so the values only the
finished archive can give - ``BackupMetadata.BackupCompletionTimestamp`` and ``DurationSeconds``,
``ArchiveInformation.ArchiveSizeMB``/``CompressionRatio``/``SHA256``/``ArchiveIntegrityVerified``, every
``PostBackupChecks`` value and ``Extensions.ArchiveSizeBytes`` - are ``null`` there. The archive step publishes a
second copy beside the archive (``<archive>.manifest.json``) with those values filled in: the controller builds it
as a template (``published_copy_template``) whose placeholders the host script replaces with what it measured
(``fill_published_copy`` is the same replacement in Python).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import normalize_mode
from ansible_collections.alteryx.server.plugins.plugin_utils._schema_check import UnsupportedSchema, compile_check

# Guarded so that importing a plugin never fails (ansible-test import sanity, ansible-doc): a missing
# jsonschema is reported by the step that validates a manifest, as a task failure that says what to install.
try:
    from jsonschema import Draft202012Validator
except ImportError as exc:
    Draft202012Validator = None  # type: ignore[assignment,misc]
    JSONSCHEMA_IMPORT_ERROR: ImportError | None = exc
else:
    JSONSCHEMA_IMPORT_ERROR = None

SCHEMA_PATH = Path(__file__).with_name("backup_manifest.schema.json")
COLLECTION_ROOT = Path(__file__).resolve().parents[2]
MAX_REPORTED_ERRORS = 20
MANIFEST_NAME = "BackupManifest.json"
# The copy published beside each archive: '<archive>.manifest.json', next to '<archive>.sha256'.
MANIFEST_COPY_SUFFIX = ".manifest.json"
PRODUCER = "alteryx.server"
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

KEYS_FOLDER = "C:\\ProgramData\\Alteryx\\Keys\\"
KEYS_ARCHIVE_PREFIX = "Config/Keys/"
TOKEN_ARCHIVE_PATH = "Secrets/ControllerToken.txt"
TOKEN_ARCHIVE_PATH_ENCRYPTED = "Secrets/ControllerToken.cms"
KEY_WARNING_REFERENCE = (
    "https://help.alteryx.com/current/en/server/install/server-host-recovery-guide/disaster-recovery-preparation.html"
)
KEY_WARNING_KEYS = (
    "CRITICAL: Encryption keys backed up in Keys folder. Per Alteryx guidance, store backup archive containing Keys "
    "folder separately from regular backups in secure location."
)
KEY_WARNING_TOKEN = (
    "CRITICAL: Controller token backed up in Secrets/ControllerToken.txt. Store this backup archive separately from "
    "regular backups in a secure location."
)
KEY_WARNING_TOKEN_TOO = " The controller token is in Secrets/ControllerToken.txt."
KEY_WARNING_ENCRYPTED = (
    " The controller token and MongoDB passwords in Secrets/ are encrypted to the certificate {subject} (thumbprint "
    "{thumbprint}, valid until {not_after}): keep its private key apart from the backups - in Ansible Vault, an AWX "
    "credential or an offline password vault, never on the Alteryx servers or the backup shares - as restoring the "
    "token needs it."
)
KEY_WARNING_NONE = (
    "This archive holds neither the encryption keys (Keys folder) nor the controller token. Restoring onto a new or "
    "rebuilt server needs both: keep them from a Full or ConfigOnly backup, or in a password vault."
)
KEY_RECOMMENDATION = "Copy this backup archive to secure vault or offline storage with restricted access."
KEY_RECOMMENDATION_NONE = (
    "Keep a current Full or ConfigOnly backup (with the Keys folder and the controller token) in a secure vault or "
    "offline storage with restricted access."
)

BACKUP_METHODS = {"embedded": "AlteryxService.exe emongodump", "self-managed": "mongodump",
                  "sqlite": "SQLite file copy"}
# The step that backs up each persistence type, named in the failed mongodb_dump check's advice.
DUMP_STEPS = {"embedded": "alteryx.server.alteryx_emongodump", "self-managed": "alteryx.server.alteryx_mongodump",
              "sqlite": "alteryx.server.alteryx_sqlite_backup"}
NO_BACKUP_METHOD = "none"
NODE_ROLES = (("controller", "Controller"), ("worker", "Worker"), ("ui", "UI"))
ALL_IN_ONE = {"controller", "worker", "ui"}

# Placeholders of the published copy, as they appear in its JSON text (quotes included); the archive script
# replaces each with a JSON literal of what it measured. Keys are the names used by fill_published_copy.
COPY_TOKENS = {
    "completed_utc": '"@@BACKUP_COMPLETED_UTC@@"',
    "duration_seconds": '"@@DURATION_SECONDS@@"',
    "size_mb": '"@@ARCHIVE_SIZE_MB@@"',
    "compression_ratio": '"@@COMPRESSION_RATIO@@"',
    "sha256": '"@@ARCHIVE_SHA256@@"',
    "size_bytes": '"@@ARCHIVE_SIZE_BYTES@@"',
}


@lru_cache(maxsize=1)
def _validator() -> Any:
    """Load the schema once per process; a general failure naming the package when jsonschema is missing."""
    if Draft202012Validator is None:
        raise AlteryxStepError(
            missing_required_lib("jsonschema", reason="to validate the backup manifest (see requirements.txt)"),
            failure_class="general",
        ) from JSONSCHEMA_IMPORT_ERROR
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


@lru_cache(maxsize=1)
def _valid() -> Callable[[Any], bool] | None:
    """The schema compiled once into a yes/no check (``_schema_check``); None when it cannot be compiled exactly."""
    try:
        return compile_check(_validator())
    except UnsupportedSchema:
        return None


@lru_cache(maxsize=1)
def collection_version(root: Path = COLLECTION_ROOT) -> str:
    """The collection's version, read at run time: ``MANIFEST.json`` of an installed collection, else ``galaxy.yml``.

    Returns ``"unknown"`` when neither can be read, so a manifest never fails for want of a version.
    """
    try:
        return str(json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))["collection_info"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        import yaml

        return str(yaml.safe_load((root / "galaxy.yml").read_text(encoding="utf-8"))["version"])
    except Exception:  # unreadable or broken galaxy.yml (yaml.YAMLError included): never fail a backup for it
        return "unknown"


def utc_text(when: datetime) -> str:
    """``when`` as the spec writes times: UTC, ``YYYY-MM-DDTHH:MM:SSZ``. A naive time is the controller's local time."""
    return when.astimezone(UTC).strftime(UTC_FORMAT)


def parse_utc(text: str) -> datetime:
    """Inverse of ``utc_text`` (an aware UTC datetime); ValueError for anything else."""
    return datetime.strptime(text, UTC_FORMAT).replace(tzinfo=UTC)


def _mb(nbytes: int) -> float:
    return round(nbytes / 1048576, 2)


def _zip_path(path: str) -> str:
    # Zip entry names use forward slashes whatever the host OS (APPNOTE 4.4.17); RelativePathInArchive is the
    # entry name, so a reader can look it up as is.
    return str(path).replace("\\", "/")


def _file_entry(item: Mapping[str, Any], exe_path: str) -> dict[str, Any]:
    """A staged file record (alteryx_critical_files ``files``) in the spec's BackedUpFiles form."""
    source = str(item.get("source_path") or "")
    if not source and item.get("category") == "secret":
        # An exported secret has no source file: record the command whose output the file holds.
        token = _zip_path(item["archive_path"]) in (TOKEN_ARCHIVE_PATH, TOKEN_ARCHIVE_PATH_ENCRYPTED)
        verb = "getserversecret" if token else "getemongopassword"
        source = f"{exe_path} {verb}".strip()
    return {
        "FilePath": source,
        "RelativePathInArchive": _zip_path(item["archive_path"]),
        "SizeBytes": item["size"],
        "LastModified": str(item.get("last_modified") or ""),
        "SHA256": str(item["sha256"]).lower(),
    }


def _directory_entry(item: Mapping[str, Any]) -> dict[str, Any]:
    """A staged folder record (alteryx_critical_files ``directories``) in the spec's directory form."""
    return {
        "FilePath": str(item["source_path"]).rstrip("\\") + "\\",
        "RelativePathInArchive": _zip_path(item["archive_path"]).rstrip("/") + "/",
        "Type": "Directory",
        "FileCount": item["file_count"],
        "TotalSizeBytes": item["total_bytes"],
        "SHA256": None,
    }


def _node_role(roles: Sequence[str]) -> str:
    return next((name for role, name in NODE_ROLES if role in roles), "Unknown")


def is_multi_node(roles: Sequence[str], controller_server: str) -> bool:
    """A node that does not run controller, worker and UI itself, or whose worker uses a remote controller."""
    return set(roles) != ALL_IN_ONE or bool(controller_server)


def _key_warning(entries: Sequence[Mapping[str, Any]], token_exported: bool,
                 encryption: Mapping[str, Any] | None = None) -> dict[str, str]:
    keys_in_archive = any(e["RelativePathInArchive"].startswith(KEYS_ARCHIVE_PREFIX) for e in entries)
    if keys_in_archive:
        message = KEY_WARNING_KEYS + (KEY_WARNING_TOKEN_TOO if token_exported else "")
    elif token_exported:
        message = KEY_WARNING_TOKEN
    else:
        message = KEY_WARNING_NONE
    if token_exported and encryption:
        # The token sits in the encrypted file; where the key that opens it must be kept is the warning's point.
        recipient = encryption["Recipient"]
        message = message.replace(TOKEN_ARCHIVE_PATH, TOKEN_ARCHIVE_PATH_ENCRYPTED) + KEY_WARNING_ENCRYPTED.format(
            subject=recipient["Subject"], thumbprint=recipient["Thumbprint"], not_after=recipient["NotAfter"])
    return {
        "Message": message,
        "KeysFolder": KEYS_FOLDER,
        "Reference": KEY_WARNING_REFERENCE,
        "Recommendation": KEY_RECOMMENDATION if (keys_in_archive or token_exported) else KEY_RECOMMENDATION_NONE,
    }


def _secrets_encryption(encryption: Any) -> dict[str, Any] | None:
    """``Extensions.SecretsEncryption`` from alteryx_critical_files' ``secrets_exported.encryption`` (None: plaintext
    or no secrets): {Format, Recipient: {Subject, Thumbprint, NotAfter}, Files}."""
    if not encryption:
        return None
    recipient = encryption["Recipient"]
    return {"Format": str(encryption["Format"]),
            "Recipient": {"Subject": str(recipient["Subject"]), "Thumbprint": str(recipient["Thumbprint"]),
                          "NotAfter": str(recipient["NotAfter"])},
            "Files": [_zip_path(f) for f in encryption.get("Files") or []]}


def persistence_type(facts: Mapping[str, Any]) -> str:
    """The node's persistence as the manifest names it: ``embedded``, ``self-managed``, ``sqlite`` or ``none``.

    From ``facts.persistence.type`` (alteryx_facts), else ``facts.mongodb.type`` (facts without a persistence)."""
    persistence = facts.get("persistence") or {}
    kind = str(persistence.get("type") or (facts.get("mongodb") or {}).get("type") or "none")
    return kind if kind in BACKUP_METHODS else "none"


def dump_advice(mode: str, deployment: str) -> str:
    """What to do when a mode that includes the database has no dump of this node's persistence."""
    return (f"A {normalize_mode(mode)} backup of a node with {deployment} persistence must hold its dump: run "
            f"{DUMP_STEPS.get(deployment, 'the dump step')} before the manifest (the backup role does this for the "
            f"persistence the facts report), check that the dump step did not fail, or back up with mode ConfigOnly.")


def dump_check(mode: str, deployment_type: str, dump: Mapping[str, Any], *, check_mode: bool = False) -> dict[str, Any]:
    """The ``mongodb_dump`` check: passes unless the mode includes the database, the node has a persistence
    (embedded or self-managed MongoDB, SQLite), and nothing was dumped. Returns ``{check, passed, detail}``
    (snake_case, as the ``validation_results`` option)."""
    files = list(dump.get("files") or [])
    databases = list(dump.get("databases") or [])
    expected = normalize_mode(mode) in ("Full", "DatabaseOnly") and deployment_type != "none"
    if not expected:
        detail = ("ConfigOnly backups hold no database" if normalize_mode(mode) == "ConfigOnly"
                  else "no persistence on this node (not a controller)")
        return {"check": "mongodb_dump", "passed": True, "detail": detail}
    if check_mode:
        return {"check": "mongodb_dump", "passed": True, "detail": "check mode: nothing was dumped"}
    if not files:
        return {"check": "mongodb_dump", "passed": False,
                "detail": f"a {deployment_type} {'persistence copy' if deployment_type == 'sqlite' else 'MongoDB dump'}"
                          f" was expected for a {normalize_mode(mode)} backup but nothing was dumped"}
    collections = sum(len(d.get("collections") or []) for d in databases)
    return {"check": "mongodb_dump", "passed": True,
            "detail": f"{len(databases)} database(s), {collections} collection(s), {len(files)} file(s)"}


def build_manifest(
    *,
    mode: str,
    archive_name: str,
    run_id: str,
    started: datetime,
    facts: Mapping[str, Any],
    dump: Mapping[str, Any] | None = None,
    files: Iterable[Mapping[str, Any]] = (),
    directories: Iterable[Mapping[str, Any]] = (),
    missing: Iterable[Mapping[str, Any]] = (),
    secrets_exported: Mapping[str, Any] | None = None,
    preflight: Mapping[str, Any] | None = None,
    validation_results: Iterable[Mapping[str, Any]] = (),
    warnings: Iterable[str] = (),
    errors: Iterable[str] = (),
    windows_version: str = "",
    performed_by: str = "",
    version: str | None = None,
    check_mode: bool = False,
) -> dict[str, Any]:
    """Assemble the manifest that goes into the archive (not validated; call ``validate_manifest``).

    Inputs are the steps' results: ``facts`` (alteryx_facts ``alteryx_server``), ``dump`` (alteryx_emongodump:
    ``files`` [{path, size, sha256}] relative to the dump folder, ``databases``, ``workflows_running``),
    ``files`` / ``directories`` / ``missing`` / ``secrets_exported`` (alteryx_critical_files), ``preflight``
    (alteryx_preflight ``preflight``). ``validation_results`` ([{check, passed, detail}]) are recorded in
    ``Extensions.ValidationChecks`` after the computed ``mongodb_dump`` check, which replaces one of that name.
    ``started`` is the run's start (a naive value is the controller's local time).

    Per mode (spec data model 2.2): DatabaseOnly lists no files (``BackedUpFiles`` is whatever ``files`` holds,
    which the schema requires to be empty) and has ``ControllerSettings: null``; ConfigOnly has
    ``MongoDBInformation.Included: false`` and ``SystemInformation.ServiceNotStopped: true``.
    """
    canonical = normalize_mode(mode)
    dump = dump or {}
    secrets_exported = secrets_exported or {}
    mongodb = facts.get("mongodb") or {}
    deployment = persistence_type(facts)
    roles = list(facts.get("roles") or [])
    dump_files = [{"RelativePathInArchive": "MongoDB/" + _zip_path(f["path"]), "SizeBytes": f["size"],
                   "SHA256": str(f["sha256"]).lower()} for f in dump.get("files") or []]
    databases = [{"Name": d["name"], "Collections": [{"Name": c["name"], "Documents": c["documents"],
                                                      "Bytes": c["bytes"]} for c in d.get("collections") or []]}
                 for d in dump.get("databases") or []]
    included = bool(dump_files)
    check = dump_check(canonical, deployment, dump, check_mode=check_mode)
    checks = [check] + [dict(r) for r in validation_results if r.get("check") != "mongodb_dump"]
    all_errors = list(errors) + ([f"MongoDB dump check failed: {check['detail']}"] if not check["passed"] else [])

    exe_path = str(facts.get("exe_path") or "")
    entries = [_file_entry(f, exe_path) for f in files] + [_directory_entry(d) for d in directories]
    token_exported = bool(secrets_exported.get("server_secret"))
    encryption = _secrets_encryption(secrets_exported.get("encryption"))

    system: dict[str, Any] = {
        "AlteryxServerVersion": str(facts.get("version") or ""),
        "ServerHostname": str(facts.get("computer_name") or ""),
        "WindowsVersion": windows_version,
        "IsMultiNode": is_multi_node(roles, str(facts.get("controller_server") or "")),
        "NodeRole": _node_role(roles),
        "BackupPerformedBy": performed_by,
    }
    if canonical == "ConfigOnly":
        system["ServiceNotStopped"] = True

    preflight = preflight or {}
    destinations = list(preflight.get("destinations") or [])
    pre_checks = {
        "SufficientDiskSpace": (preflight["free_bytes"] >= preflight["required_bytes"]
                                if "free_bytes" in preflight and "required_bytes" in preflight else None),
        "ServiceAccessible": bool((facts.get("service") or {}).get("name")) and bool(facts.get("is_admin")),
        # The workflow wait runs in the dump window before the stop; ConfigOnly never waits (spec REQ-6.1.4).
        "NoActiveWorkflows": (dump["workflows_running"] == 0 if "workflows_running" in dump else None),
        "AllPathsExist": (all(d.get("writable") for d in destinations) and not list(missing)
                          if preflight else None),
    }

    db_bytes = sum(int(f["SizeBytes"]) for f in dump_files)
    return {
        "BackupMetadata": {
            "BackupMode": canonical,
            "BackupTimestamp": utc_text(started),
            "BackupCompletionTimestamp": None,
            "DurationSeconds": None,
            "BackupVersion": version or collection_version(),
            "ScriptVersion": version or collection_version(),
        },
        "SystemInformation": system,
        "MongoDBInformation": {
            "Included": included,
            "DeploymentType": deployment,
            "DatabaseName": str(mongodb.get("database")
                                or ("AlteryxGallery" if deployment in ("embedded", "self-managed") else "")),
            "BackupMethod": BACKUP_METHODS.get(deployment, NO_BACKUP_METHOD) if included else NO_BACKUP_METHOD,
            "BackupSizeMB": _mb(db_bytes),
            "CollectionCount": sum(len(d["Collections"]) for d in databases),
        },
        "BackedUpFiles": entries,
        "ControllerSettings": None if canonical == "DatabaseOnly" else {
            "ControllerTokenExported": token_exported,
            "MongoPasswordsExported": bool(secrets_exported.get("mongo_passwords")),
            "ServiceAccountUser": str(facts.get("service_logon_account") or ""),
        },
        "ArchiveInformation": {
            "ArchiveFileName": archive_name,
            "ArchiveSizeMB": None,
            "CompressionRatio": None,
            "SHA256": None,
            "ArchiveIntegrityVerified": None,
        },
        "ValidationResults": {
            "PreBackupChecks": pre_checks,
            "PostBackupChecks": {"ArchiveCreated": None, "ArchiveSizeValid": None, "ChecksumGenerated": None,
                                 "AllFilesIncluded": None},
        },
        "EncryptionKeyWarning": _key_warning(entries, token_exported, encryption),
        "Warnings": list(warnings),
        "Errors": all_errors,
        "Extensions": {
            "Producer": PRODUCER,
            "RunId": run_id,
            "InstallPath": str(facts.get("install_dir") or ""),
            "NodeRoles": roles,
            "ServiceLogonAccount": str(facts.get("service_logon_account") or ""),
            "RunAsUser": str(facts.get("run_as_user") or ""),
            # RuntimeSettings.xml holds encrypted storage keys (a restore needs the same controller token for them).
            "StorageKeysPresent": bool(facts.get("has_storage_keys")),
            "SecretsEncryption": encryption,
            "MongoDB": {"DataPath": str(mongodb.get("data_path") or ""), "Databases": databases,
                        "DumpFiles": dump_files},
            "ValidationChecks": [{"Check": str(c["check"]), "Passed": bool(c["passed"]),
                                  "Detail": str(c.get("detail") or "")} for c in checks],
            "ArchiveSizeBytes": None,
        },
    }


def published_copy_template(manifest: Mapping[str, Any]) -> str:
    """JSON text of the copy published beside the archive, with the archive-level values as placeholders.

    Filled in by the archive step once the archive is verified (``fill_published_copy`` or the host script):
    completion time and duration, archive size (MB and bytes), compression ratio and SHA256. Publishing needs a
    verified archive at least the minimum size with its checksum written, so ``ArchiveIntegrityVerified`` and the
    first three ``PostBackupChecks`` are true; ``AllFilesIncluded`` also needs the ``mongodb_dump`` check.
    """
    published = copy.deepcopy(dict(manifest))
    metadata, archive = published["BackupMetadata"], published["ArchiveInformation"]
    metadata["BackupCompletionTimestamp"] = _token("completed_utc")
    metadata["DurationSeconds"] = _token("duration_seconds")
    archive["ArchiveSizeMB"] = _token("size_mb")
    archive["CompressionRatio"] = _token("compression_ratio")
    archive["SHA256"] = _token("sha256")
    archive["ArchiveIntegrityVerified"] = True
    dump_ok = all(c["Passed"] for c in published["Extensions"]["ValidationChecks"] if c["Check"] == "mongodb_dump")
    published["ValidationResults"]["PostBackupChecks"] = {
        "ArchiveCreated": True, "ArchiveSizeValid": True, "ChecksumGenerated": True, "AllFilesIncluded": dump_ok}
    published["Extensions"]["ArchiveSizeBytes"] = _token("size_bytes")
    return manifest_json(published)


def _token(name: str) -> str:
    return COPY_TOKENS[name][1:-1]


def number_text(value: float) -> str:
    """A number as .NET Framework's ``Double.ToString(InvariantCulture)`` writes it: 15 significant digits (``12``,
    ``0.57``, ``1E-05``), which is valid JSON."""
    return "0" if value == 0 else format(float(value), ".15G")


def fill_published_copy(template: str, *, sha256: str, size_bytes: int, uncompressed_bytes: int,
                        started_utc: str, elapsed_seconds: float) -> str:
    """Replace the placeholders of ``published_copy_template`` as alteryx_archive.ps1 does.

    ``elapsed_seconds`` is the time since ``started_utc`` (``BackupTimestamp``) when the archive was verified; the
    completion time is ``started_utc`` plus it, so both times share the controller's clock.
    """
    duration = round(elapsed_seconds, 3)
    completed = (parse_utc(started_utc) + timedelta(seconds=duration)).strftime(UTC_FORMAT)
    ratio = round(size_bytes / uncompressed_bytes, 2) if uncompressed_bytes > 0 else 0
    values = {
        "completed_utc": f'"{completed}"',
        "duration_seconds": number_text(duration),
        "size_mb": number_text(_mb(size_bytes)),
        "compression_ratio": number_text(ratio),
        "sha256": f'"{sha256}"',
        "size_bytes": str(size_bytes),
    }
    for name, token in COPY_TOKENS.items():
        template = template.replace(token, values[name])
    return template


def _location(path: Iterable[object]) -> str:
    """Render a JSON path like ``BackedUpFiles[0].SHA256``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def validate_manifest(manifest: Mapping[str, Any]) -> None:
    """Raise AlteryxStepError (validation) listing every schema violation in ``manifest``.

    A valid manifest is confirmed by the compiled check (milliseconds for 10,000 collections); only an invalid one
    is walked by jsonschema, for its messages."""
    valid = _valid()
    if valid is not None and valid(manifest):
        return
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


def manifest_json(manifest: Mapping[str, Any]) -> str:
    """Serialise ``manifest`` as indented UTF-8 JSON with a trailing newline, keys in build order."""
    return json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n"

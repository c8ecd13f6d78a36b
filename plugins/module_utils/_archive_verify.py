# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verify alteryx.server backup archives offline, on any host that can read them.

``verify_path(path)`` verifies one archive or every archive in a folder; ``verify_archive(path)`` one. Each archive
is read once (``_archive_stream.stream_archive``); from that pass the checks compare:

* ``sidecar`` - the file's SHA256 and name with ``<archive>.sha256``;
* ``manifest_copy``, ``copy_sha256``, ``copy_size``, ``copy_matches_manifest`` - ``<archive>.manifest.json``: its
  archive SHA256 and size with the file, everything else with ``BackupManifest.json`` inside (only the values the
  archive step fills in may differ). A manifest edited inside the archive to match a changed file is caught here
  even when the sidecar was recomputed;
* ``zip_structure``, ``crc`` - every local header against the central directory, every entry's CRC32 and size;
* ``manifest``, ``sha256``, ``size``, ``directory``, ``listed`` - ``BackupManifest.json`` parses; every file it
  lists is in the zip with its SHA256 and size, every folder with its file count, every zip file is listed;
* ``archive_name``, ``manifest_name``, ``mode``, ``contents`` - the name, the manifest's mode and node roles against
  what the zip holds (DatabaseOnly has no ``Config/``, ConfigOnly no ``MongoDB/``, a Full controller with MongoDB
  has both, ``Secrets/`` only from controllers, ...);
* ``manifest_signature`` - ``BackupManifest.json.sig`` (module_utils/_signature.py): with a pinned public key the
  archive must carry a valid Ed25519 signature of BackupManifest.json by that key (missing, malformed, wrong key
  and bad signature fail); without one a ``.sig`` present is still checked against the key it names (the report's
  ``signature`` says the key was not pinned), and an unsigned archive has no such check;
* ``secrets_decrypt`` - with the private key given (``secrets_key``), every encrypted ``Secrets/*.cms`` entry
  decrypts (the plaintext is never kept or shown);
* ``bson``, ``documents``, ``dump_log`` - every BSON document of the dump (``.bson`` and ``--gzip`` ``.bson.gz``)
  decodes; per collection the decoded count equals the manifest's (``Extensions.MongoDB.Databases``) and
  ``mongoDump.log``'s ``done dumping db.coll (N documents)``.

Each check is ``{check, file, expected, found, passed}`` (``expected``/``found`` are text); an archive that cannot
be read at all has the one failed check ``readable``.
"""

from __future__ import annotations

import gc
import json
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ansible_collections.alteryx.server.plugins.module_utils._archive_stream import EntryFacts, stream_archive
from ansible_collections.alteryx.server.plugins.module_utils._bson_stream import (
    BsonCounter,
    GzipBsonCounter,
    TextBuffer,
)
from ansible_collections.alteryx.server.plugins.module_utils._cms import decrypt_cms
from ansible_collections.alteryx.server.plugins.module_utils._signature import (
    SIGNATURE_LIMIT,
    SIGNATURE_NAME,
    check_signature,
)

# The archive name of plugin_utils/_naming.py (modules cannot import plugin_utils; a unit test keeps them equal).
ARCHIVE_RE = re.compile(r"ServerBackup_(Full|DB|Config)_([0-9]{8}_[0-9]{6})\.zip")
TAG_MODES = {"Full": "Full", "DB": "DatabaseOnly", "Config": "ConfigOnly"}
MANIFEST_NAME = "BackupManifest.json"
DUMP_PREFIX = "MongoDB/"
DUMP_LOG = "MongoDB/mongoDump.log"
SIDECAR_SUFFIX = ".sha256"
COPY_SUFFIX = ".manifest.json"
# The progress line of mongodump, as plugin_utils/_dump.py reads it.
DONE_RE = re.compile(r"done dumping ([^.\s]+)\.(\S+) \((\d+) documents?\)")
SIDECAR_RE = re.compile(r"([0-9A-Fa-f]{64}) [ *](.+)")
TEXT_LIMIT = 64 * 1024 * 1024
SIDECAR_LIMIT = 4096
SECRET_LIMIT = 1024 * 1024  # an encrypted token or password list is a few kilobytes
SECRETS_PREFIX = "Secrets/"
ENCRYPTED_SUFFIX = ".cms"
EMBEDDED = "embedded"
# The values only the finished archive can give: null inside the archive, filled in the published copy.
COPY_FILLED = (("BackupMetadata", "BackupCompletionTimestamp"), ("BackupMetadata", "DurationSeconds"),
               ("ArchiveInformation", "ArchiveSizeMB"), ("ArchiveInformation", "CompressionRatio"),
               ("ArchiveInformation", "SHA256"), ("ArchiveInformation", "ArchiveIntegrityVerified"),
               ("ValidationResults", "PostBackupChecks"), ("Extensions", "ArchiveSizeBytes"))


class VerifyError(Exception):
    """The path to verify does not exist or holds no archive."""


class _Checks:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, check: str, file: str, expected: object, found: object, passed: bool) -> bool:
        self.items.append({"check": check, "file": file, "expected": str(expected), "found": str(found),
                           "passed": bool(passed)})
        return bool(passed)


@contextmanager
def _no_gc() -> Iterator[None]:
    # Decoding BSON allocates millions of dicts; the cycle collector would run on each batch and triple the time.
    # Nothing built here is cyclic, so reference counting frees it all.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def find_archives(path: str) -> list[str]:
    """``path`` itself when it is a file, else the archives (by name) directly in the folder, sorted by name.
    Raises VerifyError when the path does not exist or a folder holds no archive."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise VerifyError(f"{path} does not exist")
    found = sorted(os.path.join(path, n) for n in os.listdir(path)
                   if ARCHIVE_RE.fullmatch(n) and os.path.isfile(os.path.join(path, n)))
    if not found:
        raise VerifyError(f"{path} holds no ServerBackup_{{Full|DB|Config}}_YYYYMMDD_HHmmss.zip archive")
    return found


def verify_path(path: str, *, require_sidecar: bool = True, require_manifest_copy: bool = True,
                public_key: Any = None, secrets_key: bytes | None = None,
                secrets_key_passphrase: bytes | None = None) -> list[dict]:
    """Verify every archive ``find_archives`` finds; returns one report per archive (see ``verify_archive``). An
    archive that cannot be read (permissions, I/O error) gets a failed report of its own; the others are still
    verified."""
    reports = []
    for archive in find_archives(path):
        try:
            reports.append(verify_archive(archive, require_sidecar=require_sidecar,
                                          require_manifest_copy=require_manifest_copy, public_key=public_key,
                                          secrets_key=secrets_key, secrets_key_passphrase=secrets_key_passphrase))
        except OSError as exc:
            reports.append(_unreadable(archive, exc))
    return reports


def _unreadable(path: str, exc: OSError) -> dict:
    name = os.path.basename(path)
    checks = _Checks()
    checks.add("readable", name, "a readable file", f"{exc.strerror or exc}", False)
    return {"archive": path, "name": name, "mode": "", "passed": False, "verdict": "failed",
            "summary": f"{name}: FAILED - cannot be read: {exc.strerror or exc}", "checks": checks.items,
            "failed_checks": checks.items, "problems": [_line(c) for c in checks.items], "size": 0, "sha256": "",
            "entries": 0, "documents": 0, "seconds": 0.0, "signature": _no_signature(None)}


def _consumer_for(name: str) -> Any:
    if name in (MANIFEST_NAME, DUMP_LOG):
        return TextBuffer(TEXT_LIMIT)
    if name == SIGNATURE_NAME:
        return TextBuffer(SIGNATURE_LIMIT)
    if name.startswith(DUMP_PREFIX) and name.endswith(".bson"):
        return BsonCounter()
    if name.startswith(DUMP_PREFIX) and name.endswith(".bson.gz"):
        return GzipBsonCounter()
    if name.startswith(SECRETS_PREFIX) and name.endswith(ENCRYPTED_SUFFIX):
        return TextBuffer(SECRET_LIMIT)
    return None


def _read_small(path: str, limit: int) -> bytes | None:
    """A sidecar or manifest copy (None when absent); more than ``limit`` bytes is cut, which then fails to parse."""
    try:
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        return None


def verify_archive(path: str, *, require_sidecar: bool = True, require_manifest_copy: bool = True,
                   public_key: Any = None, secrets_key: bytes | None = None,
                   secrets_key_passphrase: bytes | None = None) -> dict:
    """Verify one archive. Returned keys: ``archive`` (path), ``name``, ``mode`` (from the manifest, '' when
    unknown), ``passed`` (bool), ``verdict`` (``passed``/``failed``), ``summary`` (one line), ``checks`` (every
    check), ``failed_checks`` (the failed ones), ``problems`` (one line per failed check), ``size``, ``sha256``,
    ``entries``, ``documents`` (decoded), ``seconds``, ``signature`` ({signed, status, key_id, pinned}).
    ``public_key`` (an Ed25519 public key object, see _signature.load_public_key) pins the signer.
    With ``secrets_key`` (a private key PEM, ``secrets_key_passphrase`` its passphrase) every ``Secrets/*.cms``
    entry must decrypt (check ``secrets_decrypt``).
    Raises OSError when the archive cannot be read at all."""
    started = time.monotonic()
    name = os.path.basename(path)
    sidecar = _read_small(path + SIDECAR_SUFFIX, SIDECAR_LIMIT)
    copy_text = _read_small(path + COPY_SUFFIX, TEXT_LIMIT)
    with _no_gc():
        scan = stream_archive(path, _consumer_for)
    checks = _Checks()
    checks.add("archive_name", name, "ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip", name,
               ARCHIVE_RE.fullmatch(name) is not None)
    _check_sidecar(checks, name, scan.sha256, sidecar, require_sidecar)
    entries = {e.name: e for e in scan.entries}
    _check_zip(checks, name, scan)
    manifest = _check_manifest(checks, entries.get(MANIFEST_NAME))
    _check_copy(checks, name, scan.size, scan.sha256, manifest, copy_text, require_manifest_copy)
    signature = _check_signature(checks, entries, public_key)
    if manifest is not None:
        _check_listed(checks, manifest, entries)
        _check_contents(checks, name, manifest, entries)
    _check_dump(checks, manifest, entries)
    if secrets_key:
        _check_secrets(checks, manifest, entries, secrets_key, secrets_key_passphrase)
    failed = [c for c in checks.items if not c["passed"]]
    mode = str(((manifest or {}).get("BackupMetadata") or {}).get("BackupMode") or "")
    documents = sum(e.consumer.documents for e in scan.entries if isinstance(e.consumer, (BsonCounter, GzipBsonCounter)))
    seconds = round(time.monotonic() - started, 3)
    if failed:
        kinds = ", ".join(dict.fromkeys(c["check"] for c in failed))
        summary = f"{name}: FAILED - {len(failed)} of {len(checks.items)} checks failed ({kinds})"
    else:
        summary = (f"{name}: PASSED - {len(checks.items)} checks, {len(scan.entries)} entries, {documents} BSON "
                   f"documents, {scan.size} bytes in {seconds} s")
    return {"archive": path, "name": name, "mode": mode, "passed": not failed,
            "verdict": "failed" if failed else "passed", "summary": summary, "checks": checks.items,
            "failed_checks": failed, "problems": [_line(c) for c in failed], "size": scan.size,
            "sha256": scan.sha256, "entries": len(scan.entries), "documents": documents, "seconds": seconds,
            "signature": signature}


def _line(check: Mapping[str, Any]) -> str:
    return f"{check['check']} {check['file']}: expected {check['expected']}, found {check['found']}"


def _check_sidecar(checks: _Checks, name: str, sha256: str, sidecar: bytes | None, required: bool) -> None:
    file = name + SIDECAR_SUFFIX
    if sidecar is None:
        checks.add("sidecar", file, "present" if required else "present (not required)", "missing", not required)
        return
    line = sidecar.decode("utf-8", errors="replace").splitlines()[0].strip() if sidecar.strip() else ""
    match = SIDECAR_RE.fullmatch(line)
    if match is None or len(sidecar) > SIDECAR_LIMIT:
        checks.add("sidecar", file, "'<sha256>  <archive name>'", repr(line[:100]), False)
        return
    expected = f"{match.group(1).lower()}  {match.group(2)}"
    checks.add("sidecar", file, expected, f"{sha256}  {name}", expected == f"{sha256}  {name}")


def _check_zip(checks: _Checks, name: str, scan: Any) -> None:
    if not scan.readable:
        checks.add("zip_structure", name, "a readable zip archive", scan.problems[0][1], False)
        return
    for file, problem in scan.problems:
        checks.add("zip_structure", file or name, "consistent with the central directory", problem, False)
    names = [e.name for e in scan.entries]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        checks.add("zip_structure", dup, "one entry per name", f"{names.count(dup)} entries", False)
    for entry in scan.entries:
        if entry.name.startswith("/") or ".." in entry.name.split("/") or "\\" in entry.name:
            checks.add("zip_structure", entry.name, "a relative path inside the archive", entry.name, False)
    if not any(c["check"] == "zip_structure" for c in checks.items):
        checks.add("zip_structure", name, "local headers match the central directory, no gaps",
                   f"{len(scan.entries)} entries consistent", True)
    for entry in scan.entries:
        expected = f"crc32 {entry.expected_crc:08x}, {entry.expected_size} bytes"
        found = f"unreadable: {entry.error}" if entry.error else f"crc32 {entry.crc:08x}, {entry.size} bytes"
        checks.add("crc", entry.name, expected, found, not entry.error and expected == found)


def _check_manifest(checks: _Checks, entry: EntryFacts | None) -> dict | None:
    """The parsed manifest when it has the sections the checks need, else None (and a failed check)."""
    if entry is None:
        checks.add("manifest", MANIFEST_NAME, "present", "missing", False)
        return None
    buffer = entry.consumer
    if entry.error or buffer is None or buffer.overflow:
        why = entry.error or f"larger than {TEXT_LIMIT} bytes"
        checks.add("manifest", MANIFEST_NAME, "readable", f"unreadable: {why}", False)
        return None
    try:
        manifest = json.loads(buffer.data.decode("utf-8-sig"))
    except ValueError as exc:
        checks.add("manifest", MANIFEST_NAME, "valid JSON", f"invalid: {exc}", False)
        return None
    missing = _shape_problems(manifest)
    if missing:
        checks.add("manifest", MANIFEST_NAME, "the sections of BackupManifest.json", "; ".join(missing), False)
        return None
    checks.add("manifest", MANIFEST_NAME, "the sections of BackupManifest.json", "present", True)
    return manifest


def _shape_problems(manifest: Any) -> list[str]:
    if not isinstance(manifest, dict):
        return ["not a JSON object"]
    wanted = {("BackupMetadata", dict), ("SystemInformation", dict), ("MongoDBInformation", dict),
              ("BackedUpFiles", list), ("ArchiveInformation", dict), ("Extensions", dict)}
    problems = [f"{key} missing or not a {kind.__name__}" for key, kind in sorted(wanted, key=lambda w: w[0])
                if not isinstance(manifest.get(key), kind)]
    if problems:
        return problems
    mongodb = manifest["Extensions"].get("MongoDB")
    if not isinstance(mongodb, dict) or not isinstance(mongodb.get("Databases"), list) \
            or not isinstance(mongodb.get("DumpFiles"), list):
        problems.append("Extensions.MongoDB.Databases / DumpFiles missing")
    items = list(manifest["BackedUpFiles"]) + list((mongodb or {}).get("DumpFiles") or [])
    if any(not isinstance(i, dict) or not isinstance(i.get("RelativePathInArchive"), str) for i in items):
        problems.append("a file entry without RelativePathInArchive")
    return problems


def _check_copy(checks: _Checks, name: str, size: int, sha256: str, manifest: dict | None, text: bytes | None,
                required: bool) -> None:
    file = name + COPY_SUFFIX
    if text is None:
        checks.add("manifest_copy", file, "present" if required else "present (not required)", "missing",
                   not required)
        return
    try:
        copy = json.loads(text.decode("utf-8-sig"))
        info, extensions = copy["ArchiveInformation"], copy["Extensions"]
        copy_sha, copy_size = info["SHA256"], extensions["ArchiveSizeBytes"]
    except (ValueError, KeyError, TypeError) as exc:
        checks.add("manifest_copy", file, "the published manifest copy", f"unreadable: {exc!r}", False)
        return
    checks.add("manifest_copy", file, "the published manifest copy", "present", True)
    checks.add("copy_sha256", file, copy_sha, sha256, str(copy_sha).lower() == sha256)
    checks.add("copy_size", file, copy_size, size, copy_size == size)
    if manifest is not None:
        differences = copy_differences(manifest, copy)
        checks.add("copy_matches_manifest", file, "equal to BackupManifest.json but for the archive values",
                   "; ".join(differences[:5]) or "equal", not differences)


def copy_differences(inside: Mapping[str, Any], copy: Mapping[str, Any]) -> list[str]:
    """Paths where the copy differs from the manifest inside, the filled-in values excepted."""
    unfilled = json.loads(json.dumps(copy))
    for section, key in COPY_FILLED:
        if isinstance(unfilled.get(section), dict) and isinstance(inside.get(section), dict):
            unfilled[section][key] = inside[section].get(key)
    return _diff(inside, unfilled, "")


def _diff(a: Any, b: Any, where: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in list(a) + [k for k in b if k not in a]:
            out += _diff(a.get(key), b.get(key), f"{where}.{key}" if where else key) if key in a and key in b \
                else [f"{where}.{key}" if where else key]
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _diff(x, y, f"{where}[{i}]")]
    return [] if a == b and type(a) is type(b) else [where or "(root)"]


def _no_signature(public_key: Any) -> dict:
    return {"signed": False, "status": "missing", "key_id": "", "pinned": public_key is not None}


def _entry_bytes(entry: EntryFacts | None) -> bytes | None:
    """The bytes an entry's TextBuffer kept; None when absent, unreadable or over its limit (a check then fails)."""
    if entry is None or entry.error or entry.consumer is None or entry.consumer.overflow:
        return None
    return entry.consumer.data


def _check_signature(checks: _Checks, entries: dict[str, EntryFacts], public_key: Any) -> dict:
    sig_entry = entries.get(SIGNATURE_NAME)
    if sig_entry is None and public_key is None:
        return _no_signature(None)  # unsigned and nothing pinned: signing is optional
    signature = _entry_bytes(sig_entry)
    if sig_entry is not None and signature is None:
        signature = b"(unreadable or too large)"  # present but unusable: reported as malformed, never as missing
    verdict = check_signature(_entry_bytes(entries.get(MANIFEST_NAME)), signature, public_key)
    checks.add("manifest_signature", SIGNATURE_NAME, verdict["expected"], verdict["found"], verdict["passed"])
    return {"signed": sig_entry is not None, "status": verdict["status"], "key_id": verdict["key_id"],
            "pinned": public_key is not None}


def _check_listed(checks: _Checks, manifest: dict, entries: dict[str, EntryFacts]) -> None:
    files = [i for i in manifest["BackedUpFiles"] if i.get("Type") != "Directory"]
    files += manifest["Extensions"]["MongoDB"]["DumpFiles"]
    listed = {MANIFEST_NAME, SIGNATURE_NAME}  # the signature cannot list itself in what it signs
    for item in files:
        path = item["RelativePathInArchive"]
        listed.add(path)
        entry = entries.get(path)
        if entry is None:
            checks.add("sha256", path, str(item.get("SHA256")).lower(), "missing from the archive", False)
            continue
        found = f"unreadable: {entry.error}" if entry.error else entry.sha256
        checks.add("sha256", path, str(item.get("SHA256")).lower(), found, found == str(item.get("SHA256")).lower())
        checks.add("size", path, item.get("SizeBytes"), entry.size, item.get("SizeBytes") == entry.size)
    for item in manifest["BackedUpFiles"]:
        if item.get("Type") == "Directory":
            folder = item["RelativePathInArchive"]
            inside = [e for n, e in entries.items() if n.startswith(folder) and not n.endswith("/")]
            expected = f"{item.get('FileCount')} file(s), {item.get('TotalSizeBytes')} bytes"
            found = f"{len(inside)} file(s), {sum(e.size for e in inside)} bytes"
            checks.add("directory", folder, expected, found, expected == found)
    unlisted = sorted(n for n in entries if not n.endswith("/") and n not in listed)
    for path in unlisted:
        checks.add("listed", path, "listed in BackupManifest.json", "not listed", False)
    if not unlisted:
        checks.add("listed", MANIFEST_NAME, "every archive file listed", f"{len(listed)} files listed", True)


def _roles(manifest: dict) -> list[str]:
    roles = manifest["Extensions"].get("NodeRoles")
    return [str(r).lower() for r in roles] if isinstance(roles, list) else []


def _check_contents(checks: _Checks, name: str, manifest: dict, entries: dict[str, EntryFacts]) -> None:
    mode = manifest["BackupMetadata"].get("BackupMode")
    match = ARCHIVE_RE.fullmatch(name)
    named = TAG_MODES[match.group(1)] if match else "(unknown)"
    checks.add("mode", name, f"{named} (from the file name)", mode, mode == named)
    checks.add("manifest_name", MANIFEST_NAME, name, manifest["ArchiveInformation"].get("ArchiveFileName"),
               manifest["ArchiveInformation"].get("ArchiveFileName") == name)
    mongodb = manifest["MongoDBInformation"]
    included = mongodb.get("Included") is True
    roles = _roles(manifest)
    has = {folder: any(n.startswith(folder) for n in entries) for folder in ("Config/", "MongoDB/", "Secrets/")}
    settings = manifest.get("ControllerSettings") if isinstance(manifest.get("ControllerSettings"), dict) else {}
    token = "Secrets/ControllerToken.txt" in entries or "Secrets/ControllerToken.cms" in entries
    encrypted = isinstance(manifest["Extensions"].get("SecretsEncryption"), dict)
    rules: list[tuple[str, str, bool]] = []  # (file, expectation, holds)
    if mode == "DatabaseOnly":
        rules += [("Config/", "absent in a DatabaseOnly archive", not has["Config/"]),
                  ("Secrets/", "absent in a DatabaseOnly archive", not has["Secrets/"]),
                  ("MongoDB/", "present: a DatabaseOnly archive holds the database", has["MongoDB/"] and included)]
    elif mode == "ConfigOnly":
        rules += [("MongoDB/", "absent in a ConfigOnly archive", not has["MongoDB/"] and not included)]
    elif mode == "Full":
        with_db = "controller" in roles and mongodb.get("DeploymentType") == EMBEDDED
        rules += [("MongoDB/", "present as MongoDBInformation.Included says", has["MongoDB/"] == included)]
        if with_db:
            rules += [("MongoDB/", "present: a Full archive of a controller with embedded MongoDB holds the "
                                   "database", has["MongoDB/"] and included)]
    else:
        rules += [(MANIFEST_NAME, "BackupMode Full, DatabaseOnly or ConfigOnly", False)]
    if mode in ("Full", "ConfigOnly"):
        rules += [("Config/RuntimeSettings.xml", "present in a Full or ConfigOnly archive",
                   "Config/RuntimeSettings.xml" in entries),
                  ("Secrets/ControllerToken.cms" if encrypted else "Secrets/ControllerToken.txt",
                   "present as ControllerSettings.ControllerTokenExported says",
                   token == (settings.get("ControllerTokenExported") is True))]
    if encrypted:
        plain = sorted(n for n in entries if n.startswith(SECRETS_PREFIX) and not n.endswith(ENCRYPTED_SUFFIX))
        rules += [(", ".join(plain) or SECRETS_PREFIX,
                   "no plaintext secret when Extensions.SecretsEncryption says the secrets are encrypted", not plain)]
    if has["Secrets/"]:
        rules += [("Secrets/", "only in archives of controller nodes (Extensions.NodeRoles)", "controller" in roles)]
    if included:
        rules += [("MongoDB/", "MongoDBInformation.DeploymentType embedded or self-managed",
                   mongodb.get("DeploymentType") in (EMBEDDED, "self-managed"))]
    for file, expectation, holds in rules:
        checks.add("contents", file, expectation, "as expected" if holds else "not so", holds)


def _check_secrets(checks: _Checks, manifest: dict | None, entries: dict[str, EntryFacts], key: bytes,
                   passphrase: bytes | None) -> None:
    """Every encrypted secret decrypts with ``key``; only whether it does is recorded, never the plaintext."""
    extensions = (manifest or {}).get("Extensions")
    encryption = extensions.get("SecretsEncryption") if isinstance(extensions, dict) else None
    recipient = ""
    if isinstance(encryption, dict) and isinstance(encryption.get("Recipient"), dict):
        named = encryption["Recipient"]
        recipient = f"{named.get('Subject', '')} (thumbprint {named.get('Thumbprint', '')})"
    for name in sorted(n for n in entries if n.startswith(SECRETS_PREFIX) and n.endswith(ENCRYPTED_SUFFIX)):
        buffer = entries[name].consumer
        if not isinstance(buffer, TextBuffer) or buffer.overflow:
            checks.add("secrets_decrypt", name, "decrypts with the key given", "too large to be a secret", False)
            continue
        try:
            decrypt_cms(buffer.data, key, passphrase, recipient=recipient)
        except ValueError as exc:
            checks.add("secrets_decrypt", name, "decrypts with the key given", str(exc), False)
        else:
            checks.add("secrets_decrypt", name, "decrypts with the key given", "decrypts", True)


def _collection_of(path: str) -> tuple[str, str] | None:
    """``MongoDB/<db>/<coll>.bson[.gz]`` -> (db, coll); None for other paths (``MongoDB/oplog.bson``)."""
    parts = path.split("/")
    if len(parts) != 3 or parts[0] != "MongoDB":
        return None
    for suffix in (".bson", ".bson.gz"):
        if parts[2].endswith(suffix):
            return parts[1], parts[2][: -len(suffix)]
    return None


def _check_dump(checks: _Checks, manifest: dict | None, entries: dict[str, EntryFacts]) -> None:
    decoded: dict[tuple[str, str], tuple[str, int | None]] = {}
    for entry in entries.values():
        counter = entry.consumer
        if not isinstance(counter, (BsonCounter, GzipBsonCounter)):
            continue
        error = entry.error or counter.error
        checks.add("bson", entry.name, "every document decodes",
                   f"broken after {counter.documents} documents: {error}" if error else f"{counter.documents} documents",
                   not error)
        key = _collection_of(entry.name)
        if key is not None:
            decoded[key] = (entry.name, None if error else counter.documents)
    if manifest is None:
        return
    mongodb = manifest["MongoDBInformation"]
    listed = {(str(d.get("Name")), str(c.get("Name"))): c.get("Documents")
              for d in manifest["Extensions"]["MongoDB"]["Databases"] if isinstance(d, dict)
              for c in d.get("Collections") or [] if isinstance(c, dict)}
    if not listed and not decoded and not mongodb.get("Included"):
        return
    log_entry = entries.get(DUMP_LOG)
    logged: dict[tuple[str, str], int] | None = None
    if log_entry is not None and log_entry.consumer is not None and not log_entry.error \
            and not log_entry.consumer.overflow:
        text = log_entry.consumer.data.decode("utf-8", errors="replace")
        logged = {(db, coll): int(n) for db, coll, n in DONE_RE.findall(text)}
    elif mongodb.get("DeploymentType") == EMBEDDED or log_entry is not None:
        checks.add("dump_log", DUMP_LOG, "a readable mongoDump.log", "missing" if log_entry is None else "unreadable",
                   False)
    for key in sorted(set(listed) | set(decoded) | set(logged or {})):
        file, count = decoded.get(key, (f"MongoDB/{key[0]}/{key[1]}.bson", None))
        found = "no .bson file" if key not in decoded else ("undecodable" if count is None else count)
        checks.add("documents", file, listed.get(key, "not in the manifest"), found,
                   key in listed and count is not None and listed[key] == count)
        if logged is not None:
            checks.add("dump_log", file, logged.get(key, "not in mongoDump.log"), found,
                       key in logged and count is not None and logged[key] == count)

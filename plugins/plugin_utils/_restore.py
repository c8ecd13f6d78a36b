# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore decisions, pure: is the archive read on the node intact, which scope, which files go where."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import (
    COPY_SUFFIX,
    MANIFEST_NAME,
    SIDECAR_RE,
    copy_differences,
)
from ansible_collections.alteryx.server.plugins.module_utils._signature import SIGNATURE_NAME
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry

SCOPES = ("Full", "DatabaseOnly", "ConfigOnly")
CONFIG_PREFIX = "Config/"
# What each backup mode holds: a Full archive can restore either part alone, a partial one only its own part.
SCOPES_OF_MODE = {"Full": set(SCOPES), "DatabaseOnly": {"DatabaseOnly"}, "ConfigOnly": {"ConfigOnly"}}


def judge_archive(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Judge the facts alteryx_restore_check read on the node: the whole archive must be as its backup wrote it.

    ``raw`` holds ``archive`` (Windows path), ``archive_sha256``, ``sidecar`` (text or None), ``manifest`` (the
    BackupManifest.json text or None) and ``entries`` [{name, size, sha256}]. Checks, as offline verification
    (module_utils/_archive_verify.py) does: the ``.sha256`` sidecar names this archive with its hash, the manifest
    parses, every file it lists (BackedUpFiles and Extensions.MongoDB.DumpFiles) is in the archive with its SHA256
    and size, and the archive holds nothing it does not list.

    Returned keys: ``ok`` (bool), ``problems`` (list of str, empty when ok), ``manifest`` (dict or None),
    ``mode`` (the archive's BackupMode or ''), ``archive`` (str).
    """
    archive = str(raw.get("archive") or "")
    name = archive.replace("/", "\\").rsplit("\\", 1)[-1]
    problems = _sidecar_problems(name, str(raw.get("archive_sha256") or ""), raw.get("sidecar"))
    manifest, manifest_problems = _parse_manifest(raw.get("manifest"))
    problems += manifest_problems
    if manifest is not None:
        problems += _entry_problems(manifest, raw.get("entries") or [])
        problems += _copy_problems(name, raw, manifest)
    mode = str((manifest or {}).get("BackupMetadata", {}).get("BackupMode") or "")
    if manifest is not None and mode not in SCOPES_OF_MODE:
        problems.append(f"BackupMetadata.BackupMode is {mode!r}, not one of {', '.join(SCOPES)}")
    return {"ok": not problems, "problems": problems, "manifest": manifest, "mode": mode, "archive": archive}


def _sidecar_problems(name: str, sha256: str, sidecar: Any) -> list[str]:
    if sidecar is None:
        return [f"{name}.sha256 is missing: the archive's hash cannot be checked"]
    lines = str(sidecar).strip().splitlines()
    match = SIDECAR_RE.fullmatch(lines[0].strip()) if lines else None
    if match is None:
        return [f"{name}.sha256 is not '<sha256>  <archive name>'"]
    if match.group(2) != name:
        return [f"{name}.sha256 names {match.group(2)}, not this archive"]
    if match.group(1).lower() != sha256.lower():
        return [f"{name} has SHA256 {sha256}, its .sha256 sidecar says {match.group(1).lower()}: the archive changed"]
    return []


def _copy_problems(name: str, raw: Mapping[str, Any], manifest: Mapping[str, Any]) -> list[str]:
    """The published ``<archive>.manifest.json``, when present, names this archive's hash and size and equals the
    manifest inside but for the values the archive step fills in: a manifest edited inside the archive to match a
    changed file (with the sidecar recomputed) is caught here, as offline verification catches it."""
    text = raw.get("manifest_copy")
    if text is None:
        return []
    copy_name = name + COPY_SUFFIX
    try:
        copy = json.loads(str(text).lstrip("\ufeff"))
        copy_sha, copy_size = copy["ArchiveInformation"]["SHA256"], copy["Extensions"]["ArchiveSizeBytes"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{copy_name} is unreadable ({exc!r})"]
    problems = []
    if str(copy_sha).lower() != str(raw.get("archive_sha256") or "").lower():
        problems.append(f"{copy_name} says the archive's SHA256 is {str(copy_sha).lower()}, it is "
                        f"{raw.get('archive_sha256')}: the archive changed after it was published")
    if copy_size != raw.get("archive_size"):
        problems.append(f"{copy_name} says the archive has {copy_size} bytes, it has {raw.get('archive_size')}")
    differences = copy_differences(manifest, copy)
    if differences:
        problems.append(f"{MANIFEST_NAME} differs from {copy_name} at {', '.join(differences[:5])}: the manifest "
                        "inside the archive was edited")
    return problems


def _parse_manifest(text: Any) -> tuple[dict[str, Any] | None, list[str]]:
    if text is None:
        return None, [f"{MANIFEST_NAME} is missing from the archive"]
    try:
        manifest = json.loads(str(text).lstrip("\ufeff"))
    except ValueError as exc:
        return None, [f"{MANIFEST_NAME} is not valid JSON: {exc}"]
    if not isinstance(manifest, dict) or not isinstance(manifest.get("BackupMetadata"), dict) \
            or not isinstance(manifest.get("BackedUpFiles"), list):
        return None, [f"{MANIFEST_NAME} lacks BackupMetadata or BackedUpFiles"]
    return manifest, []


def listed_files(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every file entry of the manifest: BackedUpFiles (folders left out) and Extensions.MongoDB.DumpFiles."""
    files = [f for f in manifest.get("BackedUpFiles") or [] if isinstance(f, dict) and f.get("Type") != "Directory"]
    mongodb = (manifest.get("Extensions") or {}).get("MongoDB") or {}
    files += [f for f in mongodb.get("DumpFiles") or [] if isinstance(f, dict)]
    return files


def _entry_problems(manifest: Mapping[str, Any], entries: list[Mapping[str, Any]]) -> list[str]:
    found = {str(e.get("name")): e for e in entries}
    problems = []
    listed = {MANIFEST_NAME, SIGNATURE_NAME}  # the signature of the manifest cannot be listed in it
    for item in listed_files(manifest):
        path = str(item.get("RelativePathInArchive") or "")
        listed.add(path)
        entry = found.get(path)
        if entry is None:
            problems.append(f"{path} is listed in {MANIFEST_NAME} but missing from the archive")
        elif str(entry.get("sha256") or "").lower() != str(item.get("SHA256") or "").lower():
            problems.append(f"{path} has SHA256 {entry.get('sha256')}, the manifest says {item.get('SHA256')}")
        elif entry.get("size") != item.get("SizeBytes"):
            problems.append(f"{path} has {entry.get('size')} bytes, the manifest says {item.get('SizeBytes')}")
    problems += [f"{name} is in the archive but not listed in {MANIFEST_NAME}" for name in sorted(set(found) - listed)]
    return problems


# Archive name codes (ServerBackup_<code>_<timestamp>.zip) per backup mode.
_NAME_CODES = {"Full": "Full", "DatabaseOnly": "DB", "ConfigOnly": "Config"}
TIMESTAMP_RE = re.compile(r"^\d{8}_\d{6}$")
# How many damaged archives the default choice steps over before it gives up.
MAX_SKIPPED = 10


def candidate_codes(requested_scope: str) -> list[str]:
    """The archive name codes whose mode can restore ``requested_scope`` ('' = any archive, its own mode)."""
    if not requested_scope:
        return list(_NAME_CODES.values())
    return [_NAME_CODES[mode] for mode, scopes in SCOPES_OF_MODE.items() if requested_scope in scopes]


def check_timestamp(timestamp: str) -> str:
    """``timestamp`` as archive names carry it (``YYYYMMDD_HHmmss``), or ValueError saying what is expected."""
    text = (timestamp or "").strip()
    if text and not TIMESTAMP_RE.match(text):
        raise ValueError(f"timestamp {timestamp!r} is not YYYYMMDD_HHmmss as in ServerBackup_Full_20240131_020000.zip")
    return text


def choose_scope(requested: str, mode: str) -> str:
    """The scope to restore: ``requested`` ('' = the archive's own mode), which the archive's mode must hold.

    Raises ValueError with the reason when the archive cannot restore that scope.
    """
    scope = requested or mode
    if scope not in SCOPES:
        raise ValueError(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    if scope not in SCOPES_OF_MODE.get(mode, set()):
        raise ValueError(f"a {mode} archive holds no {scope} restore: choose an archive of mode Full or {scope}")
    return scope


def config_plan(manifest: Mapping[str, Any]) -> list[dict[str, str]]:
    """The files a ConfigOnly restore puts back: every ``Config/`` file of the manifest, to its FilePath.

    Returned items: ``entry`` (zip entry name), ``path`` (Windows path it was backed up from), ``sha256``.
    Raises ValueError when an entry has no absolute FilePath to go back to (nothing is written then).
    """
    plan = []
    for item in manifest.get("BackedUpFiles") or []:
        entry = str(item.get("RelativePathInArchive") or "")
        if item.get("Type") == "Directory" or not entry.startswith(CONFIG_PREFIX):
            continue
        path = str(item.get("FilePath") or "")
        if not (len(path) > 3 and path[1:3] == ":\\"):
            raise ValueError(f"{entry} has no absolute FilePath in the manifest ({path!r}): cannot tell where it goes")
        plan.append({"entry": entry, "path": path, "sha256": str(item.get("SHA256") or "").lower()})
    if not plan:
        raise ValueError("the manifest lists no Config/ file to restore")
    return plan


def written_problems(plan: list[Mapping[str, str]], written: list[Mapping[str, Any]]) -> list[str]:
    """Files of ``plan`` that were not written back byte for byte (``written``: [{path, sha256}] read after writing)."""
    found = {str(w.get("path", "")).lower(): str(w.get("sha256") or "").lower() for w in written}
    problems = []
    for item in plan:
        digest = found.get(item["path"].lower())
        if digest is None:
            problems.append(f"{item['path']} was not written")
        elif digest != item["sha256"]:
            problems.append(f"{item['path']} has SHA256 {digest} after writing, the manifest says {item['sha256']}")
    return problems


def put_back_result(plan: list[Mapping[str, str]], result: Mapping[str, Any], run_id: str, what: str
                    ) -> dict[str, Any]:
    """The step's result once alteryx_restore_config.ps1 put ``plan``'s files back (``what``: 'files', 'SQLite
    files'); raises AlteryxStepError (storage) naming the safety copies when one was not written byte for byte.

    Returned keys: ``changed``, ``files`` (the script's), ``plan``, ``log`` (one entry per file written)."""
    problems = written_problems(plan, result["files"])
    if problems:
        raise AlteryxStepError(f"Restored {what} differ from the archive (the .pre-restore-{run_id} copies hold the "
                               "previous files): " + "; ".join(problems), "storage",
                               {"changed": True, "files": result["files"], "plan": plan})
    log = [entry("INFO", f"Restored {f['path']} ({f['size']} bytes)"
                         + (f", previous file kept as {f['safety_copy']}" if f["safety_copy"] else ""))
           for f in result["files"]]
    return {"changed": result["_changed"], "files": result["files"], "plan": plan, "log": log}


# emongorestore's summary line in mongoRestore.log; any other line naming one of ERROR_WORDS is a doubt.
RESTORE_SUMMARY_RE = re.compile(r"(\d+) document\(s\) restored successfully\. (\d+) document\(s\) failed to restore\.")
ERROR_WORDS_RE = re.compile(r"\b(error|critical|fatal|failed)\b", re.IGNORECASE)


def archive_persistence(manifest: Mapping[str, Any]) -> str:
    """The persistence the archive's database part was taken from: MongoDBInformation.DeploymentType
    (``embedded``, ``self-managed``, ``sqlite`` or ``none``)."""
    return str((manifest.get("MongoDBInformation") or {}).get("DeploymentType") or "none")


def sqlite_plan(manifest: Mapping[str, Any], sqlite_path: str) -> list[dict[str, str]]:
    """The files a SQLite restore puts back: every dump file of the manifest (the backup's SQLite copy sits under
    ``MongoDB/`` in the archive, as Extensions.MongoDB.DumpFiles) to the same place under ``sqlite_path``.

    Returned items: ``entry`` (zip entry name), ``path`` (Windows path it goes to), ``sha256``.
    Raises ValueError when the archive holds no SQLite copy or the SQLite folder is unknown (nothing is touched).
    """
    kind = archive_persistence(manifest)
    if kind != "sqlite":
        raise ValueError(f"the archive holds a {kind} persistence backup, not a SQLite copy")
    folder = str(sqlite_path or "").rstrip("\\")
    if not (len(folder) > 3 and folder[1:3] == ":\\"):
        raise ValueError(f"the SQLite folder is unknown ({folder!r}): is this a Scheduler-only controller?")
    plan = []
    for item in (manifest.get("Extensions") or {}).get("MongoDB", {}).get("DumpFiles") or []:
        entry = str(item.get("RelativePathInArchive") or "")
        relative = entry[len("MongoDB/"):] if entry.startswith("MongoDB/") else ""
        if not relative or re.search(r"(^|/)\.\.(/|$)", relative):
            raise ValueError(f"{entry!r} is no file of the SQLite copy: cannot tell where it goes")
        plan.append({"entry": entry, "path": folder + "\\" + relative.replace("/", "\\"),
                     "sha256": str(item.get("SHA256") or "").lower()})
    if not plan:
        raise ValueError("the manifest lists no file of the SQLite copy (Extensions.MongoDB.DumpFiles is empty)")
    return plan


def database_plan(manifest: Mapping[str, Any], data_path: str, run_id: str) -> dict[str, Any]:
    """Where a DatabaseOnly restore of the embedded MongoDB puts things, and how many documents it must restore.

    ``data_path`` is the live data folder (the node's facts); '' falls back to the manifest's
    Extensions.MongoDB.DataPath. The restore goes into a new folder next to it, never into it.

    Returned keys: ``data_path``, ``restore_path`` (``<data>_RESTORE_<run id>``), ``old_path``
    (``<data>_OLD_<run id>``), ``staging_path`` (``<data>_DUMP_<run id>``, the extracted dump),
    ``expected_documents`` (sum of Extensions.MongoDB.Databases[].Collections[].Documents), ``dump_files`` (int).
    Raises ValueError when the archive holds no embedded MongoDB dump or the data folder is unknown (nothing is
    touched then).
    """
    if archive_persistence(manifest) not in ("embedded", "none"):
        # 'none': a manifest without MongoDBInformation (hand-made); its dump files are checked below.
        raise ValueError(f"the archive holds a {archive_persistence(manifest)} persistence backup, not an embedded "
                         "MongoDB dump")
    mongodb = (manifest.get("Extensions") or {}).get("MongoDB") or {}
    dump_files = [f for f in mongodb.get("DumpFiles") or [] if isinstance(f, dict)]
    if not dump_files:
        raise ValueError("the manifest lists no MongoDB dump file (Extensions.MongoDB.DumpFiles is empty)")
    data = str(data_path or mongodb.get("DataPath") or "").rstrip("\\")
    if not (len(data) > 3 and data[1:3] == ":\\"):
        raise ValueError(f"the embedded MongoDB data folder is unknown ({data!r}): is embedded MongoDB enabled here?")
    expected = 0
    for database in mongodb.get("Databases") or []:
        for collection in database.get("Collections") or []:
            expected += int(collection.get("Documents") or 0)
    return {"data_path": data, "restore_path": f"{data}_RESTORE_{run_id}", "old_path": f"{data}_OLD_{run_id}",
            "staging_path": f"{data}_DUMP_{run_id}", "expected_documents": expected, "dump_files": len(dump_files)}


def judge_summary(summaries: list[tuple[int, int]], expected: int) -> tuple[int | None, int | None, list[str]]:
    """Judge mongorestore's ``N document(s) restored successfully. M document(s) failed to restore.`` lines: exactly
    one, with N == ``expected`` and M == 0. Returns (N or None, M or None, problems)."""
    if len(summaries) != 1:
        return None, None, [f"mongoRestore.log has {len(summaries)} summary lines, expected exactly one"]
    restored, failed = summaries[0]
    problems = [f"{failed} document(s) failed to restore"] if failed else []
    if restored != expected:
        problems.append(f"{restored} document(s) restored, the manifest counts {expected}")
    return restored, failed, problems


def judge_restore(raw: Mapping[str, Any], expected: int) -> dict[str, Any]:
    """Judge an emongorestore run from what the host read: sound only when its log says so without any doubt.

    ``raw`` holds ``exe_stdout`` and ``restore_log`` (mongoRestore.log's text, None when absent). Sound means:
    exactly one summary line ``N document(s) restored successfully. M document(s) failed to restore.`` with
    N == ``expected`` and M == 0, no other line naming error/critical/fatal/failed in the log, and no
    ``failed`` in the program's stdout (its exit code is unreliable and is not judged).

    Returned keys: ``ok`` (bool), ``problems`` (list of str), ``restored`` (N or None), ``failed`` (M or None).
    """
    log = raw.get("restore_log")
    stdout = str(raw.get("exe_stdout") or "")
    problems = [f"emongorestore said: {line.strip()}" for line in stdout.splitlines() if ERROR_WORDS_RE.search(line)]
    if log is None:
        return {"ok": False, "problems": [*problems, "mongoRestore.log was not written"], "restored": None,
                "failed": None}
    summaries = [(int(m.group(1)), int(m.group(2))) for m in RESTORE_SUMMARY_RE.finditer(str(log))]
    restored, failed, count_problems = judge_summary(summaries, expected)
    problems += count_problems
    # After the counts, which say the most in the task's message.
    problems += [f"mongoRestore.log: {line.strip()}" for line in str(log).splitlines()
                 if ERROR_WORDS_RE.search(RESTORE_SUMMARY_RE.sub("", line))]
    return {"ok": not problems, "problems": problems, "restored": restored, "failed": failed}

"""Twin of alteryx_archive.ps1 (zip, verify against the manifest, publish the archive, its sidecar and the
manifest copy; a destination that keeps failing is reported and skipped, anything else is all or nothing)."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile
from datetime import UTC, datetime, timedelta

from ..host import WinError
from ..psconvert import double_text
from . import ScriptFailure
from ._common import sha256
from ._private_acl import new_restricted_file, restricted_acl_error
from ._run_lock import run_owns_lock, update_heartbeat
from ._run_log import add_run_log
from ._step_error import StepError, failure_class_of

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _assert_run_owns_lock(host, p):
    """``Assert-RunOwnsLock``: the lock must still name this run."""
    if not run_owns_lock(host, p["LockPath"], p["RunId"]):
        raise StepError("general", f"Run {p['RunId']} no longer owns {p['LockPath']} (the run was cancelled): nothing "
                                   "was published.")


def _new_published_file(host, p, win_path):
    """``New-PublishedFile``: empty, restricted (RestrictAcls) before a byte is written into it."""
    if not p["RestrictAcls"]:
        host.write_bytes(host.local_path(win_path), b"")
        return
    try:
        new_restricted_file(host, win_path)
    except (WinError, OSError) as exc:
        raise StepError("storage", restricted_acl_error(host, win_path, exc)) from exc


def _check_entries(path):
    """``Test-ArchiveEntry``: {bad, entries, verified, uncompressed}."""
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename.replace("\\", "/"): i for i in zf.infolist()}
        result = {"bad": None, "entries": len(entries), "verified": 0,
                  "uncompressed": sum(i.file_size for i in entries.values())}
        if "BackupManifest.json" not in entries:
            result["bad"] = "BackupManifest.json is missing"
            return result
        manifest = json.loads(zf.read("BackupManifest.json").decode("utf-8-sig"))
        listed = list(manifest["BackedUpFiles"] or []) + list(manifest["Extensions"]["MongoDB"]["DumpFiles"] or [])
        for item in listed:
            name = item["RelativePathInArchive"]
            if item["SHA256"] is None:
                inside = len([n for n in entries if n.startswith(name) and not n.endswith("/")])
                if inside != item["FileCount"]:
                    result["bad"] = f"{name} holds {inside} file(s), its manifest entry {item['FileCount']}"
                    return result
                continue
            if name not in entries:
                result["bad"] = f"{name} is missing"
                return result
            if _entry_sha256(zf, name) != item["SHA256"]:
                result["bad"] = f"{name} does not match its manifest SHA256"
                return result
        result["verified"] = len(listed)
        return result


def _entry_sha256(zf, name):
    """SHA256 of an entry read as a stream, in blocks (zf.read would hold a whole dump file in memory)."""
    digest = hashlib.sha256()
    with zf.open(name) as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_copy(p, size, digest, uncompressed, clock):
    """``Get-ManifestCopy``: ManifestCopy with its placeholders replaced (completion = StartedUtc + elapsed)."""
    elapsed = round(p["ElapsedBeforeSeconds"] + (time.monotonic() - clock), 3)
    try:
        started = datetime.strptime(p["StartedUtc"], UTC_FORMAT).replace(tzinfo=UTC)
    except ValueError as exc:  # [DateTime]::ParseExact throws a FormatException
        raise WinError(f'Exception calling "ParseExact" with "4" argument(s): "{exc}"') from exc
    ratio = round(size / uncompressed, 2) if uncompressed > 0 else 0
    values = {
        '"@@BACKUP_COMPLETED_UTC@@"': '"' + (started + timedelta(seconds=elapsed)).strftime(UTC_FORMAT) + '"',
        '"@@DURATION_SECONDS@@"': double_text(elapsed),
        '"@@ARCHIVE_SIZE_MB@@"': double_text(round(size / 1048576, 2)),
        '"@@COMPRESSION_RATIO@@"': double_text(float(ratio)),
        '"@@ARCHIVE_SHA256@@"': '"' + digest + '"',
        '"@@ARCHIVE_SIZE_BYTES@@"': str(size),
    }
    text = p["ManifestCopy"]
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def run(host, p, ctx):
    add_run_log(host, p)
    clock = time.monotonic()
    name = p["ArchiveName"]
    local_win = p["LocalDir"].rstrip("\\") + "\\" + name
    local = host.local_path(local_win)
    published, log, copies = [], [], []
    copy_name = ""
    copy_size, copy_hash = 0, ""
    destinations = p["Destinations"] or []

    def add_published(path):
        if path not in published:
            published.append(path)

    try:
        staging = host.local_path(p["StagingPath"])
        partial = host.local_path(local_win + ".partial")
        _new_published_file(host, p, local_win + ".partial")
        try:
            # ZipFile.CreateFromDirectory enumerates everything, hidden files included.
            members = [f for f in sorted(staging.rglob("*")) if f.is_file()]
            host.check_space(partial, sum(f.stat().st_size for f in members) // 2)
            # Written into the file made above (FileMode.Open: same file, its ACL stays).
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                for f in members:
                    zf.write(f, "/".join(f.relative_to(staging).parts))
        except (WinError, OSError) as exc:
            raise StepError("storage", f"Cannot create {local_win} : {exc}") from exc
        update_heartbeat(host, p["LockPath"], p["RunId"])
        check = _check_entries(partial)
        if check["bad"]:
            raise StepError("validation", f"Archive verification failed: {check['bad']}.")
        size = partial.stat().st_size
        if size < p["MinBytes"]:
            raise StepError("validation", f"Archive is {size} bytes, below the minimum of {p['MinBytes']} for this "
                                          "mode: the backup is probably incomplete.")
        digest = sha256(partial)
        if p["ManifestCopy"]:
            copy_text = _manifest_copy(p, size, digest, check["uncompressed"], clock)
            copy_name = local_win + ".manifest.json"
        update_heartbeat(host, p["LockPath"], p["RunId"])
        _assert_run_owns_lock(host, p)
        add_published(local_win)
        host.move_item(local_win + ".partial", local_win, force=True)
        add_published(local_win + ".sha256")
        _new_published_file(host, p, local_win + ".sha256")
        host.write_bytes(host.local_path(local_win + ".sha256"), f"{digest}  {name}\n".encode())
        if copy_name:
            add_published(copy_name)
            _new_published_file(host, p, copy_name)
            host.write_bytes(host.local_path(copy_name), copy_text.encode("utf-8"))
            # What is on disk, as the script's Get-Item / Get-FileHash read it back.
            copy_size, copy_hash = host.local_path(copy_name).stat().st_size, sha256(host.local_path(copy_name))
        tries = 1 + max(0, p["Retries"])
        for dest in destinations:
            target = dest.rstrip("\\") + "\\" + name
            attached = [target, target + ".sha256"] + ([target + ".manifest.json"] if copy_name else [])
            for attempt in range(1, tries + 1):
                update_heartbeat(host, p["LockPath"], p["RunId"])
                try:
                    _probe_share(host, dest)
                    host.local_path(dest).mkdir(parents=True, exist_ok=True)
                    host.copy_file(local, host.local_path(target + ".partial"))
                    if sha256(host.local_path(target + ".partial")) != digest:
                        raise WinError("hash mismatch after copy")
                    add_published(target)
                    host.move_item(target + ".partial", target, force=True)
                    add_published(target + ".sha256")
                    shutil.copyfile(host.local_path(local_win + ".sha256"), host.local_path(target + ".sha256"))
                    if copy_name:
                        add_published(target + ".manifest.json")
                        shutil.copyfile(host.local_path(copy_name), host.local_path(target + ".manifest.json"))
                    log.append(f"copy to {dest} succeeded on attempt {attempt}")
                    copies.append({"path": target, "sha256": digest, "attempts": attempt, "verified": True, "error": ""})
                    break
                except (WinError, OSError) as exc:
                    why = str(exc)
                    log.append(f"copy to {dest} failed on attempt {attempt} of {tries} : {why}")
                    _remove_quietly(host, target + ".partial")
                    if attempt < tries:
                        time.sleep(p["RetryDelaySeconds"])
                        continue
                    # The last try failed: this destination gets nothing of this run, the others and the local
                    # archive stay.
                    for path in attached:
                        if path in published:
                            _remove_quietly(host, path)
                            published.remove(path)
                    copies.append({"path": target, "sha256": "", "attempts": tries, "verified": False, "error": why})
        _assert_run_owns_lock(host, p)
    except (WinError, OSError, ValueError, KeyError, TypeError) as exc:
        # The script's catch takes every error, a malformed manifest's included.
        partials = [d.rstrip("\\") + "\\" + name + ".partial" for d in destinations]
        for path in published + [local_win + ".partial"] + partials:
            _remove_quietly(host, path)
        raise ScriptFailure(str(exc), failure_class_of(exc, "storage"), {"attempts_log": log}, changed=True) from exc
    return {"changed": True, "result": {
        "archive_path": local_win, "archive_size": size, "archive_sha256": digest, "archive_entries": check["entries"],
        "uncompressed_bytes": check["uncompressed"], "sidecar": local_win + ".sha256", "manifest_copy": copy_name,
        "manifest_copy_size": copy_size, "manifest_copy_sha256": copy_hash,
        "copies": copies, "published": list(published), "attempts_log": log, "verified_entries": check["verified"]}}


def _remove_quietly(host, win_path):
    """``Remove-Item -LiteralPath $p -Force -ErrorAction SilentlyContinue``."""
    try:
        path = host.local_path(win_path)
        if path.is_file():
            path.unlink()
    except (WinError, OSError):
        pass


def _probe_share(host, dest):
    """A share marked offline in state.json (``offline_shares``: {name: failures left}) fails that many tries."""
    refused = False
    with host.locked_state() as state:
        offline = state.get("offline_shares", {})
        for share, remaining in offline.items():
            if share.lower() in dest.lower() and remaining > 0:
                offline[share] = remaining - 1
                refused = True
    if refused:
        raise WinError(f"The network path was not found: {dest}")

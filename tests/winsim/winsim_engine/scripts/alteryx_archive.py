"""Twin of alteryx_archive.ps1 (zip, verify against the manifest, publish all-or-nothing with retries)."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._run_lock import run_owns_lock, update_heartbeat
from ._step_error import StepError, failure_class_of


def _assert_run_owns_lock(host, p):
    """``Assert-RunOwnsLock``: the lock must still name this run."""
    if not run_owns_lock(host, p["LockPath"], p["RunId"]):
        raise StepError("general", f"Run {p['RunId']} no longer owns {p['LockPath']} (the run was cancelled): nothing "
                                   "was published.")


def _check_entries(path):
    """``Test-ArchiveEntry``: (bad, entry count, verified count)."""
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename.replace("\\", "/"): i for i in zf.infolist()}
        if "BackupManifest.json" not in entries:
            return "BackupManifest.json is missing", len(entries), 0
        manifest = json.loads(zf.read("BackupManifest.json").decode("utf-8-sig"))
        files = manifest.get("BackedUpFiles") or []
        for item in files:
            if item["ArchivePath"] not in entries:
                return f"{item['ArchivePath']} is missing", len(entries), 0
            if hashlib.sha256(zf.read(item["ArchivePath"])).hexdigest() != item["SHA256"]:
                return f"{item['ArchivePath']} does not match its manifest SHA256", len(entries), 0
        return None, len(entries), len(files)


def run(host, p, ctx):
    name = p["ArchiveName"]
    local_win = p["LocalDir"].rstrip("\\") + "\\" + name
    local = host.local_path(local_win)
    published, log, copies = [], [], []
    destinations = p["Destinations"] or []
    try:
        staging = host.local_path(p["StagingPath"])
        partial = host.local_path(local_win + ".partial")
        try:
            # ZipFile.CreateFromDirectory enumerates everything, hidden files included.
            members = [f for f in sorted(staging.rglob("*")) if f.is_file()]
            host.check_space(partial, sum(f.stat().st_size for f in members) // 2)
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                for f in members:
                    zf.write(f, "/".join(f.relative_to(staging).parts))
        except (WinError, OSError) as exc:
            raise StepError("storage", f"Cannot create {local_win} : {exc}") from exc
        update_heartbeat(host, p["LockPath"], p["RunId"])
        bad, entry_count, verified = _check_entries(partial)
        if bad:
            raise StepError("validation", f"Archive verification failed: {bad}.")
        size = partial.stat().st_size
        if size < p["MinBytes"]:
            raise StepError("validation", f"Archive is {size} bytes, below the minimum of {p['MinBytes']} for this "
                                          "mode: the backup is probably incomplete.")
        digest = sha256(partial)
        update_heartbeat(host, p["LockPath"], p["RunId"])
        _assert_run_owns_lock(host, p)
        published.append(local_win)
        host.move_item(local_win + ".partial", local_win, force=True)
        published.append(local_win + ".sha256")
        host.write_bytes(host.local_path(local_win + ".sha256"), f"{digest}  {name}\n".encode())
        tries = max(1, p["Retries"])
        for dest in destinations:
            target = dest.rstrip("\\") + "\\" + name
            for attempt in range(1, tries + 1):
                update_heartbeat(host, p["LockPath"], p["RunId"])
                try:
                    _probe_share(host, dest)
                    host.local_path(dest).mkdir(parents=True, exist_ok=True)
                    host.copy_file(local, host.local_path(target + ".partial"))
                    if sha256(host.local_path(target + ".partial")) != digest:
                        raise WinError("hash mismatch after copy")
                    published.append(target)
                    host.move_item(target + ".partial", target, force=True)
                    published.append(target + ".sha256")
                    shutil.copyfile(host.local_path(local_win + ".sha256"), host.local_path(target + ".sha256"))
                    log.append(f"copy to {dest} succeeded on attempt {attempt}")
                    copies.append({"path": target, "sha256": digest, "attempts": attempt, "verified": True})
                    break
                except (WinError, OSError) as exc:
                    log.append(f"copy to {dest} failed on attempt {attempt} of {tries} : {exc}")
                    _remove_quietly(host, target + ".partial")
                    if attempt == tries:
                        raise StepError("storage", f"Copy to {dest} failed after {tries} attempts: {exc}") from exc
                    time.sleep(p["RetryDelaySeconds"])
        _assert_run_owns_lock(host, p)
    except (WinError, OSError, ValueError) as exc:
        partials = [d.rstrip("\\") + "\\" + name + ".partial" for d in destinations]
        for path in published + [local_win + ".partial"] + partials:
            _remove_quietly(host, path)
        raise ScriptFailure(str(exc), failure_class_of(exc, "storage"), {"attempts_log": log}, changed=True) from exc
    return {"changed": True, "result": {
        "archive_path": local_win, "archive_size": size, "archive_sha256": digest, "archive_entries": entry_count,
        "sidecar": local_win + ".sha256", "copies": copies, "attempts_log": log, "verified_entries": verified}}


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

"""Twin of alteryx_archive.ps1 (zip, verify against the manifest, publish all-or-nothing with retries)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import zipfile

from ..host import DiskFullError, WinError
from . import ScriptFailure
from ._common import files_under, sha256


def run(host, p, ctx):
    staging = host.local_path(p["StagingPath"])
    local_dir = p["LocalDir"].rstrip("\\")
    name = p["ArchiveName"]
    local = host.local_path(f"{local_dir}\\{name}")
    partial = local.with_name(local.name + ".partial")
    published, log = [], []

    def fail(failure_class, message):
        for path in published + [partial]:
            if path.exists():
                path.unlink()
        raise ScriptFailure(message, failure_class, {"attempts_log": log})

    try:
        total = sum(f.stat().st_size for f in files_under(staging))
        host.check_space(partial, total // 2)
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for f in files_under(staging):
                zf.write(f, "/".join(f.relative_to(staging).parts))
    except (DiskFullError, OSError, WinError) as exc:
        fail("storage", f"Cannot create {local_dir}\\{name} : {exc}")
    with zipfile.ZipFile(partial) as zf:
        entries = {i.filename: i for i in zf.infolist()}
        bad = None
        if "BackupManifest.json" not in entries:
            bad = "BackupManifest.json is missing"
            manifest = {"BackedUpFiles": []}
        else:
            manifest = json.loads(zf.read("BackupManifest.json"))
            for item in manifest["BackedUpFiles"]:
                if item["ArchivePath"] not in entries:
                    bad = f"{item['ArchivePath']} is missing"
                    break
                if hashlib.sha256(zf.read(item["ArchivePath"])).hexdigest() != item["SHA256"]:
                    bad = f"{item['ArchivePath']} does not match its manifest SHA256"
                    break
        entry_count = len(entries)
    if bad:
        fail("validation", f"Archive verification failed: {bad}.")
    size = partial.stat().st_size
    if size < int(p.get("MinBytes", 0)):
        fail("validation", f"Archive is {size} bytes, below the minimum of {p['MinBytes']} for this mode: the backup "
                           "is probably incomplete.")
    digest = sha256(partial)
    os.replace(partial, local)
    published.append(local)
    sidecar = local.with_name(local.name + ".sha256")
    sidecar.write_text(f"{digest}  {name}\n")
    published.append(sidecar)
    copies = []
    retries, delay = max(1, int(p.get("Retries", 3))), float(p.get("RetryDelaySeconds", 30))
    for dest in p.get("Destinations") or []:
        for attempt in range(1, retries + 1):
            target_partial = None
            try:
                folder = host.local_path(dest)
                _probe_share(host, dest)
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / name
                target_partial = folder / (name + ".partial")
                host.copy_file(local, target_partial)
                if sha256(target_partial) != digest:
                    raise WinError("hash mismatch after copy")
                os.replace(target_partial, target)
                published.append(target)
                shutil.copyfile(sidecar, folder / sidecar.name)
                published.append(folder / sidecar.name)
                log.append(f"copy to {dest} succeeded on attempt {attempt}")
                copies.append({"path": f"{dest.rstrip(chr(92))}\\{name}", "sha256": digest, "attempts": attempt,
                               "verified": True})
                break
            except (WinError, DiskFullError, OSError) as exc:
                log.append(f"copy to {dest} failed on attempt {attempt} of {retries} : {exc}")
                if target_partial is not None and target_partial.exists():
                    target_partial.unlink()
                if attempt == retries:
                    fail("storage", f"Copy to {dest} failed after {retries} attempts: {exc}")
                time.sleep(delay)
    return {"changed": True, "result": {
        "archive": {"path": f"{local_dir}\\{name}", "size": size, "sha256": digest, "entries": entry_count},
        "sidecar": f"{local_dir}\\{name}.sha256", "copies": copies, "attempts_log": log,
        "verified_entries": len(manifest["BackedUpFiles"])}}


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

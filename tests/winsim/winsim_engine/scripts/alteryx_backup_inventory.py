"""Twin of alteryx_backup_inventory.ps1 (list archives flat with what lies beside each, hash the newest of each mode
per folder when asked; read-only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._zip_manifest import has_manifest

# PowerShell's -cmatch: case-sensitive, as the controller parses the names.
ARCHIVE_PATTERN = re.compile(r"^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip$")


def _test_path(host, path, container):
    """``Test-Path -LiteralPath <p> -PathType Container|Leaf``: never throws; false for a missing share or drive."""
    try:
        local = host.local_path(path)
    except WinError:
        return False
    return local.is_dir() if container else local.is_file()


def _join(folder, name):
    return folder.rstrip("\\") + "\\" + name


def _list(host, folder):
    found = []
    for file in host.get_child_items(folder, files_only=True, force=True):
        if not ARCHIVE_PATTERN.match(file.name):
            continue
        side = _join(folder, file.name + ".sha256")
        has_sidecar = _test_path(host, side, container=False)
        sidecar = ""
        if has_sidecar:
            sidecar = re.split(r"[\r\n]", host.read_all_text(side))[0].strip()
        has_copy = _test_path(host, _join(folder, file.name + ".manifest.json"), container=False)
        stat = file.stat()
        found.append({"folder": folder, "name": file.name, "size": stat.st_size,
                      "last_write_utc": datetime.fromtimestamp(stat.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "has_sidecar": has_sidecar, "sidecar": sidecar, "has_manifest": has_manifest(file),
                      "has_manifest_copy": has_copy, "sha256": "", "hash_error": ""})
    return found


def _hash_newest(host, folder, found):
    newest = {}
    for item in found:
        if not item["has_sidecar"]:
            continue
        tag = item["name"].split("_")[1]
        if tag not in newest or item["name"] > newest[tag]["name"]:  # CompareOrdinal
            newest[tag] = item
    for item in newest.values():
        try:
            local = host.local_path(_join(folder, item["name"]))
            if not local.is_file():
                raise WinError(f"Cannot find path '{_join(folder, item['name'])}' because it does not exist.")
            item["sha256"] = sha256(local)
        except (WinError, OSError) as exc:
            item["hash_error"] = str(exc)


def run(host, p, ctx):
    folder_states, listing = [], []
    try:
        for folder in p["Folders"] or []:
            if not _test_path(host, folder, container=True):
                folder_states.append({"path": folder, "exists": False, "error": ""})
                continue
            try:
                found = _list(host, folder)
            except (WinError, OSError) as exc:
                folder_states.append({"path": folder, "exists": True, "error": str(exc)})
                continue
            if p["Verify"]:
                _hash_newest(host, folder, found)
            folder_states.append({"path": folder, "exists": True, "error": ""})
            listing.extend(found)
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Backup inventory failed: {exc}", "storage", changed=False) from exc
    return {"changed": False, "result": {"folders": folder_states, "listing": listing}}

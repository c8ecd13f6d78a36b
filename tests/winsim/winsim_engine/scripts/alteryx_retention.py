"""Twin of alteryx_retention.ps1 (list archives flat with their sidecar line and manifest entry, hash the given
ones, delete the ones the controller chose)."""

from __future__ import annotations

import re

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._run_log import add_run_log
from ._zip_manifest import has_manifest

# PowerShell's -cmatch: case-sensitive, as the controller parses the names.
PATTERN = re.compile(r"^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip(\.sha256|\.manifest\.json)?$")
ARCHIVE_PATTERN = re.compile(r"^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip$")


def _file_hash(host, path):
    """``Get-FileHash -LiteralPath <p> -Algorithm SHA256`` (lower-cased)."""
    local = host.local_path(path)
    if not local.is_file():
        raise WinError(f"Cannot find path '{path}' because it does not exist.")
    return sha256(local)


def run(host, p, ctx):
    add_run_log(host, p)
    changed = False
    deleted, hashes, listing = [], [], []
    try:
        for path in p["Delete"] or []:
            if not PATTERN.match(path.replace("/", "\\").rsplit("\\", 1)[-1]):
                continue
            if not ctx.check_mode and host.local_path(path).exists():
                changed = True
                host.local_path(path).unlink()
                deleted.append(path)
        for path in p["Hash"] or []:
            try:
                digest, why = _file_hash(host, path), ""
            except (WinError, OSError) as exc:
                digest, why = "", str(exc)
            hashes.append({"path": path, "sha256": digest, "error": why})
        for folder in p["Folders"] or []:
            if not host.local_path(folder).exists():
                continue
            for file in host.get_child_items(folder, files_only=True, force=True):
                if not ARCHIVE_PATTERN.match(file.name):
                    continue
                side = folder.rstrip("\\") + "\\" + file.name + ".sha256"
                has_sidecar = host.local_path(side).is_file()
                sidecar = ""
                if has_sidecar:
                    sidecar = re.split(r"[\r\n]", host.read_all_text(side))[0].strip()
                has_copy = host.local_path(folder.rstrip("\\") + "\\" + file.name + ".manifest.json").is_file()
                listing.append({"folder": folder, "name": file.name, "size": file.stat().st_size,
                                "has_sidecar": has_sidecar, "sidecar": sidecar, "has_manifest": has_manifest(file),
                                "has_manifest_copy": has_copy})
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Retention failed: {exc}", "storage", {"deleted": deleted}, changed=changed) from exc
    return {"changed": changed, "result": {"listing": listing, "hashes": hashes, "deleted": deleted}}

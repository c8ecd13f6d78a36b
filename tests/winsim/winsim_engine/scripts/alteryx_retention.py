"""Twin of alteryx_retention.ps1 (list backup files flat, delete the ones the controller chose)."""

from __future__ import annotations

import re

from ..host import WinError
from . import ScriptFailure

PATTERN = re.compile(r"^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip(\.sha256)?$", re.IGNORECASE)


def run(host, p, ctx):
    changed = False
    deleted, listing = [], []
    try:
        for path in p["Delete"] or []:
            if not PATTERN.match(path.replace("/", "\\").rsplit("\\", 1)[-1]):
                continue
            if not ctx.check_mode and host.local_path(path).exists():
                changed = True
                host.local_path(path).unlink()
                deleted.append(path)
        for folder in p["Folders"] or []:
            if not host.local_path(folder).exists():
                continue
            for file in host.get_child_items(folder, files_only=True, force=True):
                if PATTERN.match(file.name):
                    listing.append({"folder": folder, "name": file.name, "size": file.stat().st_size})
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Retention failed: {exc}", "storage", {"deleted": deleted}, changed=changed) from exc
    return {"changed": changed, "result": {"listing": listing, "deleted": deleted}}

"""Twin of alteryx_retention.ps1 (list backup files, delete the ones the controller chose)."""

from __future__ import annotations

import re

from ..host import WinError
from . import ScriptFailure

PATTERN = re.compile(r"^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip(\.sha256)?$")


def run(host, p, ctx):
    deleted = []
    try:
        for path in p.get("Delete") or []:
            if not PATTERN.match(path.rsplit("\\", 1)[-1]):
                continue
            local = host.local_path(path)
            if not ctx.check_mode and local.is_file():
                local.unlink()
                deleted.append(path)
        listing = []
        for folder in p.get("Folders") or []:
            local = host.local_path(folder)
            names = sorted(f.name for f in local.iterdir() if f.is_file() and PATTERN.match(f.name)) \
                if local.is_dir() else []
            listing.append({"folder": folder, "names": names})
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Retention failed: {exc}", "storage") from exc
    return {"changed": bool(deleted), "result": {"listing": listing, "deleted": deleted}}

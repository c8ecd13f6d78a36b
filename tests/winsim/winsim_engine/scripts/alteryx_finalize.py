"""Twin of alteryx_finalize.ps1 (log, cleanup, unpublish, release the lock)."""

from __future__ import annotations

import json
import shutil

from ..host import DiskFullError, WinError
from . import ScriptFailure


def run(host, p, ctx):
    removed = []
    released = False
    try:
        if p.get("LogPath"):
            log = host.local_path(p["LogPath"])
            data = str(p.get("LogText") or "").encode("utf-8")
            host.check_space(log, len(data))
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "ab") as fh:
                fh.write(data)
        for path in list(p.get("Unpublish") or []) + [p.get("StagingPath") or ""]:
            if not path:
                continue
            local = host.local_path(path)
            if local.exists():
                shutil.rmtree(local) if local.is_dir() else local.unlink()
                removed.append(path)
        lock = host.local_path(p["LockPath"])
        if lock.is_file() and json.loads(lock.read_text()).get("run_id") == p.get("RunId"):
            lock.unlink()
            released = True
    except (WinError, DiskFullError, OSError) as exc:
        raise ScriptFailure(f"Cleanup failed: {exc}", "storage", {"removed": removed}) from exc
    return {"changed": True, "result": {"log_path": p.get("LogPath", ""), "removed": removed,
                                        "lock_released": released}}

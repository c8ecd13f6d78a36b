"""Twin of alteryx_finalize.ps1 (log, cleanup, unpublish, release the lock)."""

from __future__ import annotations

import shutil
import time

from ..host import WinError
from . import ScriptFailure
from ._private_acl import new_restricted_log, restricted_acl_error
from ._run_lock import job_alive, json_field, read_json_file, run_owns_lock


def run(host, p, ctx):
    removed = []
    released = changed = False
    window_waited = 0
    try:
        if p["LogPath"]:
            changed = True
            if p["RestrictAcls"]:
                try:
                    new_restricted_log(host, p["LogPath"])
                except (WinError, OSError) as exc:
                    raise WinError(restricted_acl_error(host, p["LogPath"], exc)) from exc
            log = host.local_path(p["LogPath"])
            data = str(p["LogText"] or "").encode("utf-8")
            log.parent.mkdir(parents=True, exist_ok=True)
            host.check_space(log, len(data))
            with open(log, "ab") as fh:
                fh.write(data)
        lock = p["LockPath"]
        if lock and host.local_path(lock).is_file() and run_owns_lock(host, lock, p["RunId"]):
            changed = True
            host.local_path(lock).unlink()
            released = True
        window = p["WindowPath"]
        while window and p["RunId"] and json_field(read_json_file(host, window), "run_id") == p["RunId"]:
            if not job_alive(host, window):
                if host.local_path(window).exists():  # Remove-Item -ErrorAction SilentlyContinue
                    host.local_path(window).unlink()
                break
            time.sleep(1)
            window_waited += 1
        for path in list(p["Unpublish"] or []) + [p["StagingPath"]]:
            if path and host.local_path(path).exists():
                changed = True
                local = host.local_path(path)
                shutil.rmtree(local) if local.is_dir() else local.unlink()
                removed.append(path)
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Cleanup failed: {exc}", "storage", {"removed": removed}, changed=changed) from exc
    return {"changed": changed, "result": {"log_path": p["LogPath"], "removed": removed, "lock_released": released,
                                        "window_waited_seconds": window_waited}}

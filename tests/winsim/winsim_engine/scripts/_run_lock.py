"""Twin of _run_lock.ps1: does the run still own its lock?"""

from __future__ import annotations

import json

from ..host import Host


def run_owns_lock(host: Host, lock_path: str, run_id: str) -> bool:
    """``Test-RunOwnsLock $LockPath $RunId``: True without a lock path, else the lock file must name ``run_id``."""
    if not lock_path:
        return True
    owner = ""
    if host.local_path(lock_path).exists():
        owner = str(json.loads(host.get_content_raw(lock_path) or "").get("run_id") or "")
    return owner == run_id

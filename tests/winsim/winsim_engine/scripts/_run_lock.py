"""Twin of _run_lock.ps1: lock owner, heartbeat (the file time) and the dump job's liveness."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from typing import Any

from ..host import Host, WinError
from ._common import process_started


def read_json_file(host: Host, path: str) -> dict[str, Any] | None:
    """``Read-JsonFile``: None when the file is missing, empty, being written or not JSON."""
    try:
        text = host.read_all_text(path)
    except (WinError, OSError):
        return None
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def json_field(obj: dict[str, Any] | None, name: str) -> str:
    """``Get-JsonField``: the field as a string, '' when the object or the field is absent."""
    if obj is None or obj.get(name) is None:
        return ""
    value = obj[name]
    return ("True" if value else "False") if isinstance(value, bool) else str(value)


def run_owns_lock(host: Host, lock_path: str, run_id: str) -> bool:
    """``Test-RunOwnsLock $LockPath $RunId``."""
    if not lock_path:
        return True
    return json_field(read_json_file(host, lock_path), "run_id") == run_id


def update_heartbeat(host: Host, lock_path: str, run_id: str) -> None:
    """``Update-Heartbeat``: touch the lock this run owns; never raises."""
    try:
        if lock_path and run_owns_lock(host, lock_path, run_id):
            os.utime(host.local_path(lock_path))  # [IO.File]::SetLastWriteTimeUtc throws for a missing file
    except (WinError, OSError):  # the script's catch { }
        pass


def job_alive(host: Host, window_path: str) -> bool:
    """``Test-JobAlive $WindowPath``: the marker's job process runs (pid and start time) and has not expired."""
    window = read_json_file(host, window_path)
    expires = json_field(window, "expires_utc")
    if not expires or time.time() >= datetime.fromisoformat(expires).timestamp():
        return False
    job_pid = json_field(window, "pid")
    if not job_pid:
        return True
    started = process_started(int(job_pid))  # Get-Process -Id -ErrorAction SilentlyContinue
    if started is None:
        return False
    return abs(started - datetime.fromisoformat(json_field(window, "process_started_utc")).timestamp()) < 2

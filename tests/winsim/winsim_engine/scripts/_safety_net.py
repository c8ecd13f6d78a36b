"""Twin of _safety_net.ps1: register and read the one-shot task that starts a stopped node's service again."""

from __future__ import annotations

import time
from typing import Any

from .. import scheduler
from ..host import Host
from ._common import utc_iso

SC_EXE = "C:\\Windows\\System32\\sc.exe"  # "$env:SystemRoot\System32\sc.exe"


def register_safety_net(host: Host, task_name: str, service: str, seconds: int, expire_seconds: int,
                        delete_seconds: int) -> str:
    """``Register-SafetyNet``: the trigger time (UTC, ISO 8601); raises what Register-ScheduledTask raises."""
    at = float(int(time.time() + seconds))  # $at.AddTicks(-($at.Ticks % TicksPerSecond))
    scheduler.register_task(
        host, task_name, execute=SC_EXE, argument=f'start "{service}"', at=at, end=at + expire_seconds,
        user_id="NT AUTHORITY\\SYSTEM", logon_type="ServiceAccount", run_level="Highest",
        delete_expired_after=float(delete_seconds), execution_time_limit=300.0,
        description=f"Starts {service} if the alteryx.server run that stopped it does not come back.",
        path="\\", force=True)
    return utc_iso(at)


def get_safety_net(host: Host, task_name: str) -> dict[str, Any] | None:
    """``Get-SafetyNet``: None when absent, else ``at_utc``, ``last_run_utc``, ``last_result``."""
    task = scheduler.get_task(host, task_name, "\\", error_action="SilentlyContinue")
    if not task:
        return None
    info = scheduler.task_info(host, task_name, "\\")
    return {"at_utc": utc_iso(task["trigger"]["at"]), "last_run_utc": utc_iso(info["last_run_time"]),
            "last_result": int(info["last_task_result"])}

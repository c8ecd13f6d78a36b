"""Twin of _service_control.ps1: the one workflow wait/kill routine and the SCM-safe state change."""

from __future__ import annotations

import time
from typing import Any

from .. import alteryx
from ..host import Host, WinError
from ._common import utc_iso
from ._run_lock import update_heartbeat

# ServiceController.Status.ToString() of each winsim state.
STATUS_NAMES = {"running": "Running", "stopped": "Stopped", "start_pending": "StartPending",
                "stop_pending": "StopPending", "paused": "Paused"}
ENGINE = "AlteryxEngineCmd.exe"
WORKFLOW_POLL_SECONDS = 5
SERVICE_POLL_SECONDS = 0.5


class ServiceStateError(WinError):
    """TimeoutException or InvalidOperationException thrown by Set-ServiceTarget."""


def status(host: Host, name: str) -> str:
    """``(Get-Service $Name).Status.ToString()``."""
    current = alteryx.service_status(host, name)
    return STATUS_NAMES.get(current, current)


def workflows(host: Host) -> list[dict[str, Any]]:
    """``@(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue)``."""
    return alteryx.running_processes(host, ENGINE)


def wait_workflow(host: Host, max_wait: int, lock_path: str, run_id: str) -> int:
    """``Wait-Workflow``: seconds waited, in steps of five."""
    waited = 0
    while workflows(host) and waited < max_wait:
        time.sleep(WORKFLOW_POLL_SECONDS)
        waited += WORKFLOW_POLL_SECONDS
        update_heartbeat(host, lock_path, run_id)
    return waited


def stop_workflow(host: Host) -> int:
    """``Stop-Workflow``: kill what was listed; one that exited meanwhile is ignored (SilentlyContinue)."""
    running = workflows(host)
    for proc in running:
        alteryx.stop_process(host, proc["pid"], error_action="SilentlyContinue")
    return len(running)


def set_service_target(host: Host, name: str, target: str, timeout_seconds: int) -> dict[str, Any] | None:
    """``Set-ServiceTarget``: ``target`` is ``Running`` or ``Stopped``; returns the transition or None."""
    deadline = time.time() + timeout_seconds
    asked = False
    moved = False  # the service left its state after we asked
    while True:
        current = status(host, name)
        if current == target:
            return {"service": name, "state": target, "at_utc": utc_iso()} if asked else None
        if asked and target == "Running" and current == "Stopped":
            raise ServiceStateError(f"{name} started but fell back to Stopped: check its event log and the Alteryx "
                                    "service log.")
        # A stop never passes through StartPending, nor comes back to Running: someone started the service meanwhile.
        if asked and target == "Stopped" and (current == "StartPending" or (moved and current == "Running")):
            raise ServiceStateError(f"{name} was started again by someone else while it was being stopped (it is "
                                    f"{current}).")
        if asked and current != "Running":
            moved = True
        if not asked and target == "Running" and current == "Stopped":
            alteryx.start_service(host, name)
            asked = True
        elif not asked and target == "Stopped" and current in ("Running", "Paused"):
            # Stop() returns once the service acknowledged (StopPending): seen now, a later Running is a restart.
            alteryx.stop_service(host, name)
            asked = True
            moved = status(host, name) != "Running"
        if time.time() > deadline:
            raise ServiceStateError(f"{name} did not reach {target} within {timeout_seconds} s (it is {current}).")
        time.sleep(SERVICE_POLL_SECONDS)

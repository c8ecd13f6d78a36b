"""ansible.windows.win_service and win_service_info against the host's service table.

``win_service`` changes state the way its PowerShell does (``Set-ServiceState`` in
``win_service.ps1``): ``Start-Service``, ``Stop-Service``, ``Restart-Service`` and ``Resume-Service``
piped a service object, under the module's ``$ErrorActionPreference = 'Stop'``, so a cmdlet's
non-terminating error fails the task. The cmdlets are ported from PowerShell's ``Service.cs``
(``DoStartService`` / ``DoStopService`` / ``DoWaitForStatus``) on top of the SCM model in
``alteryx``: ``Start()`` refused with ERROR_SERVICE_ALREADY_RUNNING is ignored (the service is
already on its way), ``Stop()`` refused with ERROR_SERVICE_NOT_ACTIVE is ignored, any other refusal
fails with ``Service '<display> (<name>)' cannot be started|stopped due to the following error:
<InvalidOperationException text>``. Then the cmdlet waits in 2-second ``WaitForStatus`` rounds for as
long as the service stays pending -- forever on Windows; here at most ``CMDLET_WAIT_CAP`` seconds,
after which the task fails with a message that says so -- and fails with ``Failed to start service
'<display> (<name>)'.`` / ``Service '<display> (<name>)' stop failed.`` when the service leaves the
pending state for anything but the target (a service that crashed while starting).
"""

from __future__ import annotations

import time

from .. import alteryx
from ..host import Host, WinError
from . import Context, Result, fake

_STATE_NAMES = {"running": "started", "stopped": "stopped", "stop_pending": "stop_pending",
                "start_pending": "start_pending", "paused": "paused"}
CMDLET_ROUND = 2.0  # DoWaitForStatus: WaitForStatus(target, new TimeSpan(20000000)), i.e. 2 s per round
CMDLET_WAIT_CAP = 20.0  # winsim's bound on a wait that is endless on Windows


def _info(record: dict, status: str) -> dict:
    return {
        "checkpoint": 0, "controls_accepted": _controls(status), "dependencies": [], "dependency_of": [],
        "description": record.get("description", ""), "desktop_interact": False,
        "display_name": record.get("display_name", record["name"]), "error_control": "normal",
        "failure_actions": [], "failure_action_on_non_crash_failure": False, "failure_command": None,
        "failure_reboot_msg": None, "failure_reset_period_sec": 0, "launch_protection": "none",
        "load_order_group": "", "name": record["name"], "path": record.get("path", ""),
        "pre_shutdown_timeout_ms": 180000, "preferred_node": None,
        "process_id": alteryx.SERVICE_PIDS["AlteryxService.exe"] if status != "stopped" else 0,
        "required_privileges": [], "service_exit_code": 0, "service_flags": [], "service_type": "win32_own_process",
        "sid_info": "none", "start_mode": record.get("start_mode", "auto"), "state": _STATE_NAMES.get(status, status),
        "triggers": [], "username": record.get("username", "LocalSystem"), "wait_hint_ms": 0,
    }


def _controls(status: str) -> list[str]:
    # A pending service accepts no controls (hence ERROR_SERVICE_CANNOT_ACCEPT_CTRL); a stopped one none either.
    return ["stop", "shutdown"] if status in ("running", "paused") else []


@fake("ansible.windows.win_service_info")
def win_service_info(host: Host, params: dict, ctx: Context) -> Result:
    wanted = params.get("name")
    names = [k for k in host.state()["services"] if not wanted or k.lower() == wanted.lower()]
    infos = [_info(alteryx.service(host, n), alteryx.service_status(host, n)) for n in names]
    return {"exists": bool(infos), "services": infos, "changed": False}


@fake("ansible.windows.win_service")
def win_service(host: Host, params: dict, ctx: Context) -> Result:
    name = params["name"]
    try:
        record = alteryx.service(host, name)
    except WinError:
        if params.get("state") in (None, "absent"):
            return {"exists": False, "changed": False}
        raise
    key, display = record["name"], record.get("display_name") or record["name"]
    status = alteryx.service_status(host, key)
    wanted = params.get("state")
    changed = False
    if wanted == "started" and status != "running":
        changed = True
        if not ctx.check_mode:  # -WhatIf
            if status == "paused":
                _resume_service(host, key)
            else:
                _start_service_cmdlet(host, key, display)
    elif wanted == "stopped" and status != "stopped":
        changed = True
        if not ctx.check_mode:
            _stop_service_cmdlet(host, key, display)
    elif wanted == "restarted":
        changed = True
        if not ctx.check_mode and _stop_service_cmdlet(host, key, display) in ("stopped", "stop_pending"):
            _start_service_cmdlet(host, key, display)
    if params.get("start_mode") and params["start_mode"] != record.get("start_mode"):
        changed = True
        if not ctx.check_mode:
            with host.locked_state() as state:
                state["services"][key]["start_mode"] = params["start_mode"]
    record = alteryx.service(host, key)
    status = alteryx.service_status(host, key)
    return {
        "changed": changed, "exists": True, "name": key, "display_name": record.get("display_name"),
        "state": _STATE_NAMES.get(status, status), "start_mode": record.get("start_mode"),
        "path": record.get("path"), "can_pause_and_continue": False, "description": record.get("description"),
        "username": record.get("username"), "desktop_interact": False, "dependencies": [], "depended_by": [],
    }


def _start_service_cmdlet(host: Host, key: str, display: str) -> None:
    """``Start-Service`` (``DoStartService``)."""
    try:
        alteryx.start_service(host, key)
    except alteryx.ServiceOperationError as exc:
        if exc.native_error_code != alteryx.ERROR_SERVICE_ALREADY_RUNNING:
            raise WinError(f"Service '{display} ({key})' cannot be started due to the following error: {exc}") from exc
    _cmdlet_wait(host, key, "running", "start_pending", f"Failed to start service '{display} ({key})'.")


def _stop_service_cmdlet(host: Host, key: str, display: str) -> str:
    """``Stop-Service`` (``DoStopService``); returns the status it left the service in."""
    try:
        alteryx.stop_service(host, key)
    except alteryx.ServiceOperationError as exc:
        if exc.native_error_code != alteryx.ERROR_SERVICE_NOT_ACTIVE:
            raise WinError(f"Service '{display} ({key})' cannot be stopped due to the following error: {exc}") from exc
    _cmdlet_wait(host, key, "stopped", "stop_pending", f"Service '{display} ({key})' stop failed.")
    return alteryx.service_status(host, key)


def _resume_service(host: Host, key: str) -> None:
    """``Resume-Service`` of a paused service (Continue is immediate in this model)."""
    with host.locked_state() as state:
        state["services"][key]["state"] = "running"
    host.event("service_running", service=key, cause="resumed")


def _cmdlet_wait(host: Host, key: str, target: str, pending: str, failure: str) -> None:
    """``DoWaitForStatus``: 2-second WaitForStatus rounds while the service stays ``pending``."""
    started = time.monotonic()
    while True:
        try:
            alteryx.wait_for_status(host, key, target, CMDLET_ROUND)
            return
        except alteryx.ServiceTimeout:
            status = alteryx.service_status(host, key)
            if status not in (pending, target):
                raise WinError(failure) from None
            if time.monotonic() - started >= CMDLET_WAIT_CAP:
                raise WinError(f"winsim: the cmdlet is still waiting for service '{key}' ({status}) after "
                               f"{CMDLET_WAIT_CAP:g} s; on Windows it waits forever, so the task would hang "
                               "until its timeout") from None

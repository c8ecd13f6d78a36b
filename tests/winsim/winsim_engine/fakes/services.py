"""ansible.windows.win_service and win_service_info against the host's service table."""

from __future__ import annotations

from .. import alteryx
from ..host import Host, WinError
from . import Context, Result, fake

_STATE_NAMES = {"running": "started", "stopped": "stopped", "stop_pending": "stop_pending",
                "start_pending": "start_pending", "paused": "paused"}


def _info(record: dict) -> dict:
    return {
        "checkpoint": 0, "controls_accepted": ["stop", "shutdown"], "dependencies": [], "dependency_of": [],
        "description": record.get("description", ""), "desktop_interact": False,
        "display_name": record.get("display_name", record["name"]), "error_control": "normal",
        "failure_actions": [], "failure_action_on_non_crash_failure": False, "failure_command": None,
        "failure_reboot_msg": None, "failure_reset_period_sec": 0, "launch_protection": "none",
        "load_order_group": "", "name": record["name"], "path": record.get("path", ""),
        "pre_shutdown_timeout_ms": 180000, "preferred_node": None,
        "process_id": 1100 if record["state"] == "running" else 0, "required_privileges": [],
        "service_exit_code": 0, "service_flags": [], "service_type": "win32_own_process", "sid_info": "none",
        "start_mode": record.get("start_mode", "auto"), "state": _STATE_NAMES.get(record["state"], record["state"]),
        "triggers": [], "username": record.get("username", "LocalSystem"), "wait_hint_ms": 0,
    }


@fake("ansible.windows.win_service_info")
def win_service_info(host: Host, params: dict, ctx: Context) -> Result:
    services = host.state()["services"]
    wanted = params.get("name")
    records = [{"name": k, **v} for k, v in services.items() if not wanted or k.lower() == wanted.lower()]
    return {"exists": bool(records), "services": [_info(r) for r in records], "changed": False}


@fake("ansible.windows.win_service")
def win_service(host: Host, params: dict, ctx: Context) -> Result:
    name = params["name"]
    try:
        record = alteryx.service(host, name)
    except WinError:
        if params.get("state") in (None, "absent"):
            return {"exists": False, "changed": False}
        raise
    changed = False
    target = {"started": "running", "stopped": "stopped", "restarted": "running"}.get(params.get("state") or "")
    if params.get("state") == "restarted" and not ctx.check_mode:
        alteryx.set_service_state(host, name, "stopped")
        changed = True
    if target and record["state"] != target:
        changed = True
        if not ctx.check_mode:
            alteryx.set_service_state(host, name, target)
    if params.get("start_mode") and params["start_mode"] != record.get("start_mode"):
        changed = True
        if not ctx.check_mode:
            with host.locked_state() as state:
                state["services"][record["name"]]["start_mode"] = params["start_mode"]
    record = alteryx.service(host, name)
    return {
        "changed": changed, "exists": True, "name": record["name"], "display_name": record.get("display_name"),
        "state": _STATE_NAMES.get(record["state"], record["state"]), "start_mode": record.get("start_mode"),
        "path": record.get("path"), "can_pause_and_continue": False, "description": record.get("description"),
        "username": record.get("username"), "desktop_interact": False, "dependencies": [], "depended_by": [],
    }

"""Twin of alteryx_service_state.ps1 (start or stop AlteryxService, waiting for workflows first)."""

from __future__ import annotations

import time

from .. import alteryx
from ..host import WinError
from . import ScriptFailure
from ._common import utc_iso


def run(host, p, ctx):
    name = p.get("Name") or alteryx.SERVICE
    try:
        svc = alteryx.service(host, name)
    except WinError as exc:
        raise ScriptFailure(f"Service {name} is not installed.", "validation") from exc
    target = "stopped" if p.get("State") == "stopped" else "running"
    result = {"name": svc["name"], "initial_state": svc["state"], "state": svc["state"], "transitions": [],
              "workflows_waited_seconds": 0, "workflows_killed": 0,
              "running_workflows": len(alteryx.running_processes(host, alteryx.ENGINE_PROCESS))}
    if svc["state"] == target or ctx.check_mode:
        return {"changed": False, "result": result}
    if target == "stopped":
        max_wait = int(p.get("MaxWorkflowWait", 3600))
        while alteryx.running_processes(host, alteryx.ENGINE_PROCESS) and result["workflows_waited_seconds"] < max_wait:
            time.sleep(1)
            result["workflows_waited_seconds"] += 1
        running = alteryx.running_processes(host, alteryx.ENGINE_PROCESS)
        if running and not p.get("ForceStopWorkflows"):
            raise ScriptFailure(f"{len(running)} workflow(s) still running after {max_wait} s; {name} was not "
                                "stopped.", "service_timeout", result)
        if running:
            result["workflows_killed"] = alteryx.kill_processes(host, alteryx.ENGINE_PROCESS)
    try:
        alteryx.set_service_state(host, name, target, timeout=int(p.get("MaxServiceWait", 7200)))
    except WinError as exc:
        raise ScriptFailure(f"{name} did not reach {p.get('State')} within {p.get('MaxServiceWait')} s.",
                            "service_timeout", result) from exc
    result["state"] = target
    result["transitions"] = [{"service": name, "state": target, "at_utc": utc_iso()}]
    return {"changed": True, "result": result}

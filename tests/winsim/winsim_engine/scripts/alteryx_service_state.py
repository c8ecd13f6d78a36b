"""Twin of alteryx_service_state.ps1 (bring a service to started/stopped, waiting for workflows first)."""

from __future__ import annotations

from .. import alteryx
from ..host import WinError
from . import ScriptFailure
from ._run_log import add_run_log
from ._service_control import set_service_target, status, stop_workflow, wait_workflow, workflows


def run(host, p, ctx):
    add_run_log(host, p)
    name = p["Name"]
    try:
        record = alteryx.service(host, name)
    except WinError:  # Get-Service -ErrorAction SilentlyContinue
        raise ScriptFailure(f"Service {name} is not installed.", "validation", {"name": name, "exists": False},
                            changed=False) from None
    target = "Stopped" if p["State"] == "stopped" else "Running"
    transitions = []
    result = {"name": record["name"], "exists": True, "initial_state": status(host, name), "transitions": transitions,
              "workflows_waited_seconds": 0, "workflows_killed": 0, "running_workflows": len(workflows(host))}
    result["state"] = result["initial_state"]
    changed = False
    if result["initial_state"] == target or ctx.check_mode:  # -not $PSCmdlet.ShouldProcess under -WhatIf
        return {"changed": changed, "result": result}
    try:
        if target == "Stopped":
            result["workflows_waited_seconds"] = wait_workflow(host, p["MaxWorkflowWait"], "", "")
            running = len(workflows(host))
            if running and not p["ForceStopWorkflows"]:
                raise WinError(f"{running} workflow(s) still running after {p['MaxWorkflowWait']} s; {name} was not "
                               "stopped.")
            if running:
                changed = True
                result["workflows_killed"] = stop_workflow(host)
        changed = True
        t = set_service_target(host, name, target, p["MaxServiceWait"])
        if t:
            transitions.append(t)
    except (WinError, OSError) as exc:
        result["state"] = status(host, name)
        raise ScriptFailure(str(exc), "service_timeout", result, changed=changed) from exc
    result["state"] = target
    return {"changed": changed, "result": result}

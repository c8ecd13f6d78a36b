"""Twin of alteryx_service_state.ps1 (bring a service to started/stopped, waiting for workflows first; the safety
net task of a stopped node)."""

from __future__ import annotations

from .. import alteryx, scheduler
from ..host import WinError
from . import ScriptFailure
from ._run_log import add_run_log
from ._safety_net import get_safety_net, register_safety_net
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
    net_name = p["SafetyNetName"]
    transitions = []
    result = {"name": record["name"], "exists": True, "initial_state": status(host, name), "transitions": transitions,
              "workflows_waited_seconds": 0, "workflows_killed": 0, "running_workflows": len(workflows(host)),
              "safety_net_name": net_name, "safety_net_registered": False, "safety_net_at_utc": "",
              "safety_net_found": False, "safety_net_last_run_utc": "", "safety_net_last_result": 0,
              "safety_net_removed": False}
    result["state"] = result["initial_state"]
    changed = False
    warnings = []
    if result["initial_state"] != target:
        if ctx.check_mode:  # -not $PSCmdlet.ShouldProcess under -WhatIf
            return {"changed": changed, "result": result}
        try:
            if target == "Stopped":
                result["workflows_waited_seconds"] = wait_workflow(host, p["MaxWorkflowWait"], "", "")
                running = len(workflows(host))
                if running and not p["ForceStopWorkflows"]:
                    raise WinError(f"{running} workflow(s) still running after {p['MaxWorkflowWait']} s; {name} was "
                                   "not stopped.")
                if p["SafetyNetSeconds"] > 0:
                    try:
                        result["safety_net_at_utc"] = register_safety_net(
                            host, net_name, name, p["SafetyNetSeconds"], p["SafetyNetExpireSeconds"],
                            p["SafetyNetDeleteSeconds"])
                    except WinError as exc:
                        raise ScriptFailure(
                            f"Could not register the safety net task '{net_name}' ({exc}), so {name} was not stopped. "
                            "Check that the Task Scheduler service runs and that the connecting account is an "
                            "administrator, or set safety_net_seconds: 0 to stop without a net.", "general",
                            dict(result), changed=changed) from None
                    changed = True
                    result["safety_net_registered"] = True
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
    if target == "Running" and p["SafetyNetSeconds"] > 0 and not ctx.check_mode:
        try:
            net = get_safety_net(host, net_name)
            if net:
                result["safety_net_found"] = True
                result["safety_net_at_utc"] = net["at_utc"]
                result["safety_net_last_run_utc"] = net["last_run_utc"]
                result["safety_net_last_result"] = net["last_result"]
                scheduler.unregister_task(host, net_name, "\\", confirm=False)
                changed = True
                result["safety_net_removed"] = True
        except WinError as exc:
            warnings.append(f"Could not remove the safety net task '{net_name}': {exc}")
    return {"changed": changed, "result": result, "warnings": warnings}

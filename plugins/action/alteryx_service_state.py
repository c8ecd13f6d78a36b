# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_service_state: start or stop AlteryxService safely."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._safety_net import SafetyNetError, net_plan, net_report
from ansible_collections.alteryx.server.plugins.plugin_utils._service_states import normalize_state


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "name": {"type": "str", "default": "AlteryxService"},
        "state": {"type": "str", "required": True, "choices": ["started", "stopped"]},
        "max_workflow_wait": {"type": "int", "default": 3600},
        "force_stop_workflows": {"type": "bool", "default": False},
        "max_service_wait": {"type": "int", "default": 7200},
        "safety_net_seconds": {"type": "int", "default": 0},
        "safety_net_name": {"type": "str"},
    }

    def step(self, args, task_vars):
        try:
            net = net_plan(args["name"], args["safety_net_seconds"], args["safety_net_name"])
        except SafetyNetError as exc:
            raise AlteryxStepError(str(exc), "validation") from None
        try:
            result = run_script(self, "alteryx_service_state", {
                "Name": args["name"], "State": args["state"], "MaxWorkflowWait": args["max_workflow_wait"],
                "ForceStopWorkflows": args["force_stop_workflows"], "MaxServiceWait": args["max_service_wait"],
                "SafetyNetSeconds": net["SafetyNetSeconds"], "SafetyNetName": net["SafetyNetName"],
                "SafetyNetExpireSeconds": net["SafetyNetExpireSeconds"],
                "SafetyNetDeleteSeconds": net["SafetyNetDeleteSeconds"],
            }, task_vars, step=f"service {args['state']}")
        except AlteryxStepError as exc:
            if any(k.startswith("safety_net_") for k in exc.result):
                exc.result.update(net_report(exc.result, args["state"])["result"])
            raise
        changed = result.pop("_changed")
        warnings = result.pop("_warnings")
        report = net_report(result, args["state"])
        result.update(report["result"])
        result["initial_state"] = normalize_state(result["initial_state"])
        result["state"] = normalize_state(result["state"])
        result["transitions"] = [{**t, "state": normalize_state(t["state"])} for t in result["transitions"]]
        wanted = "running" if args["state"] == "started" else "stopped"
        would_change = result["initial_state"] != wanted
        verb = "would be" if self._task.check_mode and would_change else "is"
        message = f"{args['name']} {verb} {args['state']} (was {result['initial_state']})"
        log = [entry("INFO", message)] + [entry(level, text) for level, text in report["messages"]]
        log += [entry("WARNING", w) for w in warnings]
        out = {"changed": changed or (self._task.check_mode and would_change), **result, "log": log}
        if warnings:
            out["warnings"] = warnings
        return out

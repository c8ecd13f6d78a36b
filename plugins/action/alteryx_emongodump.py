# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_emongodump: the downtime window as one detached host job."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "exe_path": {"type": "str", "default": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"},
        "dump_path": {"type": "str", "required": True},
        "stop_service": {"type": "bool", "default": True},
        "service_name": {"type": "str", "default": "AlteryxService"},
        "max_workflow_wait": {"type": "int", "default": 3600},
        "force_stop_workflows": {"type": "bool", "default": False},
        "max_service_wait": {"type": "int", "default": 7200},
        "lock_path": {"type": "str", "default": ""},
        "timeout": {"type": "int", "default": 21600},
        "poll_interval": {"type": "float", "default": 5.0},
    }

    def step(self, args, task_vars):
        if self._task.check_mode:
            stop = f"stop {args['service_name']}, " if args["stop_service"] else ""
            message = f"Would {stop}run emongodump={args['dump_path']}" + (", then start it again" if stop else "")
            return {"changed": True, "dump_path": args["dump_path"], "databases": [], "files": [], "transitions": [],
                    "downtime_seconds": 0, "msg": message, "log": [entry("INFO", message)]}
        try:
            result = run_script(self, "alteryx_dump_window", {
                "ExePath": args["exe_path"], "DumpPath": args["dump_path"], "StopService": args["stop_service"],
                "ServiceName": args["service_name"], "MaxWorkflowWait": args["max_workflow_wait"],
                "ForceStopWorkflows": args["force_stop_workflows"], "MaxServiceWait": args["max_service_wait"],
                "LockPath": args["lock_path"],
            }, task_vars, async_timeout=args["timeout"], poll_interval=args["poll_interval"], step="dump window")
        except AlteryxStepError as exc:
            exc.result["log"] = [entry("ERROR", exc.msg)]
            raise
        warnings = result.pop("_warnings")
        documents = sum(c["documents"] for db in result["databases"] for c in db["collections"])
        log = [entry("WARNING", w) for w in warnings]
        log += [entry("INFO", f"{args['service_name']} {t['state']} at {t['at_utc']}") for t in result["transitions"]]
        log.append(entry("SUCCESS", f"emongodump wrote {len(result['databases'])} database(s), {documents} documents, "
                                    f"{len(result['files'])} files; service down {result['downtime_seconds']:.1f} s"))
        return {"changed": result.pop("_changed"), **result, "warnings": warnings, "log": log}

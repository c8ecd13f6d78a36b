# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_emongodump: the downtime window as one detached host job."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._dump import judge_dump
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._service_states import normalize_state


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
        "run_id": {"type": "str", "default": ""},
        "window_path": {"type": "str", "default": ""},
        "timeout": {"type": "int", "default": 21600},
        "poll_interval": {"type": "float", "default": 5.0},
        "heartbeat_seconds": {"type": "int", "default": 30},
    }

    def step(self, args, task_vars):
        if self._task.check_mode:
            stop = f"stop {args['service_name']}, " if args["stop_service"] else ""
            message = f"Would {stop}run emongodump={args['dump_path']}" + (", then start it again" if stop else "")
            return {"changed": True, "dump_path": args["dump_path"], "databases": [], "files": [], "transitions": [],
                    "downtime_seconds": 0, "msg": message, "log": [entry("INFO", message)]}
        try:
            raw = run_script(self, "alteryx_dump_window", {
                "ExePath": args["exe_path"], "DumpPath": args["dump_path"], "StopService": args["stop_service"],
                "ServiceName": args["service_name"], "MaxWorkflowWait": args["max_workflow_wait"],
                "ForceStopWorkflows": args["force_stop_workflows"], "MaxServiceWait": args["max_service_wait"],
                "LockPath": args["lock_path"], "RunId": args["run_id"], "WindowPath": args["window_path"],
                "JobTimeout": args["timeout"], "HeartbeatSeconds": args["heartbeat_seconds"],
            }, task_vars, async_timeout=args["timeout"], poll_interval=args["poll_interval"], step="dump window")
        except AlteryxStepError as exc:
            exc.result = _window(exc.result)
            exc.result["log"] = [entry("ERROR", exc.msg)]
            raise
        warnings = raw.pop("_warnings")
        changed = raw.pop("_changed")
        result = _window(raw)
        verdict = judge_dump(raw["exe_stdout"], raw["exe_stderr"], raw["dump_log"], result["files"])
        result["databases"] = verdict["databases"]
        if not verdict["ok"]:
            raise AlteryxStepError(
                f"emongodump failed: {verdict['reason']} (see {args['dump_path']}\\mongoDump.log; the service is "
                f"{result['final_state']}).", "mongodb", result)
        log = [entry("WARNING", w) for w in warnings]
        log += [entry("INFO", f"{t['service']} {t['state']} at {t['at_utc']}") for t in result["transitions"]]
        log.append(entry("SUCCESS", f"emongodump wrote {len(verdict['databases'])} database(s), {verdict['documents']} "
                                    f"documents, {len(result['files'])} files; service down "
                                    f"{result['downtime_seconds']:.1f} s"))
        return {"changed": changed, **result, "warnings": warnings, "log": log}


def _window(raw):
    """The step's public result from the host's flat facts: states normalized, host text kept out."""
    result = {k: v for k, v in raw.items() if k not in ("exe_stdout", "exe_stderr", "dump_log", "exe_exit_code")}
    for key in ("initial_state", "final_state"):
        if key in result:
            result[key] = normalize_state(result[key])
    result["transitions"] = [{**t, "state": normalize_state(t.get("state"))} for t in raw.get("transitions") or []]
    result.setdefault("files", [])
    result.setdefault("databases", [])
    return result

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_preflight: checks before anything stops, then the host lock."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._destination_errors import not_writable_message
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._lock import judge_lock, this_controller
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._settings import validate_paths_against_install


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "run_id": {"type": "str", "required": True},
        "local_dir": {"type": "str", "required": True},
        "temp_dir": {"type": "str", "default": ""},
        "destinations": {"type": "list", "elements": "str", "default": []},
        "lock_path": {"type": "str", "required": True},
        "staging_path": {"type": "str", "required": True},
        "window_path": {"type": "str", "default": ""},
        "mongo_data_path": {"type": "str", "default": ""},
        "required_paths": {"type": "list", "elements": "str", "default": []},
        "free_space_factor": {"type": "float", "default": 2.0},
        "stale_seconds": {"type": "int", "default": 900},
        "log_dir": {"type": "str", "default": ""},
        "install_dir": {"type": "str", "default": ""},
        "protected_paths": {"type": "list", "elements": "str", "default": []},
        "restrict_acls": {"type": "bool", "default": True},
    }

    def step(self, args, task_vars):
        try:
            validate_paths_against_install(local_path=args["local_dir"], log_path=args["log_dir"],
                                           install_dir=args["install_dir"], protected=args["protected_paths"],
                                           temp_path=args["temp_dir"])
        except AlteryxStepError as exc:
            # Nothing may be written there, not even the failure's log line.
            exc.result["refused_paths"] = True
            raise
        me = this_controller()
        result = self._preflight(args, task_vars, me)
        changed = result["_changed"]
        warnings = []
        held = not result["lock_taken"] and (result["holder_age_seconds"] >= 0 or result["job_alive"])
        if held:
            decision = judge_lock(result, me, args["stale_seconds"], args["lock_path"])
            if decision.action == "take_over" and self._task.check_mode:
                warnings.append(f"Would take over the lock: {decision.message}")
            elif decision.action == "take_over":
                result = self._preflight(args, task_vars, me, result["holder_run_id"], decision.after_seconds)
                changed = changed or result["_changed"]
                if not result["lock_taken"]:
                    again = judge_lock(result, me, args["stale_seconds"], args["lock_path"])
                    raise AlteryxStepError(again.message if again.action == "refuse" else (
                        f"Another run took {args['lock_path']} first: this run changed nothing."), "general")
            else:
                raise AlteryxStepError(decision.message, "general")
        log = [entry("INFO", f"Preflight passed: {result['free_bytes']} bytes free, {result['required_bytes']} "
                             f"needed; {len(args['destinations'])} network destination(s) writable")]
        if result["stale_run_id"]:
            message = (f"Took over the lock of an interrupted run {result['stale_run_id']} (started "
                       f"{result['stale_started_utc']} from {result['stale_controller']})")
            warnings.append(message)
            log.append(entry("WARNING", message))
        if result["cleaned"]:
            message = f"Removed leftovers of interrupted runs: {', '.join(result['cleaned'])}"
            warnings.append(message)
            log.append(entry("WARNING", message))
        return {"changed": changed or self._task.check_mode, "preflight": _public(result),
                "warnings": warnings, "log": log}

    def _preflight(self, args, task_vars, me, take_over="", after_seconds=0):
        try:
            return self._run_preflight(args, task_vars, me, take_over, after_seconds)
        except AlteryxStepError as exc:
            # The script quotes the raw error; what to do about it follows from that error (and its HResult).
            message = not_writable_message(exc.result.get("destinations"))
            if exc.failure_class == "storage" and message:
                exc.msg = message
            raise

    def _run_preflight(self, args, task_vars, me, take_over, after_seconds):
        return run_script(self, "alteryx_preflight", {
            "RunId": args["run_id"], "LockPath": args["lock_path"], "StagingPath": args["staging_path"],
            "LocalDir": args["local_dir"], "TempDir": args["temp_dir"], "Destinations": args["destinations"],
            "RequiredPaths": args["required_paths"], "MongoDataPath": args["mongo_data_path"],
            "FreeSpaceFactor": args["free_space_factor"], "WindowPath": args["window_path"],
            "ControllerHost": me.host, "ControllerPid": me.pid, "ControllerStarted": me.started,
            "TakeOver": take_over, "TakeOverAfterSeconds": after_seconds, "RestrictAcls": args["restrict_acls"],
        }, task_vars, step="preflight")


def _public(result):
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    # The probe's HResult only serves the failure message's advice; the documented destination keys stay as they were.
    public["destinations"] = [{k: v for k, v in d.items() if k != "hresult"} if isinstance(d, dict) else d
                              for d in public.get("destinations") or []]
    return public

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_preflight: checks before anything stops, then the host lock."""

from __future__ import annotations

import os
import socket

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "run_id": {"type": "str", "required": True},
        "local_dir": {"type": "str", "required": True},
        "destinations": {"type": "list", "elements": "str", "default": []},
        "lock_path": {"type": "str", "required": True},
        "staging_path": {"type": "str", "required": True},
        "mongo_data_path": {"type": "str", "default": ""},
        "required_paths": {"type": "list", "elements": "str", "default": []},
        "free_space_factor": {"type": "float", "default": 2.0},
        "stale_seconds": {"type": "int", "default": 900},
    }

    def step(self, args, task_vars):
        controller = f"{socket.gethostname()} (pid {os.getpid()})"
        result = run_script(self, "alteryx_preflight", {
            "RunId": args["run_id"], "LockPath": args["lock_path"], "StagingPath": args["staging_path"],
            "LocalDir": args["local_dir"], "Destinations": args["destinations"],
            "RequiredPaths": args["required_paths"], "MongoDataPath": args["mongo_data_path"],
            "FreeSpaceFactor": args["free_space_factor"], "StaleSeconds": args["stale_seconds"],
            "Controller": controller,
        }, task_vars, step="preflight")
        log = [entry("INFO", f"Preflight passed: {result['free_bytes']} bytes free, {result['required_bytes']} "
                             f"needed; {len(args['destinations'])} network destination(s) writable")]
        warnings = []
        if result["stale_run_id"]:
            message = (f"Found an interrupted run {result['stale_run_id']} (started {result['stale_started_utc']} "
                       f"from {result['stale_controller']}); "
                       f"cleaned up {', '.join(result.get('cleaned') or []) or 'its lock'}")
            warnings.append(message)
            log.append(entry("WARNING", message))
        return {"changed": result["_changed"] or self._task.check_mode, "preflight": _public(result),
                "warnings": warnings, "log": log}


def _public(result):
    return {k: v for k, v in result.items() if not k.startswith("_")}

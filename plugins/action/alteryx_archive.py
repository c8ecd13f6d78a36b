# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_archive: zip, verify, publish atomically, copy with retry."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "staging_path": {"type": "str", "required": True},
        "local_dir": {"type": "str", "required": True},
        "archive_name": {"type": "str", "required": True},
        "destinations": {"type": "list", "elements": "str", "default": []},
        "retries": {"type": "int", "default": 3},
        "retry_delay": {"type": "int", "default": 30},
        "min_bytes": {"type": "int", "default": 0},
        "lock_path": {"type": "str", "default": ""},
        "run_id": {"type": "str", "default": ""},
        "timeout": {"type": "int", "default": 21600},
        "poll_interval": {"type": "float", "default": 5.0},
    }

    def step(self, args, task_vars):
        local = args["local_dir"].rstrip("\\") + "\\" + args["archive_name"]
        if self._task.check_mode:
            targets = [local] + [d.rstrip("\\") + "\\" + args["archive_name"] for d in args["destinations"]]
            message = "Would create and publish " + ", ".join(targets)
            return {"changed": True, "archive": {"path": local}, "copies": [], "published": [], "msg": message,
                    "log": [entry("INFO", message)]}
        try:
            result = run_script(self, "alteryx_archive", {
                "StagingPath": args["staging_path"], "LocalDir": args["local_dir"],
                "ArchiveName": args["archive_name"], "Destinations": args["destinations"],
                "Retries": args["retries"], "RetryDelaySeconds": args["retry_delay"], "MinBytes": args["min_bytes"],
                "LockPath": args["lock_path"], "RunId": args["run_id"],
            }, task_vars, async_timeout=args["timeout"], poll_interval=args["poll_interval"], step="archive")
        except AlteryxStepError as exc:
            exc.result["log"] = [entry("WARNING", line) for line in exc.result.get("attempts_log") or []]
            exc.result["log"].append(entry("ERROR", exc.msg))
            raise
        archive = {"path": result["archive_path"], "size": result["archive_size"], "sha256": result["archive_sha256"],
                   "entries": result["archive_entries"]}
        published = [archive["path"], result["sidecar"]]
        for copy in result["copies"]:
            published += [copy["path"], copy["path"] + ".sha256"]
        warnings = result["_warnings"]
        log = [entry("WARNING", w) for w in warnings]
        log += [entry("WARNING" if "failed" in line else "INFO", line) for line in result["attempts_log"]]
        log.append(entry("SUCCESS", f"Archive {archive['path']} ({archive['size']} bytes, sha256 {archive['sha256']}) "
                                    f"verified against {result['verified_entries']} manifest entries and published to "
                                    f"{1 + len(result['copies'])} location(s)"))
        return {"changed": True, "archive": archive, "sidecar": result["sidecar"], "copies": result["copies"],
                "published": published, "attempts_log": result["attempts_log"], "warnings": warnings, "log": log}

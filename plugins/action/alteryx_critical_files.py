# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_critical_files: stage the node's critical files and secrets."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._critical_files import plan_items
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "facts": {"type": "dict", "required": True},
        "staging_path": {"type": "str", "required": True},
        "keys_required": {"type": "bool", "default": False},
        "export_secrets": {"type": "bool", "default": True},
    }

    def step(self, args, task_vars):
        plan = plan_items(args["facts"], keys_required=args["keys_required"])
        export = plan["export_secrets"] and args["export_secrets"]
        if self._task.check_mode:
            return {"changed": True, "plan": plan["items"], "files": [], "directories": [], "missing": [], "warnings": [],
                    "secrets_exported": {"server_secret": False, "mongo_passwords": False},
                    "log": [entry("INFO", f"Would stage {len(plan['items'])} item(s); export secrets: {export}")]}
        result = run_script(self, "alteryx_stage_files", {
            "StagingPath": args["staging_path"], "Items": plan["items"], "ExportSecrets": export,
            "ExePath": args["facts"].get("exe_path", ""),
        }, task_vars, step="critical files")
        warnings = [f"Optional item {m['source']} is missing on this node: not backed up" for m in result["missing"]]
        log = [entry("INFO", f"Staged {len(result['files'])} file(s) from {len(plan['items'])} planned item(s)")]
        log += [entry("INFO", f"Backed up {f.get('source_path') or 'exported value'} as {f['archive_path']} "
                              f"({f.get('size', 0)} bytes)") for f in result["files"]]
        log += [entry("INFO", note) for note in plan["notes"]]
        log += [entry("WARNING", w) for w in warnings]
        if export:
            log.append(entry("INFO", "Controller token and MongoDB passwords exported to Secrets/ (values not logged)"))
        exported = {"server_secret": result["server_secret_exported"], "mongo_passwords": result["mongo_passwords_exported"]}
        return {"changed": result["_changed"], "plan": plan["items"], "files": result["files"],
                "directories": result["directories"], "missing": result["missing"], "secrets_exported": exported,
                "warnings": warnings, "log": log}

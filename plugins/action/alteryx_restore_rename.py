# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_rename: after a restore onto another host, make the restored
RuntimeSettings.xml name the new host where it named the old one (Gallery/BaseAddress, Worker/ServerName, ...)."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._host_rename import (
    check_name,
    element_names,
    leftover_warnings,
    rename_edits,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._runtime_settings import OVERRIDE_PATH


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "source_host": {"type": "str", "required": True},
        "target_host": {"type": "str", "required": True},
        "path": {"type": "str", "default": OVERRIDE_PATH},
    }

    def step(self, args, task_vars):
        try:
            source = check_name(args["source_host"], "source_host")
            target = check_name(args["target_host"], "target_host")
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot rename the host: {exc}", "validation", {"changed": False}) from None
        read = run_script(self, "alteryx_restore_rename", {"Phase": "read", "Path": args["path"],
                                                           "Names": element_names(), "Find": source},
                          task_vars, step="settings read")
        edits = rename_edits(read["values"], source, target)
        warnings = leftover_warnings(read["mentions"], [e["name"] for e in edits], source)
        log = [entry("INFO", f"{e['name']}: {e['old']} -> {e['new']}") for e in edits]
        log += [entry("WARNING", w) for w in warnings]
        extra = {"warnings": warnings} if warnings else {}
        if not edits or self._task.check_mode:
            return {"changed": bool(edits), "edits": edits, "log": log or [entry(
                "INFO", f"RuntimeSettings.xml names {source} nowhere that is rewritten")], **extra}
        written = run_script(self, "alteryx_restore_rename", {"Phase": "write", "Path": args["path"], "Edits": edits},
                             task_vars, step="settings rename")
        return {"changed": True, "edits": edits, "path": written["path"], "sha256": written["sha256"], "log": log,
                **extra}

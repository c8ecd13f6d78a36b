# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_config: put the Config/ files of a checked archive back."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import config_plan, put_back_result
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "required": True},
        "manifest": {"type": "dict", "required": True},
        "run_id": {"type": "str", "required": True},
    }

    def step(self, args, task_vars):
        try:
            plan = config_plan(args["manifest"])
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot restore the configuration: {exc}", "validation", {"changed": False}) from None
        if self._task.check_mode:
            return {"changed": True, "files": [], "plan": plan,
                    "log": [entry("INFO", f"Would restore {len(plan)} file(s) from {args['archive']}")]}
        result = run_script(self, "alteryx_restore_config", {
            "Archive": args["archive"], "RunId": args["run_id"],
            "Files": [{"entry": item["entry"], "path": item["path"]} for item in plan],
        }, task_vars, step="configuration restore")
        return put_back_result(plan, result, args["run_id"], "files")

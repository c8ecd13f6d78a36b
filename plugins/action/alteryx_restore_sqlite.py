# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_sqlite: put the SQLite persistence of a checked archive back."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import put_back_result, sqlite_plan
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry

DEFAULT_SQLITE_PATH = "C:\\ProgramData\\Alteryx\\Service\\Persistence"


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "required": True},
        "manifest": {"type": "dict", "required": True},
        "run_id": {"type": "str", "required": True},
        "sqlite_path": {"type": "str", "default": DEFAULT_SQLITE_PATH},
    }

    def step(self, args, task_vars):
        try:
            plan = sqlite_plan(args["manifest"], args["sqlite_path"])
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot restore the SQLite persistence: {exc}", "validation",
                                   {"changed": False}) from None
        if self._task.check_mode:
            return {"changed": True, "files": [], "plan": plan,
                    "log": [entry("INFO", f"Would restore {len(plan)} SQLite file(s) into {args['sqlite_path']}")]}
        # The same host script as the configuration files: safety copies first, then each file written and hashed.
        # The running service holds its databases open without sharing: the role stops it before this step.
        result = run_script(self, "alteryx_restore_config", {
            "Archive": args["archive"], "RunId": args["run_id"],
            "Files": [{"entry": item["entry"], "path": item["path"]} for item in plan],
        }, task_vars, step="SQLite restore")
        return put_back_result(plan, result, args["run_id"], "SQLite files")

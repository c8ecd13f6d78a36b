# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_retention: delete old backups of our naming, per mode."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import plan_retention
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "folders": {"type": "list", "elements": "str", "required": True},
        "retention_days": {"type": "dict", "default": {}},
        "min_keep": {"type": "int", "default": 1},
        "modes": {"type": "list", "elements": "str"},
        "now": {"type": "str"},
    }

    def step(self, args, task_vars):
        try:
            now = datetime.fromisoformat(args["now"]) if args["now"] else datetime.now()
        except ValueError as exc:
            raise AlteryxStepError(f"now must be an ISO date and time: {exc}", "validation") from exc
        listed = run_script(self, "alteryx_retention", {"Folders": args["folders"], "Delete": []}, task_vars,
                            step="retention listing")
        delete, reasons, kept = [], {}, []
        for folder in args["folders"]:
            names = [f["name"] for f in listed["listing"] if f["folder"] == folder]
            try:
                plan = plan_retention(names, now, args["retention_days"] or None, args["min_keep"], args["modes"])
            except ValueError as exc:
                raise AlteryxStepError(f"invalid retention settings: {exc}", "validation") from exc
            base = folder.rstrip("\\") + "\\"
            delete += [base + name for name in plan["delete"]]
            kept += [base + name for name in plan["keep"]]
            reasons.update({base + name: why for name, why in plan["reasons"].items()})
        log = [entry("INFO", f"Retention keeps {len(kept)} archive(s)")]
        if self._task.check_mode or not delete:
            log += [entry("INFO", f"Would delete {p}: {reasons.get(p, 'sidecar of a deleted archive')}") for p in delete]
            return {"changed": bool(delete), "deleted": [], "would_delete": delete, "kept": kept, "log": log}
        removed = run_script(self, "alteryx_retention", {"Folders": [], "Delete": delete}, task_vars,
                             step="retention")
        log += [entry("INFO", f"Deleted {p}: {reasons.get(p, 'sidecar of a deleted archive')}") for p in removed["deleted"]]
        return {"changed": True, "deleted": removed["deleted"], "would_delete": [], "kept": kept, "log": log}

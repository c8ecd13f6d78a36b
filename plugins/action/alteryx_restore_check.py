# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_check: read an archive on the node and refuse a damaged one."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import SCOPES, choose_scope, judge_archive
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "default": ""},
        "backup_path": {"type": "str", "default": "D:\\Alteryx\\Backups"},
        "scope": {"type": "str", "default": "", "choices": ["", *SCOPES]},
    }

    def step(self, args, task_vars):
        # Read-only on the node, so it runs in check mode too (the script declares SupportsShouldProcess).
        raw = run_script(self, "alteryx_restore_check", {"Archive": args["archive"], "BackupPath": args["backup_path"]},
                         task_vars, step="archive check")
        verdict = judge_archive(raw)
        facts = {"archive": verdict["archive"], "archive_sha256": raw["archive_sha256"], "mode": verdict["mode"],
                 "entries": len(raw["entries"]), "problems": verdict["problems"]}
        if not verdict["ok"]:
            raise AlteryxStepError(f"Archive {verdict['archive']} is damaged, nothing was restored: "
                                   + "; ".join(verdict["problems"][:5]), "validation", {**facts, "changed": False})
        try:
            scope = choose_scope(args["scope"], verdict["mode"])
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot restore {verdict['archive']}: {exc}", "invalid_mode",
                                   {**facts, "changed": False}) from None
        log = [entry("INFO", f"Archive {verdict['archive']} ({verdict['mode']}) is intact: sidecar and "
                             f"{len(raw['entries'])} entries match; restoring {scope}")]
        return {**facts, "changed": False, "scope": scope, "manifest": verdict["manifest"], "log": log}

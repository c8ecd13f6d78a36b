# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_database: emongorestore into a new folder, switched only when sound."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import database_plan, judge_restore
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "required": True},
        "manifest": {"type": "dict", "required": True},
        "run_id": {"type": "str", "required": True},
        "data_path": {"type": "str", "default": ""},
        "exe_path": {"type": "str", "default": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"},
        "service_name": {"type": "str", "default": "AlteryxService"},
        "max_service_wait": {"type": "int", "default": 7200},
        "job_timeout": {"type": "int", "default": 21600},
    }

    def step(self, args, task_vars):
        try:
            plan = database_plan(args["manifest"], args["data_path"], args["run_id"])
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot restore the database: {exc}", "validation", {"changed": False}) from None
        if self._task.check_mode:
            return {"changed": True, "plan": plan, "log": [entry(
                "INFO", f"Would restore {plan['expected_documents']} document(s) into {plan['restore_path']} and "
                        f"switch it with {plan['data_path']}")]}
        base = (plan, args, task_vars)
        try:
            restored = self._phase("restore", *base, async_timeout=args["job_timeout"])
        except AlteryxStepError as exc:
            warnings = self._discard(*base)
            raise AlteryxStepError(f"{exc.msg} The live data in {plan['data_path']} was not touched; fix the cause "
                                   "and run the restore again.", exc.failure_class,
                                   {**exc.result, "changed": True, "plan": plan, "warnings": warnings}) from None
        verdict = judge_restore(restored, plan["expected_documents"])
        facts = {"plan": plan, "restored_documents": verdict["restored"], "failed_documents": verdict["failed"],
                 "problems": verdict["problems"], "restore_log": restored.get("restore_log")}
        if not verdict["ok"]:
            warnings = self._discard(*base)
            raise AlteryxStepError(
                f"The database restore is not sound, the live data in {plan['data_path']} was kept and the service "
                f"started again: {'; '.join(verdict['problems'][:5])}. Check mongoRestore.log (restore_log), free "
                "memory and disk on the node, or choose another archive, then run the restore again.",
                "mongodb", {**facts, "changed": True, "warnings": warnings})
        try:
            switched = self._phase("switch", *base)
        except AlteryxStepError as exc:
            raise AlteryxStepError(f"{exc.msg} The live data in {plan['data_path']} stays as it was; the restored "
                                   f"data is in {plan['restore_path']}.", exc.failure_class,
                                   {**(exc.result), **facts, "changed": True}) from None
        log = [entry("INFO", f"Restored {verdict['restored']} document(s) into {plan['data_path']}; the previous data "
                             f"is kept in {plan['old_path']}")]
        return {**facts, "changed": True, "final_state": switched["final_state"], "log": log}

    def _phase(self, phase, plan, args, task_vars, async_timeout=0):
        """One window of the host script (see its contract); returns its result."""
        return run_script(self, "alteryx_restore_database", {
            "Phase": phase, "Archive": args["archive"], "StagingPath": plan["staging_path"],
            "DataPath": plan["data_path"], "RestorePath": plan["restore_path"], "OldPath": plan["old_path"],
            "ExePath": args["exe_path"], "ServiceName": args["service_name"],
            "MaxServiceWait": args["max_service_wait"],
        }, task_vars, async_timeout=async_timeout, step=f"database {phase}")

    def _discard(self, plan, args, task_vars):
        """Remove the _RESTORE_ folder; returns warnings. Best effort: a leftover one is harmless (a new run uses a
        new run id), so the restore's own failure is what the task reports."""
        try:
            self._phase("discard", plan, args, task_vars)
        except AlteryxStepError as exc:
            return [f"Could not remove {plan['restore_path']}: {exc.msg}"]
        return []

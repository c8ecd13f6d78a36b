# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_emongodump: the downtime window as one detached host job.

``DumpWindowAction`` is the base of every persistence dump step (alteryx_emongodump, alteryx_mongodump,
alteryx_sqlite_backup): one host call of alteryx_dump_window.ps1 and one result-shaping path
(plugin_utils/_dump_window.py). A step names its ``METHOD`` and ``LABEL`` and supplies its parameters
(``method_parameters``) and its check-mode sentence (``describe``); the verdict is ``_dump_window.judge_window``.

With ``wait: false`` the step only starts the host job and returns its handle (``job``); alteryx_dump_wait awaits
it in a later task and shapes the same result through ``shape`` / ``window_failed`` here.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_job import check_mode_job, dump_job
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import (
    LABELS,
    METHOD_DEFAULTS,
    WINDOW_SPEC,
    check_mode_result,
    dump_log_path,
    failed_window,
    finish,
    judge_window,
    kept_log_path,
    wants_kept_log,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._quiet import quiet


class DumpWindowAction(AlteryxAction):
    """[wait -> stop] -> dump -> start, on the host as one detached job; the step's result from its facts."""

    METHOD = ""
    LABEL = ""
    ARGUMENT_SPEC: dict[str, Any] = WINDOW_SPEC

    def method_parameters(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """The script parameters of this method (keys of METHOD_DEFAULTS); may raise AlteryxStepError."""
        raise NotImplementedError

    def describe(self, args: dict[str, Any], parameters: dict[str, Any]) -> str:
        """What the dump does, for check mode (``run emongodump=D:\\x``)."""
        raise NotImplementedError

    def judge(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The verdict on the dump (``_dump.judge_dump`` / ``judge_copy`` keys)."""
        return judge_window(self.METHOD, raw)

    def scrub(self, text: str) -> str:
        """Text with this step's secrets removed (nothing by default)."""
        return text

    def written(self, dump_path: str, task_vars: dict[str, Any]) -> dict[str, Any]:
        """What the running dump has written so far (the progress line's bytes): alteryx_progress on the dump folder."""
        return run_script(self, "alteryx_progress", {"Paths": [dump_path]}, task_vars, step="progress",
                          carry_run_log=False)

    def step(self, args, task_vars):
        extra = {**METHOD_DEFAULTS, **self.method_parameters(args, task_vars)}
        host = str(task_vars.get("inventory_hostname", ""))
        if self._task.check_mode:
            result = check_mode_result(args["dump_path"], args["service_name"], args["stop_service"],
                                       self.describe(args, extra))
            if args["wait"]:
                return result
            return {"changed": True, "msg": result["msg"], "job": check_mode_job(
                method=self.METHOD, dump_path=args["dump_path"], host=host, message=result["msg"])}
        try:
            # The password is a sensitive parameter ([SecureString] in the script, no_log in the module's own
            # invocation, so it never rests in the job's results file); its presence makes the call no_log.
            raw = run_script(self, "alteryx_dump_window", {
                "Method": self.METHOD, "ExePath": extra["ExePath"], "DumpPath": args["dump_path"],
                "StopService": args["stop_service"], "ServiceName": args["service_name"],
                "MaxWorkflowWait": args["max_workflow_wait"], "ForceStopWorkflows": args["force_stop_workflows"],
                "MaxServiceWait": args["max_service_wait"], "LockPath": args["lock_path"], "RunId": args["run_id"],
                "WindowPath": args["window_path"], "JobTimeout": args["timeout"],
                "HeartbeatSeconds": args["heartbeat_seconds"], "MongodumpPath": extra["MongodumpPath"],
                "Uri": extra["Uri"], "Username": extra["Username"], "AuthDatabase": extra["AuthDatabase"],
                "Databases": extra["Databases"], "Gzip": extra["Gzip"], "Oplog": extra["Oplog"],
                "SourcePath": extra["SourcePath"],
            }, task_vars, async_timeout=args["timeout"], poll_interval=args["poll_interval"], step="dump window",
                sensitive={"Password": extra["Password"]}, progress=lambda: self.written(args["dump_path"], task_vars),
                wait=args["wait"])
        except AlteryxStepError as exc:
            raise self.window_failed(exc, args["dump_path"], task_vars) from None
        if not args["wait"]:
            job = dump_job(raw, method=self.METHOD, dump_path=args["dump_path"], host=host)
            return {"changed": True, "job": job,
                    "msg": f"{self.LABEL} window started on the host as job {job['ansible_job_id']}; "
                           "alteryx.server.alteryx_dump_wait waits for it"}
        return self.shape(raw, args["dump_path"], task_vars)

    def window_failed(self, exc: AlteryxStepError, dump_path: str, task_vars: dict[str, Any]) -> AlteryxStepError:
        """The step's failure for a host job that failed (or could not be started or followed), shaped like a
        success's result; a job that failed in the dump itself may have left the tool's log: it is kept too."""
        kept = self.keep_dump_log(dump_path, task_vars) if exc.failure_class == "mongodb" else None
        exc.msg = self.scrub(exc.msg)
        return failed_window(exc, label=self.LABEL, dump_path=dump_path, kept=kept)

    def shape(self, raw: dict[str, Any], dump_path: str, task_vars: dict[str, Any]) -> dict[str, Any]:
        """The step's result from the finished job's facts (``_dump_window.finish``); raises AlteryxStepError
        (mongodb) when the dump is judged bad, after keeping its log."""
        warnings = [self.scrub(w) for w in raw.pop("_warnings")]
        changed = raw.pop("_changed")
        verdict = self.judge(raw)
        # The verdict is the controller's: only now is it known that the dump's log is evidence worth keeping.
        kept = (self.keep_dump_log(dump_path, task_vars)
                if not verdict["ok"] and raw.get("dump_log") is not None else None)
        try:
            return quiet(finish(raw, verdict, label=self.LABEL, dump_path=dump_path, warnings=warnings,
                                changed=changed, kept=kept), task_vars.get("inventory_hostname", ""))
        except AlteryxStepError as exc:
            exc.msg = self.scrub(exc.msg)
            raise

    def keep_dump_log(self, dump_path: str, task_vars: dict[str, Any]) -> dict[str, Any] | None:
        """Copy a failed dump's log beside the host log, before the role's failure cleanup removes the staging
        folder; None when there is nothing to keep it beside (outside the role) or the dump writes no log.

        Returned keys: alteryx_keep_file's (``path``, ``kept``, ``size``), or ``error`` when the copy failed (the
        step's own failure stays the one reported)."""
        run_log_path = (self.run_log or {}).get("path", "")
        if not wants_kept_log(self.LABEL, run_log_path):
            return None
        try:
            return run_script(self, "alteryx_keep_file", {
                "Source": dump_log_path(dump_path), "Destination": kept_log_path(run_log_path),
            }, task_vars, step="dump log copy", carry_run_log=False)
        except AlteryxStepError as exc:
            return {"error": self.scrub(exc.msg)}


class ActionModule(DumpWindowAction):
    METHOD = "emongodump"
    LABEL = LABELS[METHOD]
    ARGUMENT_SPEC = {
        **WINDOW_SPEC,
        "exe_path": {"type": "str", "default": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"},
        "stop_service": {"type": "bool", "default": True},
    }

    def method_parameters(self, args, task_vars):
        return {"ExePath": args["exe_path"]}

    def describe(self, args, parameters):
        return f"run emongodump={args['dump_path']}"

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_finalize: host log, cleanup, unpublish on failure, release the lock."""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import (
    collect,
    entry,
    render,
    spool_read,
    spool_remove,
    visible,
    without_repeats,
)


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False  # it writes the rest of the log itself (LogPath, LogText)
    ARGUMENT_SPEC = {
        "run_id": {"type": "str", "required": True},
        "lock_path": {"type": "str", "required": True},
        "staging_path": {"type": "str", "default": ""},
        "log_path": {"type": "str", "default": ""},
        "steps": {"type": "list", "elements": "raw", "default": []},
        "outcome": {"type": "str", "default": "success", "choices": ["success", "failure"]},
        "message": {"type": "str", "default": ""},
        "unpublish": {"type": "list", "elements": "str", "default": []},
        "window_path": {"type": "str", "default": ""},
        "restrict_acls": {"type": "bool", "default": True},
    }

    def step(self, args, task_vars):
        spooling = bool(self.run_log) and self.run_log.get("run_id") == args["run_id"]
        if spooling:
            # Inside the role every step spooled its entries and the host calls wrote all but the last ones.
            spooled, sent = spool_read(args["run_id"])
            entries, known = spooled[sent:], {e["message"] for e in spooled}
        else:
            entries, known = collect(args["steps"]), set()
        for result in args["steps"]:
            if (isinstance(result, dict) and result.get("failed") and not result.get("log")
                    and str(result.get("msg")) not in known):
                entries.append(entry("ERROR", str(result.get("msg", "a step failed"))))
        # The failed step is both registered and ansible_failed_result; DEBUG lines are written at -vvv.
        entries = visible(without_repeats(entries), Display().verbosity)
        for path in args["unpublish"]:
            entries.append(entry("WARNING", f"Removing {path}: it belongs to this failed run"))
        if self._task.check_mode:
            # Nothing ran and nothing is written: the text says what the run would do, never that it succeeded.
            return {"changed": True, "log_path": args["log_path"], "removed": [],
                    "log_text": render(check_mode_entries(entries, args["message"], args["run_id"], args["outcome"]))}
        final_level = "SUCCESS" if args["outcome"] == "success" else "ERROR"
        entries.append(entry(final_level, args["message"] or f"Run {args['run_id']} ended: {args['outcome']}"))
        text = render(entries)
        result = run_script(self, "alteryx_finalize", {
            "RunId": args["run_id"], "LockPath": args["lock_path"], "StagingPath": args["staging_path"],
            "LogPath": args["log_path"], "LogText": text,
            "Unpublish": args["unpublish"], "WindowPath": args["window_path"], "RestrictAcls": args["restrict_acls"],
        }, task_vars, step="finalize")
        if spooling:
            spool_remove(args["run_id"])
        return {"changed": True, "log_path": result["log_path"], "removed": result["removed"],
                "lock_released": result["lock_released"],
                "window_waited_seconds": result["window_waited_seconds"], "log_text": text}


def check_mode_entries(entries: list[dict[str, str]], message: str, run_id: str, outcome: str) -> list[dict[str, str]]:
    """The log entries of a check-mode run: every SUCCESS line becomes INFO (no step ran, so none succeeded), and
    the last line reads ``[INFO] Check mode: <message>`` - the role passes what the run would do - or, when a
    check failed, ``[ERROR] Check mode: <message>``."""
    lines = [{**e, "level": "INFO"} if e["level"] == "SUCCESS" else e for e in entries]
    level = "INFO" if outcome == "success" else "ERROR"
    lines.append(entry(level, f"Check mode: {message or f'run {run_id} would end: {outcome}'}"))
    return lines

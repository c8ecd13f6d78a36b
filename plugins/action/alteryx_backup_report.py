# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_backup_report: judge every host's inventory, write report.md/.html/.json on the
controller and fail when a server has no fresh good backup. No host call; meant for ``run_once``."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._report import (
    build_report,
    failure_message,
    render_html,
    render_json,
    render_markdown,
)

RENDERERS = {"report.md": render_markdown, "report.html": render_html, "report.json": render_json}


def _write_atomically(path: str, text: str) -> None:
    # A scheduler or web server reading the report never sees a half-written file.
    fd, tmp = tempfile.mkstemp(prefix=".report-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ActionModule(AlteryxAction):
    _requires_connection = False
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "dest": {"type": "path", "required": True},
        "max_age_hours": {"type": "dict", "default": {"Full": 26}},
        "fail_on_problem": {"type": "bool", "default": True},
        "inventory_var": {"type": "str", "default": "_alteryx_report_inventory"},
    }

    def step(self, args, task_vars):
        hostvars = task_vars["hostvars"]
        names = list(task_vars.get("ansible_play_hosts_all") or [])
        inventories = {}
        for name in names:
            registered = hostvars[name].get(args["inventory_var"])
            inventories[name] = registered if isinstance(registered, dict) else None
        try:
            report = build_report(inventories, datetime.now(UTC), args["max_age_hours"])
        except ValueError as exc:
            raise AlteryxStepError(f"invalid max_age_hours: {exc}", "validation") from exc
        folder = os.path.abspath(args["dest"])
        written = []
        if not self._task.check_mode:
            try:
                os.makedirs(folder, exist_ok=True)
                for name, render in RENDERERS.items():
                    _write_atomically(os.path.join(folder, name), render(report))
                    written.append(os.path.join(folder, name))
            except OSError as exc:
                raise AlteryxStepError(f"the report could not be written to {folder}: {exc.strerror or exc}. Give "
                                       "alteryx_report_dir a folder the controller can write.", "storage",
                                       {"report": report, "written": written}) from None
        result = {"changed": bool(written), "report": report, "written": written, "summary": report["summary"],
                  "problem_hosts": report["problem_hosts"]}
        if args["fail_on_problem"] and not report["ok"]:
            raise AlteryxStepError(failure_message(report, written), "validation", result)
        return result

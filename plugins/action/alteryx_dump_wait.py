# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_dump_wait: wait for a dump window started with ``wait: false``.

The dump step (alteryx_emongodump, alteryx_mongodump or alteryx_sqlite_backup) started the host job in an earlier
task and returned its handle; this task polls the job and returns exactly what that step would have returned had
it waited: the same result, warnings, log, progress lines and failures (through DumpWindowAction's shaping).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.alteryx.server.plugins.action.alteryx_emongodump import DumpWindowAction
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_job import read_job
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import LABELS, would_result
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import await_script
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_connection import scrub


class ActionModule(DumpWindowAction):
    ARGUMENT_SPEC = {
        "job": {"type": "dict", "required": True},
        # The self-managed MongoDB's password, only to keep it out of messages (mongodump's own output).
        "password": {"type": "str", "default": "", "no_log": True},
    }

    def step(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        job = read_job(args["job"], str(task_vars.get("inventory_hostname", "")))
        # The step that started the job: its verdict and its messages.
        self.METHOD = job["method"]
        self.LABEL = LABELS[self.METHOD]
        self._secret = args["password"]
        if job["check_mode"]:
            return would_result(job["dump_path"], job["msg"])
        if self._task.check_mode:
            return would_result(job["dump_path"], f"Would wait for host job {job['ansible_job_id']} and judge its "
                                                  f"{self.LABEL}")
        try:
            raw = await_script(self, job, task_vars, progress=lambda: self.written(job["dump_path"], task_vars))
        except AlteryxStepError as exc:
            raise self.window_failed(exc, job["dump_path"], task_vars) from None
        return self.shape(raw, job["dump_path"], task_vars)

    def scrub(self, text: str) -> str:
        # As the step that started the job: only mongodump handles a password (and URIs that may quote one).
        return scrub(text, [self._secret]) if self.METHOD == "mongodump" else text

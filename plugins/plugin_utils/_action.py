# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base of the collection's action plugins: check mode, argument validation, failure classes."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError, exit_code_for
from ansible_collections.alteryx.server.plugins.plugin_utils._quiet import quiet
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry, spool_add


class AlteryxAction(ActionBase):
    """Thin ``run()``: validate ``ARGUMENT_SPEC``, call ``step()``, turn AlteryxStepError into a failed task.

    A failed task carries ``failure_class`` and ``exit_code`` plus the partial result the
    step had gathered, so the role's rescue knows what to undo.
    """

    TRANSFERS_FILES = False
    ARGUMENT_SPEC: dict[str, Any] = {}
    # Whether this step's host call carries the run log's pending lines (see _runlog's spool). Not the facts
    # call: it comes before the log folder is checked against the installation's folders.
    WRITES_RUN_LOG = True
    RUN_LOG_VAR = "alteryx_backup_run_log"
    run_log: dict[str, str] | None = None  # set by run(): {run_id, path} inside the backup role

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        del tmp
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        # Inside the backup role the run's log is written as the run goes (never in check mode).
        run_log = (task_vars or {}).get(self.RUN_LOG_VAR) if not self._task.check_mode else None
        run_log = self._templar.template(run_log) if run_log is not None else None
        self.run_log = run_log if isinstance(run_log, dict) and run_log.get("run_id") else None
        began = time.monotonic()
        try:
            result.update(self.step(args, task_vars or {}))
            if isinstance(result.get("log"), list):
                result["log"].append(entry("DEBUG", f"{self._task.action.rsplit('.', 1)[-1]} took "
                                                    f"{time.monotonic() - began:.2f} s"))
                self._spool(result["log"])
            if "_ansible_verbose_override" not in result:  # steps that shaped their own one-line account did so
                quiet(result, str((task_vars or {}).get("inventory_hostname", "")))
        except AlteryxStepError as exc:
            self._spool(exc.result.get("log") or [entry("ERROR", exc.msg)])
            raise AnsibleActionFail(
                exc.msg,
                result={**exc.result, "failure_class": exc.failure_class,
                        "exit_code": exit_code_for(exc.failure_class)},
            ) from exc
        return result

    def _spool(self, entries: list[dict[str, str]]) -> None:
        if self.run_log:
            spool_add(self.run_log["run_id"], entries)

    def controller_file(self, path: str, limit: int = -1) -> bytes:
        """The bytes (at most ``limit``) of a file on the controller: ``~`` expanded, a relative path taken from the
        playbook's folder as Ansible does. Raises OSError; the caller says which file it wanted."""
        with open(self._loader.path_dwim(path), "rb") as handle:
            return handle.read(limit)

    def registered(self, task_vars: dict[str, Any], name: str, option: str) -> dict[str, Any]:
        """The registered result held by variable ``name``, read from the task's variables as it is.

        For results of thousands of entries (a dump's files, a manifest): templated into an argument, Ansible walks
        every entry once per task, seconds of controller CPU at 10,000 MongoDB collections. A result that is
        undefined or skipped is ``{}``. Raises AnsibleActionFail (naming ``option``) when ``name`` holds something
        else than a registered result, such as a template: name the registered variable itself."""
        value = task_vars.get(name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise AnsibleActionFail(f"{option}: {name} is not a registered step result but a {type(value).__name__}; "
                                    "name the variable the step registered")
        return {} if value.get("skipped") else value  # type: ignore[return-value]

    def step(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        """Do the step's work and return its result keys."""
        raise NotImplementedError

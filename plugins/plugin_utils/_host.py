# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the collection's host scripts from an action plugin, synchronously or as a detached job.

Every host call goes through ``ansible.windows.win_powershell`` with a script from
``plugins/plugin_utils/powershell/``; one call is one module round trip. Long steps run
as an async job (the Windows async wrapper detaches it from the WinRM shell) that this
module polls with ``ansible.windows.async_status``.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from itertools import dropwhile
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

SCRIPT_DIR = Path(__file__).resolve().parent / "powershell"
INCLUDE = re.compile(r"^#include\s+(_[A-Za-z0-9_]+\.ps1)\s*$")
# win_powershell converts $Ansible.Result with Convert-OutputObject: anything nested deeper than this becomes a
# string. Scripts return flat facts (lists of flat records at most), which fit with one level to spare.
RESULT_DEPTH = 3
# Polls that may fail in a row before the controller gives up on a detached job.
MAX_FAILED_POLLS = 3


def script_text(name: str) -> str:
    """Return the text of host script ``name`` (without ``.ps1``), with its ``#include`` lines inlined.

    A line ``#include _file.ps1`` is replaced by that shared file minus its header comment, so
    a routine used by several scripts (service control, native commands) exists once.
    """
    lines = []
    for line in (SCRIPT_DIR / f"{name}.ps1").read_text(encoding="utf-8").splitlines():
        match = INCLUDE.match(line)
        if match:
            shared = (SCRIPT_DIR / match.group(1)).read_text(encoding="utf-8").splitlines()
            lines += [f"# --- {match.group(1)}"] + list(dropwhile(lambda text: text.startswith("#"), shared))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


@contextmanager
def _async_task(task: Any, timeout: int) -> Any:
    # _execute_module wraps a call in the async wrapper when the task has async_val; the
    # step's own task is synchronous, so borrow the setting for this one call.
    saved = task.async_val
    task.async_val = timeout
    try:
        yield
    finally:
        task.async_val = saved


def run_script(
    action: Any,
    name: str,
    parameters: dict[str, Any],
    task_vars: dict[str, Any],
    *,
    async_timeout: int = 0,
    poll_interval: float = 3.0,
    step: str = "",
) -> dict[str, Any]:
    """Run host script ``name`` and return its ``$Ansible.Result``.

    Raises AlteryxStepError (with the script's failure_class and partial result) when the
    script fails, the job times out or its result cannot be read.

    Returned keys: whatever the script puts in ``$Ansible.Result``, plus ``_changed``
    (bool, the script's ``$Ansible.Changed``) and ``_warnings`` (list of str).
    """
    module_args: dict[str, Any] = {"script": script_text(name), "parameters": parameters, "depth": RESULT_DEPTH}
    try:
        raw = _execute(action, module_args, task_vars, async_timeout, poll_interval)
    except AnsibleConnectionFailure as exc:
        # Converted so that the role's rescue still restarts the service and cleans up.
        raise AlteryxStepError(
            f"lost the connection to the host during {step or name}: {exc}. A step already running on the host "
            "(the dump window) finishes and restarts the service by itself; check the host and run again.",
            "general",
        ) from exc
    return _script_result(name, raw)


def _execute(action: Any, module_args: dict[str, Any], task_vars: dict[str, Any], async_timeout: int,
             poll_interval: float) -> dict[str, Any]:
    if async_timeout:
        with _async_task(action._task, async_timeout):
            started = action._execute_module(module_name="ansible.windows.win_powershell", module_args=module_args,
                                             task_vars=task_vars, wrap_async=True)
        if started.get("failed"):
            return started
        return _wait_for_job(action, started, task_vars, async_timeout, poll_interval)
    return action._execute_module(module_name="ansible.windows.win_powershell", module_args=module_args,
                                  task_vars=task_vars)


def _wait_for_job(action: Any, started: dict[str, Any], task_vars: dict[str, Any], timeout: int,
                  poll_interval: float) -> dict[str, Any]:
    """Poll a detached job until it finishes; a few failed polls in a row are tolerated (WinRM glitches)."""
    jid = started["ansible_job_id"]
    async_dir = action.get_shell_option("async_dir", default="~/.ansible_async")
    deadline = time.monotonic() + timeout + 30
    failed_polls: list[str] = []
    consecutive = 0
    while time.monotonic() < deadline:
        time.sleep(poll_interval)
        try:
            status = action._execute_module(
                module_name="ansible.windows.async_status",
                module_args={"jid": jid, "mode": "status", "_async_dir": async_dir},
                task_vars=task_vars,
            )
        except AnsibleConnectionFailure as exc:
            status = {"failed": True, "msg": str(exc)}
        if status.get("finished"):
            action._execute_module(module_name="ansible.windows.async_status",
                                   module_args={"jid": jid, "mode": "cleanup", "_async_dir": async_dir},
                                   task_vars=task_vars)
            status.setdefault("warning", [])
            status["warning"] = list(status["warning"]) + [f"poll of job {jid} failed and was retried: {m}"
                                                           for m in failed_polls]
            return status
        if status.get("failed"):
            failed_polls.append(str(status.get("msg", "unknown error")))
            consecutive += 1
            if consecutive >= MAX_FAILED_POLLS:
                raise AlteryxStepError(
                    f"lost track of host job {jid} after {MAX_FAILED_POLLS} failed polls ({failed_polls[-1]}); the job "
                    "keeps running on the host and restarts the service itself", "general", {"ansible_job_id": jid})
        else:
            consecutive = 0
    raise AlteryxStepError(f"host job {jid} did not finish within {timeout} seconds", "service_timeout",
                           {"ansible_job_id": jid})


def _script_result(name: str, raw: dict[str, Any]) -> dict[str, Any]:
    result = raw.get("result") if isinstance(raw.get("result"), dict) else {}
    if raw.get("failed"):
        message = result.get("message") or raw.get("msg") or _first_error(raw) or f"host script {name} failed"
        partial = {k: v for k, v in result.items() if k not in ("failure_class", "message")}
        raise AlteryxStepError(str(message), result.get("failure_class", "general"), partial)
    if raw.get("unreachable"):
        raise AlteryxStepError(f"host became unreachable during {name}: {raw.get('msg')}", "general")
    return {**result, "_changed": bool(raw.get("changed")), "_warnings": list(raw.get("warning") or [])}


def _first_error(raw: dict[str, Any]) -> str:
    for record in raw.get("error") or []:
        exception = record.get("exception") or {}
        if exception.get("message"):
            return str(exception["message"])
    return ""

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
from ansible.utils.display import Display

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import render, spool_mark_sent, spool_read, visible

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
    sensitive: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run host script ``name`` and return its ``$Ansible.Result``.

    ``sensitive`` ({parameter: secret}) travels in win_powershell's ``sensitive_parameters``: the script gets
    a ``[SecureString]``, and the module's own no_log options keep the text out of ``invocation.module_args`` -
    which an async job writes to its results file on the host's disk (``parameters`` would rest there in clear
    until the poll's cleanup). An empty secret is not sent (the script's parameter stays ``$null``); any
    secret makes the call no_log.

    Raises AlteryxStepError (with the script's failure_class and partial result) when the
    script fails, the job times out or its result cannot be read.

    Inside the backup role (``action.run_log`` set and ``action.WRITES_RUN_LOG``), the call also carries the run
    log's pending lines as ``RunLogPath``/``RunLogText``; the script appends them first.

    Returned keys: whatever the script puts in ``$Ansible.Result``, plus ``_changed``
    (bool, the script's ``$Ansible.Changed``) and ``_warnings`` (list of str).
    """
    run_log = getattr(action, "run_log", None) if getattr(action, "WRITES_RUN_LOG", False) else None
    pending = 0
    if run_log:
        entries, sent = spool_read(run_log["run_id"])
        pending = len(entries)
        parameters = {**parameters, "RunLogPath": run_log.get("path", ""),
                      "RunLogText": render(visible(entries[sent:], Display().verbosity))}
    module_args: dict[str, Any] = {"script": script_text(name), "parameters": parameters, "depth": RESULT_DEPTH}
    secrets = sensitive_parameters(sensitive)
    if secrets:
        module_args["sensitive_parameters"] = secrets
    try:
        with _no_log(action._task, bool(secrets)):
            raw = _execute(action, module_args, task_vars, async_timeout, poll_interval, step=step or name)
    except _transport_errors() as exc:
        # Converted so that the role's rescue still restarts the service and cleans up (an uncaught
        # AnsibleConnectionFailure would mark the host unreachable and skip the rescue).
        raise AlteryxStepError(
            f"lost the connection to the host during {step or name} ({_describe(exc)}); the host may or may not "
            "have run it. A step already running on the host (the dump window) finishes and restarts the service "
            "by itself; check the host and run again.",
            "general",
        ) from None  # the message carries the error; a chained cause would repeat it in the task's msg
    if run_log and isinstance(raw, dict) and "result" in raw:
        # The script ran (its first statement appends the pending lines), whether or not it failed later.
        spool_mark_sent(run_log["run_id"], pending)
    return _script_result(name, raw)


def sensitive_parameters(sensitive: dict[str, str] | None) -> list[dict[str, str]]:
    """win_powershell's ``sensitive_parameters`` for ``{parameter: secret}``: one ``{name, value}`` per
    non-empty secret (each becomes a ``[SecureString]``); [] when there is none."""
    return [{"name": name, "value": value} for name, value in (sensitive or {}).items() if value]


@contextmanager
def _no_log(task: Any, secret: bool) -> Any:
    # A call that carries a secret is made with no_log (Ansible.Basic then writes no event log entry with its
    # arguments, and the controller hides the call's result); the step's own task stays visible.
    if not secret:
        yield
        return
    saved = task.no_log
    task.no_log = True
    try:
        yield
    finally:
        task.no_log = saved


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Exception types by which a connection plugin reports a host call whose request or reply was lost.

    ansible.builtin.winrm (2.19) raises AnsibleConnectionFailure when it cannot connect or a read
    times out (winrm.py lines 460, 656-657), a plain AnsibleError for "the connection attempt timed
    out" and "winrm send_input failed" (lines 449, 653), and lets requests' ConnectionError and
    pywinrm's WinRMError / WinRMTransportError through untouched (protocol.run_command, a Receive
    on a dropped socket, the cleanup_command in its finally - lines 603-672). psrp.py wraps most in
    AnsibleConnectionFailure but not pypsrp's errors raised while a pipeline runs. The optional
    packages are only on controllers that use those plugins.
    """
    import importlib

    from ansible.errors import AnsibleError

    errors: list[type[BaseException]] = [AnsibleConnectionFailure, AnsibleError]
    for module, names in (("requests.exceptions", ("RequestException",)),
                          ("winrm.exceptions", ("WinRMError", "WinRMTransportError", "WinRMOperationTimeoutError")),
                          ("pypsrp.exceptions", ("WinRMError", "WinRMTransportError", "AuthenticationError"))):
        try:
            loaded = importlib.import_module(module)
        except ImportError:
            continue
        errors += [getattr(loaded, n) for n in names if isinstance(getattr(loaded, n, None), type)]
    return tuple(errors)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _execute(action: Any, module_args: dict[str, Any], task_vars: dict[str, Any], async_timeout: int,
             poll_interval: float, step: str = "") -> dict[str, Any]:
    if async_timeout:
        with _async_task(action._task, async_timeout):
            try:
                started = action._execute_module(module_name="ansible.windows.win_powershell",
                                                 module_args=module_args, task_vars=task_vars, wrap_async=True)
            except _transport_errors() as exc:
                # The async wrapper may have started the job before the reply was lost; its id is unknown here.
                raise AlteryxStepError(
                    f"lost the reply to the start of the host job for {step} ({_describe(exc)}). The job may be "
                    "running on the host: it ends within its timeout and the dump window restarts the service by "
                    "itself; check the host and run again.", "general") from None  # message carries the error
        if started.get("failed"):
            return started
        return _wait_for_job(action, started, task_vars, async_timeout, poll_interval)
    return action._execute_module(module_name="ansible.windows.win_powershell", module_args=module_args,
                                  task_vars=task_vars)


def _wait_for_job(action: Any, started: dict[str, Any], task_vars: dict[str, Any], timeout: int,
                  poll_interval: float) -> dict[str, Any]:
    """Poll a detached job until it finishes; a few failed polls in a row are tolerated (WinRM glitches).

    ansible.windows.async_status answers ``finished`` and ``failed`` both for a job that ended in
    failure and for a results file it cannot use (async_status.ps1): "Could not parse job output"
    (read while the watchdog rewrites it in place) and "could not find job at" (the file is gone;
    the watchdog's final Set-Content creates it again if the job still runs). Both are failed polls
    here, retried; a file still missing after MAX_FAILED_POLLS polls leaves the outcome unknown. A
    job the watchdog ended after ``timeout`` seconds did not run its own cleanup (its process was
    killed).
    """
    jid = started["ansible_job_id"]
    async_dir = action.get_shell_option("async_dir", default="~/.ansible_async")
    deadline = time.monotonic() + timeout + 30
    failed_polls: list[str] = []
    consecutive = 0
    errors = _transport_errors()
    while time.monotonic() < deadline:
        time.sleep(poll_interval)
        try:
            status = action._execute_module(
                module_name="ansible.windows.async_status",
                module_args={"jid": jid, "mode": "status", "_async_dir": async_dir},
                task_vars=task_vars,
            )
        except errors as exc:
            status = {"failed": True, "msg": _describe(exc)}
        message = str(status.get("msg") or "")
        missing = bool(status.get("failed")) and message.startswith("could not find job at")
        torn = bool(status.get("failed")) and message.startswith("Could not parse job output")
        if status.get("finished") and not (missing or torn):
            try:
                action._execute_module(module_name="ansible.windows.async_status",
                                       module_args={"jid": jid, "mode": "cleanup", "_async_dir": async_dir},
                                       task_vars=task_vars)
            except errors as exc:
                failed_polls.append(f"removing the results file failed: {_describe(exc)}")
            if status.get("failed") and "timed out waiting for module completion" in message:
                raise AlteryxStepError(
                    f"host job {jid} ran longer than its timeout of {timeout} s and the async watchdog ended it: its "
                    "process was killed, so the script's own cleanup (restarting the service) did not run and programs "
                    "it started (emongodump) may still be running. Raise the step's timeout.",
                    "service_timeout", {"ansible_job_id": jid})
            status.setdefault("warning", [])
            status["warning"] = list(status["warning"]) + [f"poll of job {jid} failed and was retried: {m}"
                                                           for m in failed_polls]
            return status
        if status.get("failed"):
            failed_polls.append(message or "unknown error")
            consecutive += 1
            if consecutive >= MAX_FAILED_POLLS and missing:
                raise AlteryxStepError(
                    f"the results file of host job {jid} is gone ({message}), so its outcome is unknown; it may still "
                    "be running on the host (the dump window restarts the service by itself). Check the host and run "
                    "again.", "general", {"ansible_job_id": jid})
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

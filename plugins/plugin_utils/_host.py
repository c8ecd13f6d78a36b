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
from collections.abc import Callable
from contextlib import contextmanager
from itertools import dropwhile
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleConnectionFailure
from ansible.utils.display import Display

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._poll import FIRST_DELAY, poll_delays
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import render, spool_mark_sent, spool_read, visible

SCRIPT_DIR = Path(__file__).resolve().parent / "powershell"
INCLUDE = re.compile(r"^#include\s+(_[A-Za-z0-9_]+\.ps1)\s*$")
# win_powershell converts $Ansible.Result with Convert-OutputObject: anything nested deeper than this becomes a
# string. Scripts return flat facts (lists of flat records at most), which fit with one level to spare.
RESULT_DEPTH = 3
# Polls that may fail in a row before the controller gives up on a detached job.
MAX_FAILED_POLLS = 3
# Seconds between progress lines while a detached job runs (alteryx_backup_progress_seconds; 0 = none).
PROGRESS_VAR = "alteryx_backup_progress_seconds"
DEFAULT_PROGRESS_SECONDS = 60


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
    progress: Callable[[], dict[str, Any]] | None = None,
    carry_run_log: bool = True,
    wait: bool = True,
) -> dict[str, Any]:
    """Run host script ``name`` and return its ``$Ansible.Result``.

    ``wait=False`` (detached jobs only) returns as soon as the job runs, with its handle (``JOB_KEYS``) instead of
    the result: ``await_script`` waits for it in a later task and returns what this call would have. The fork that
    ran this task is free meanwhile, so a fleet's jobs run side by side whatever ``forks`` is.

    ``progress`` (detached jobs only) measures the job's bytes written so far (it returns the alteryx_progress
    script's result): while the job runs, a line with host, step, elapsed time and those bytes is printed every
    ``alteryx_backup_progress_seconds`` (see ``progress_line``), one extra host call per line and none per poll.
    ``carry_run_log=False`` keeps the run log's pending lines off this call (a call made while a job that already
    carries them runs would append them twice).

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
    run_log = getattr(action, "run_log", None) if getattr(action, "WRITES_RUN_LOG", False) and carry_run_log else None
    pending = -1  # run log lines this call carries; -1: it carries none
    if run_log:
        entries, sent = spool_read(run_log["run_id"])
        pending = len(entries)
        parameters = {**parameters, "RunLogPath": run_log.get("path", ""),
                      "RunLogText": render(visible(entries[sent:], Display().verbosity))}
    module_args: dict[str, Any] = {"script": script_text(name), "parameters": parameters, "depth": RESULT_DEPTH}
    secrets = sensitive_parameters(sensitive)
    if secrets:
        module_args["sensitive_parameters"] = secrets
    if async_timeout:
        job = _start_job(action, name, module_args, task_vars, async_timeout, step or name, bool(secrets), pending)
        job["poll_interval"] = poll_interval
        return await_script(action, job, task_vars, progress=progress) if wait else job
    try:
        with _no_log(action._task, bool(secrets)):
            raw = _execute(action, module_args, task_vars, 0, poll_interval, step=step or name)
    except _transport_errors() as exc:
        raise _lost_connection(exc, step or name) from None  # the message carries the error
    _mark_sent(action, raw, pending)
    return _script_result(name, raw)


# The handle of a detached job that run_script(wait=False) returns: the job's id, the script and step it runs,
# when it was started (epoch seconds, the controller's clock), its timeout, the longest wait between polls,
# whether its calls are no_log (it carries a secret) and how many run log lines it carries (-1: none).
JOB_KEYS = ("ansible_job_id", "script", "step", "started", "timeout", "poll_interval", "no_log", "log_pending")


def _lost_connection(exc: BaseException, step: str) -> AlteryxStepError:
    # Converted so that the role's rescue still restarts the service and cleans up (an uncaught
    # AnsibleConnectionFailure would mark the host unreachable and skip the rescue).
    return AlteryxStepError(
        f"lost the connection to the host during the {step} step ({_describe(exc)}); the host may or "
        f"may not have run it. {after_lost_connection(step)}",
        "general",
    )


def _mark_sent(action: Any, raw: Any, pending: int) -> None:
    run_log = getattr(action, "run_log", None)
    if pending >= 0 and run_log and isinstance(raw, dict) and "result" in raw:
        # The script ran (its first statement appends the pending lines), whether or not it failed later.
        spool_mark_sent(run_log["run_id"], pending)


def _start_job(action: Any, name: str, module_args: dict[str, Any], task_vars: dict[str, Any], timeout: int,
               step: str, no_log: bool, pending: int) -> dict[str, Any]:
    """Start host script ``name`` as a detached job; its handle (JOB_KEYS but poll_interval), or AlteryxStepError
    when the start failed or its reply was lost."""
    try:
        with _no_log(action._task, no_log):
            started = _execute(action, module_args, task_vars, timeout, 0, step=step, wait=False)
    except _transport_errors() as exc:
        raise _lost_connection(exc, step) from None  # the message carries the error
    if started.get("failed") or started.get("unreachable") or not started.get("ansible_job_id"):
        # The wrapper's own failure, or the job ended before it signalled that it started.
        _mark_sent(action, started, pending)
        _script_result(name, started)
        raise AlteryxStepError(f"host job for the {step} step did not start: {started.get('msg') or 'no job id'}",
                               "general")
    return {"ansible_job_id": str(started["ansible_job_id"]), "script": name, "step": step, "started": time.time(),
            "timeout": timeout, "no_log": no_log, "log_pending": pending}


def await_script(action: Any, job: dict[str, Any], task_vars: dict[str, Any], *,
                 progress: Callable[[], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Wait for the detached job of ``job`` (a handle from ``run_script(wait=False)``, JOB_KEYS) and return the
    script's ``$Ansible.Result`` exactly as ``run_script`` with ``wait=True`` would: the same polls (from the job's
    start time on: its deadline and progress lines count from there), failures and keys.

    Raises AlteryxStepError as run_script does. Returned keys: the script's result, ``_changed``, ``_warnings``.
    """
    step = str(job["step"])
    # Measured on the controller's clock, which may have moved on between the start task and this one.
    since = max(0.0, time.time() - float(job["started"]))
    began = time.monotonic() - since
    # Polled at least once, even when this task comes after the deadline.
    deadline = max(began + int(job["timeout"]) + 30, time.monotonic() + FIRST_DELAY)
    try:
        with _no_log(action._task, bool(job["no_log"])):
            reporter = _Progress(action, task_vars, step, progress, began=began) if progress else None
            raw = _wait_for_job(action, {"ansible_job_id": job["ansible_job_id"]}, task_vars, int(job["timeout"]),
                                float(job["poll_interval"]), step=step, reporter=reporter, deadline=deadline)
    except _transport_errors() as exc:
        raise _lost_connection(exc, step) from None  # the message carries the error
    _mark_sent(action, raw, int(job["log_pending"]))
    return _script_result(str(job["script"]), raw)


def after_lost_connection(step: str) -> str:
    """What the host does about step ``step`` once the controller lost track of it, and what to do: only the dump
    window stops the service inside a host call and starts it again by itself; the service steps change its state
    and return; every other step leaves the service alone."""
    if step == "dump window":
        return ("If the dump window started, it ends on the host within its timeout and starts the service again by "
                "itself; check that the service runs, then run the backup again.")
    if step.startswith("service "):
        return f"The service may or may not be {step.split(' ', 1)[1]}; check its state, then run the backup again."
    return f"The {step} step does not stop or start the service; check the host, then run the backup again."


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
             poll_interval: float, step: str = "", reporter: _Progress | None = None,
             wait: bool = True) -> dict[str, Any]:
    # wait=False: the async wrapper's reply to the start (ansible_job_id), not polled.
    if async_timeout:
        with _async_task(action._task, async_timeout):
            try:
                started = action._execute_module(module_name="ansible.windows.win_powershell",
                                                 module_args=module_args, task_vars=task_vars, wrap_async=True)
            except _transport_errors() as exc:
                # The async wrapper may have started the job before the reply was lost; its id is unknown here.
                raise AlteryxStepError(
                    f"lost the reply to the start of the host job for the {step} step ({_describe(exc)}). The job "
                    f"may be running on the host: it ends within its timeout of {async_timeout} s. "
                    f"{after_lost_connection(step)}", "general") from None  # message carries the error
        if started.get("failed") or not wait:
            return started
        return _wait_for_job(action, started, task_vars, async_timeout, poll_interval, step=step, reporter=reporter)
    return action._execute_module(module_name="ansible.windows.win_powershell", module_args=module_args,
                                  task_vars=task_vars)


def _wait_for_job(action: Any, started: dict[str, Any], task_vars: dict[str, Any], timeout: int,
                  poll_interval: float, step: str = "", reporter: _Progress | None = None,
                  deadline: float | None = None) -> dict[str, Any]:
    """Poll a detached job until it finishes; a few failed polls in a row are tolerated (WinRM glitches).

    ``deadline`` (time.monotonic()) is when polling gives up; by default ``timeout`` + 30 s from now.

    Polls come soon at first and then further apart, up to ``poll_interval`` seconds (``_poll.poll_delays``).

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
    deadline = time.monotonic() + timeout + 30 if deadline is None else deadline
    failed_polls: list[str] = []
    consecutive = 0
    errors = _transport_errors()
    delays = poll_delays(poll_interval)
    while time.monotonic() < deadline:
        delay = next(delays)
        if reporter and reporter.interval:
            # A progress line is due on time even while the polls are far apart.
            delay = max(0.05, min(delay, reporter.next_at - time.monotonic()))
        time.sleep(delay)
        if reporter:
            reporter.tick()
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
                cleanup = ("(restarting the service) did not run and programs it started (the dump) may still be "
                           "running" if step == "dump window" else "did not run")
                raise AlteryxStepError(
                    f"host job {jid} ({step} step) ran longer than its timeout of {timeout} s and the async watchdog "
                    f"ended it: its process was killed, so the script's own cleanup {cleanup}. Raise the step's "
                    "timeout.", "service_timeout", {"ansible_job_id": jid})
            status.setdefault("warning", [])
            status["warning"] = list(status["warning"]) + [f"poll of job {jid} failed and was retried: {m}"
                                                           for m in failed_polls]
            return status
        if status.get("failed"):
            failed_polls.append(message or "unknown error")
            consecutive += 1
            if consecutive >= MAX_FAILED_POLLS and missing:
                raise AlteryxStepError(
                    f"the results file of host job {jid} ({step} step) is gone ({message}), so its outcome is "
                    f"unknown; it may still be running on the host. {after_lost_connection(step)}", "general",
                    {"ansible_job_id": jid})
            if consecutive >= MAX_FAILED_POLLS:
                raise AlteryxStepError(
                    f"lost track of host job {jid} ({step} step) after {MAX_FAILED_POLLS} failed polls "
                    f"({failed_polls[-1]}); the job may still be running on the host. {after_lost_connection(step)}",
                    "general", {"ansible_job_id": jid})
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


def progress_seconds(value: Any) -> int:
    """The progress interval from ``alteryx_backup_progress_seconds``: a whole number of seconds, 0 = no lines.

    Raises AlteryxStepError(validation) for a negative or non-numeric value."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        seconds = -1
    if seconds < 0 or isinstance(value, bool):
        raise AlteryxStepError(f"{PROGRESS_VAR} must be 0 (no progress lines) or a number of seconds, got {value!r}",
                               "validation")
    return seconds


def human_bytes(count: int) -> str:
    """``count`` bytes for a person: ``512 B``, ``1.5 KB``, ``2.3 GB`` (powers of 1024)."""
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def progress_line(host: str, step: str, elapsed: float, measured: dict[str, Any] | None) -> str:
    """One progress line: ``controller: dump window running for 2m05s, 1.2 GB written so far``.

    ``measured`` is the alteryx_progress result (``bytes``, ``files``), or None when it could not be read."""
    minutes, seconds = divmod(int(elapsed), 60)
    took = f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
    if measured is None:
        written = "bytes written so far unknown (the size could not be read)"
    else:
        written = f"{human_bytes(int(measured.get('bytes') or 0))} in {int(measured.get('files') or 0)} file(s) " \
                  "written so far"
    return f"{host}: {step} running for {took}, {written}"


class _Progress:
    """Prints a progress line every ``alteryx_backup_progress_seconds`` while a detached job runs.

    The line goes through Display from the worker process, which forwards it to the controller's terminal at
    default verbosity. Measuring is one host call per line (``measure``); a failed measurement prints the line
    without bytes and never fails the step.
    """

    def __init__(self, action: Any, task_vars: dict[str, Any], step: str,
                 measure: Callable[[], dict[str, Any]], began: float | None = None) -> None:
        # ``began``: when the job started (time.monotonic()), by default now.
        raw = task_vars.get(PROGRESS_VAR, DEFAULT_PROGRESS_SECONDS)
        self.interval = progress_seconds(action._templar.template(raw) if isinstance(raw, str) else raw)
        self.host = str(task_vars.get("inventory_hostname", "host"))
        self.step = step
        self.measure = measure
        self.began = time.monotonic() if began is None else began
        self.next_at = self.began + self.interval

    def tick(self) -> None:
        """Print a line when the interval has passed since the last one."""
        if not self.interval or time.monotonic() < self.next_at:
            return
        try:
            measured: dict[str, Any] | None = self.measure()
        except AlteryxStepError:
            measured = None
        now = time.monotonic()
        Display().display(progress_line(self.host, self.step, now - self.began, measured))
        self.next_at = now + self.interval

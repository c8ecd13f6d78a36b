"""The Task Scheduler of a simulated host: the ScheduledTasks cmdlets and the one-shot tasks they register.

Tasks live in ``state.json`` under ``scheduled_tasks`` (keyed by lower-cased ``<path><name>``: task names are
file names under ``C:\\Windows\\System32\\Tasks``, so case-insensitive). winsim has no daemon: a task whose
trigger time has come fires the next time anybody touches the host -- every ``Host.locked_state`` (any module
call, any status read, ``Host.state()``) first runs ``settle`` -- or when a test calls ``tick`` (CLI
``winsim tick <host root>``). It fires *at its trigger time*: services are settled to that moment, then the
action runs under the SCM rules of ``alteryx.py``, and the journal event carries that time, so a late look
sees exactly what a real host would have done meanwhile.

What is ported (ScheduledTasks module of Windows PowerShell 5.1 over the Task Scheduler 2.0 COM API):

- ``Register-ScheduledTask`` (``register_task``): an existing name fails ``Cannot create a file when that file
  already exists.`` unless ``-Force`` (TASK_CREATE_OR_UPDATE replaces it, run history included); a name with a
  character a file name cannot hold fails ``The filename, directory name, or volume label syntax is
  incorrect.``; ``-DeleteExpiredTaskAfter`` without an ``EndBoundary`` on a trigger fails ``The task XML is
  missing a required element or attribute.`` (``(N,4):EndBoundary:``); a task run as SYSTEM needs an
  administrator (``Access is denied.``). Only what our scripts use is modelled: one ``-Once`` trigger, one
  ``sc.exe start <service>`` action, the SYSTEM principal; anything else is refused at registration so that no
  twin relies on behaviour winsim would invent.
- ``New-ScheduledTaskTrigger -Once -At``: the StartBoundary keeps whole seconds (the fraction is dropped). A
  trigger whose time has already passed when the task is registered never fires (no ``StartWhenAvailable``),
  nor one past its ``EndBoundary``.
- The action runs as SYSTEM: ``sc.exe start <svc>`` is ``StartService`` -- refused from any state but Stopped
  (exit code 1056, ``ERROR_SERVICE_ALREADY_RUNNING``, also from a pending state), 1060 for a missing service,
  0 once the start is under way. The exit code is the task's ``LastTaskResult``.
- ``DeleteExpiredTaskAfter``: the task is deleted that long after its ``EndBoundary`` (a ``-Once`` task is not
  scheduled to run again then).
- ``Get-ScheduledTask`` / ``Get-ScheduledTaskInfo`` (``get_task``, ``task_info``): a missing task fails ``No
  MSFT_ScheduledTask objects found with property 'TaskName' equal to '<name>'.  Verify the value of the
  property and retry.`` unless ``-ErrorAction SilentlyContinue``; a task that never ran reports
  ``LastRunTime`` 1999-11-30 and ``LastTaskResult`` 267011 (``SCHED_S_TASK_HAS_NOT_RUN``).
- ``Unregister-ScheduledTask`` (``unregister_task``): the same not-found error unless ``SilentlyContinue``; it
  has ConfirmImpact High, so without ``-Confirm:$false`` it prompts, which win_powershell's host cannot do.

Faults: a rule in ``faults.json`` with ``"call": "Register-ScheduledTask"`` (or ``Unregister-ScheduledTask``),
``"kind": "fail"`` and an optional ``msg`` makes the n-th such cmdlet call on that host fail (counted like
module calls). Journal events: ``scheduled_task_registered``, ``scheduled_task_removed``,
``scheduled_task_fired`` (``result`` = the action's exit code, ``t`` = the trigger time) and
``scheduled_task_deleted`` (``cause: expired``).
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from . import alteryx
from .host import Host, WinError

SCHED_S_TASK_HAS_NOT_RUN = 267011  # 0x00041303
NEVER_RUN = datetime(1999, 11, 30, tzinfo=UTC).timestamp()  # LastRunTime of a task that has not run
ROOT = "\\"
SYSTEM_USERS = ("system", "nt authority\\system")
INVALID_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
SC_EXE = re.compile(r"^(?:(?:%systemroot%|[a-z]:\\windows)\\system32\\)?sc(?:\.exe)?$", re.IGNORECASE)
REGISTER_FAULT = "Register-ScheduledTask"
UNREGISTER_FAULT = "Unregister-ScheduledTask"

MSG_EXISTS = "Cannot create a file when that file already exists."
MSG_BAD_NAME = "The filename, directory name, or volume label syntax is incorrect."
MSG_DENIED = "Access is denied."
MSG_NO_END = "The task XML is missing a required element or attribute.\r\n(20,4):EndBoundary:"
MSG_PROMPT = ("A command that prompts the user failed because the host program or the command type does not support "
              "user interaction. The host was attempting to request confirmation with the following message: Are you "
              "sure you want to perform this action?")


class ScheduledTaskError(WinError):
    """A CimException of the ScheduledTasks cmdlets (terminating under ``$ErrorActionPreference = 'Stop'``)."""


def _not_found(name: str) -> ScheduledTaskError:
    return ScheduledTaskError(f"No MSFT_ScheduledTask objects found with property 'TaskName' equal to '{name}'.  "
                              "Verify the value of the property and retry.")


def _key(path: str, name: str) -> str:
    return (path + name).lower()


def _quiet(error_action: str) -> bool:
    action = error_action.replace(" ", "").lower()
    if action not in ("stop", "continue", "silentlycontinue", "ignore"):
        raise ValueError(f"unknown -ErrorAction {error_action!r}")
    return action in ("silentlycontinue", "ignore")  # Continue has no error stream here: it raises (harsher)


def split_arguments(text: str) -> list[str]:
    """Split a command line as ``CommandLineToArgvW`` does for arguments (quotes group, ``\\"`` is a quote)."""
    args: list[str] = []
    current, quoted, pending = "", False, False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] == '"':
            current, pending, index = current + '"', True, index + 2
            continue
        if char == '"':
            quoted, pending = not quoted, True
        elif char in " \t" and not quoted:
            if pending:
                args.append(current)
            current, pending = "", False
        else:
            current, pending = current + char, True
        index += 1
    if pending:
        args.append(current)
    return args


# ---------------------------------------------------------------------------------------------- cmdlets
def register_task(host: Host, name: str, *, execute: str, argument: str, at: float, end: float | None = None,
                  user_id: str = "NT AUTHORITY\\SYSTEM", logon_type: str = "ServiceAccount",
                  run_level: str = "Highest", delete_expired_after: float | None = None,
                  execution_time_limit: float | None = None, description: str = "", path: str = ROOT,
                  force: bool = False) -> dict[str, Any]:
    """``Register-ScheduledTask -TaskName <name> -TaskPath <path> -Action -Trigger -Principal -Settings [-Force]``.

    ``at`` / ``end`` are the trigger's StartBoundary / EndBoundary (epoch seconds); ``delete_expired_after``
    and ``execution_time_limit`` are seconds. Returns a copy of the registered task.
    """
    fault = host.next_fault(REGISTER_FAULT)
    if fault and fault.get("kind") == "fail":
        raise ScheduledTaskError(fault.get("msg") or f"winsim injected failure in {REGISTER_FAULT}")
    if not name or INVALID_NAME.search(name) or path != ROOT:
        raise ScheduledTaskError(MSG_BAD_NAME if path == ROOT else "winsim models only the root task folder '\\'")
    if delete_expired_after is not None and end is None:
        raise ScheduledTaskError(MSG_NO_END)
    if user_id.lower() not in SYSTEM_USERS or logon_type.lower() != "serviceaccount":
        raise WinError(f"winsim models only tasks run as SYSTEM (ServiceAccount), not {user_id!r} ({logon_type})")
    words = split_arguments(argument)
    if not SC_EXE.match(execute.strip().strip('"')) or len(words) != 2 or words[0].lower() != "start":
        raise WinError(f"winsim models only the action 'sc.exe start <service>' of a scheduled task, not "
                       f"{execute!r} {argument!r}")
    now = time.time()
    start = float(int(at))  # StartBoundary keeps whole seconds
    task = {"name": name, "path": path, "description": description,
            "action": {"execute": execute, "arguments": argument},
            "trigger": {"kind": "once", "at": start, "end": None if end is None else float(int(end))},
            "principal": {"user_id": user_id, "logon_type": logon_type, "run_level": run_level},
            "settings": {"delete_expired_after": delete_expired_after, "execution_time_limit": execution_time_limit},
            "registered_at": round(now, 4), "state": "Ready", "last_run": None,
            "last_result": SCHED_S_TASK_HAS_NOT_RUN}
    with host.locked_state() as state:
        table = state.setdefault("scheduled_tasks", {})
        denied = not state.get("admin", True)
        existing = table.get(_key(path, name))
        if not denied and (existing is None or force):
            if existing is not None:  # TASK_CREATE_OR_UPDATE keeps the task's run history
                task["last_run"], task["last_result"] = existing.get("last_run"), existing.get("last_result")
            table[_key(path, name)] = task
    if denied:
        raise ScheduledTaskError(MSG_DENIED)
    if existing is not None and not force:
        raise ScheduledTaskError(MSG_EXISTS)
    host.event("scheduled_task_registered", task=name, at=start, end=task["trigger"]["end"], action=execute,
               arguments=argument, user=user_id, replaced=existing is not None,
               will_fire=_will_fire(task))
    return _copy(task)


def get_task(host: Host, name: str, path: str = ROOT, error_action: str = "Stop") -> dict[str, Any] | None:
    """``Get-ScheduledTask -TaskName <name> -TaskPath <path> [-ErrorAction ...]``: a copy of the task, or None."""
    quiet = _quiet(error_action)
    with host.locked_state() as state:
        task = state.get("scheduled_tasks", {}).get(_key(path, name))
        task = _copy(task) if task else None
    if task is None and not quiet:
        raise _not_found(name)
    return task


def task_info(host: Host, name: str, path: str = ROOT) -> dict[str, Any]:
    """``Get-ScheduledTaskInfo``: ``last_run_time`` (epoch; 1999-11-30 when never run), ``last_task_result``,
    ``next_run_time`` (epoch or None), ``number_of_missed_runs``."""
    task = get_task(host, name, path)
    assert task is not None
    now = time.time()
    pending = task["last_run"] is None and _will_fire(task) and task["trigger"]["at"] > now
    missed = task["last_run"] is None and task["trigger"]["at"] <= now and not _will_fire(task)
    return {"last_run_time": NEVER_RUN if task["last_run"] is None else task["last_run"],
            "last_task_result": task["last_result"],
            "next_run_time": task["trigger"]["at"] if pending else None,
            "number_of_missed_runs": 1 if missed else 0}


def unregister_task(host: Host, name: str, path: str = ROOT, *, confirm: bool = True,
                    error_action: str = "Stop") -> bool:
    """``Unregister-ScheduledTask -TaskName <name> -TaskPath <path> [-Confirm:$false] [-ErrorAction ...]``.

    True when a task was removed. ``confirm=True`` is the cmdlet's default prompt (ConfirmImpact High), which
    fails in win_powershell's non-interactive host.
    """
    quiet = _quiet(error_action)
    fault = host.next_fault(UNREGISTER_FAULT)
    if fault and fault.get("kind") == "fail":
        raise ScheduledTaskError(fault.get("msg") or f"winsim injected failure in {UNREGISTER_FAULT}")
    if confirm:
        raise WinError(MSG_PROMPT)
    with host.locked_state() as state:
        table = state.get("scheduled_tasks", {})
        denied = not state.get("admin", True) and _key(path, name) in table
        removed = None if denied else table.pop(_key(path, name), None)
    if denied:
        raise ScheduledTaskError(MSG_DENIED)
    if removed is None:
        if quiet:
            return False
        raise _not_found(name)
    host.event("scheduled_task_removed", task=removed["name"], last_result=removed["last_result"])
    return True


# ---------------------------------------------------------------------------------------------- the clock
def tasks(host: Host) -> list[dict[str, Any]]:
    """Every registered task (copies), due ones fired first."""
    with host.locked_state() as state:
        return [_copy(t) for t in state.get("scheduled_tasks", {}).values()]


def tick(host: Host) -> list[dict[str, Any]]:
    """Touch the host so that every due task fires (what the Task Scheduler service would have done by now);
    returns the tasks still registered. Service transitions due by now settle too (a start the net began is
    Running once its start delay has passed). The CLI is ``winsim tick <host root>``."""
    with host.locked_state() as state:
        events = alteryx._settle_all(state)
        registered = [_copy(t) for t in state.get("scheduled_tasks", {}).values()]
    alteryx._journal(host, events)
    return registered


def settle(state: dict[str, Any], now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Fire every task whose trigger time has come and delete expired ones, in time order; returns the events to
    journal. Called by ``Host.locked_state`` with the state it is about to hand out."""
    table = state.get("scheduled_tasks")
    if not table:
        return []
    now = time.time() if now is None else now
    due: list[tuple[float, str, str]] = []
    for key, task in table.items():
        trigger = task["trigger"]
        if task["last_run"] is None and _will_fire(task) and trigger["at"] <= now:
            due.append((trigger["at"], "fire", key))
        delete_after = task["settings"].get("delete_expired_after")
        if trigger.get("end") is not None and delete_after is not None and trigger["end"] + delete_after <= now:
            due.append((trigger["end"] + delete_after, "delete", key))
    events: list[tuple[str, dict[str, Any]]] = []
    for when, what, key in sorted(due):
        task = table.get(key)
        if task is None:
            continue
        events += alteryx._settle_all(state, when)  # the host as it was at that moment
        if what == "delete":
            del table[key]
            events.append(("scheduled_task_deleted", {"task": task["name"], "cause": "expired", "t": round(when, 4)}))
            continue
        result = _run_action(state, task, when, events)
        task["last_run"], task["last_result"] = when, result
        events.append(("scheduled_task_fired", {"task": task["name"], "t": round(when, 4),
                                                "action": f"{task['action']['execute']} {task['action']['arguments']}",
                                                "user": task["principal"]["user_id"], "result": result}))
    return events


def _will_fire(task: dict[str, Any]) -> bool:
    """A -Once trigger fires only when registered before its time and not past its EndBoundary."""
    trigger = task["trigger"]
    if trigger.get("end") is not None and trigger["end"] < trigger["at"]:
        return False
    return float(task["registered_at"]) <= trigger["at"]


def _run_action(state: dict[str, Any], task: dict[str, Any], when: float,
                events: list[tuple[str, dict[str, Any]]]) -> int:
    """``sc.exe start <svc>`` run as SYSTEM at ``when``: its exit code (the Win32 error of StartService)."""
    service = split_arguments(task["action"]["arguments"])[1]
    found = alteryx._find_service(state, service)
    if not found:
        return alteryx.ERROR_SERVICE_DOES_NOT_EXIST
    if found[1]["state"] != "stopped":
        return alteryx.ERROR_SERVICE_ALREADY_RUNNING
    events += alteryx._begin(found[0], found[1], "running", when)
    return 0


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value))

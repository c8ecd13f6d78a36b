# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The safety net of a stopped cluster node: a one-shot scheduled task that starts its service again.

A UI or worker node is stopped by the playbook long before it is started again (the controller's dump sits in
between). If the machine running Ansible dies meanwhile, nothing would start it. So the stop registers, on the
host and before the service stops, a task run as SYSTEM that runs ``sc.exe start <service>`` after a bounded
time; the normal start removes it. This module holds the decisions; the host script only registers, reads and
removes the task.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

NAME_PREFIX = "alteryx.server safety net"
# The trigger keeps whole seconds (New-ScheduledTaskTrigger drops the fraction) and a -Once trigger already in the
# past when it is registered never fires: below 2 s the net could be born dead.
MIN_SECONDS = 2
# EndBoundary = trigger + EXPIRE_SECONDS: long enough that a run coming back late still finds the task and can
# tell that it fired; Task Scheduler then deletes it DELETE_SECONDS later (DeleteExpiredTaskAfter), so a net left
# by a run that never came back cleans itself up.
EXPIRE_SECONDS = 3600
DELETE_SECONDS = 86400
# Task names are file names under C:\Windows\System32\Tasks; a backslash would mean a folder.
_INVALID = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_MAX_NAME = 200
# LastRunTime is compared with the trigger time; both come from the host's clock, at whole seconds.
_FIRED_TOLERANCE = timedelta(seconds=1)


class SafetyNetError(ValueError):
    """The safety net options are invalid (a ``validation`` failure, raised before the host is touched)."""


def net_plan(service: str, seconds: int, name: str | None) -> dict[str, Any]:
    """The script parameters of a net for ``service`` that fires after ``seconds`` (0 = no net).

    Returned keys: ``SafetyNetSeconds``, ``SafetyNetName`` (``alteryx.server safety net <service>`` unless
    ``name``), ``SafetyNetExpireSeconds``, ``SafetyNetDeleteSeconds``. Raises SafetyNetError for a negative or
    too short time or a name Task Scheduler would refuse.
    """
    if seconds < 0 or 0 < seconds < MIN_SECONDS:
        raise SafetyNetError(f"safety_net_seconds must be 0 (no safety net) or at least {MIN_SECONDS}, not {seconds}")
    task = name if name else f"{NAME_PREFIX} {service}"
    if not task.strip() or _INVALID.search(task) or len(task) > _MAX_NAME:
        raise SafetyNetError(f"safety_net_name {task!r} is not a valid scheduled task name: it must be 1 to "
                             f"{_MAX_NAME} characters without \\ / : * ? \" < > |")
    return {"SafetyNetSeconds": seconds, "SafetyNetName": task if seconds else "",
            "SafetyNetExpireSeconds": EXPIRE_SECONDS, "SafetyNetDeleteSeconds": DELETE_SECONDS}


def _parse(text: str) -> datetime | None:
    if not text:
        return None
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def net_fired(trigger_utc: str, last_run_utc: str) -> bool:
    """True when the task ran at or after its own trigger time (not an earlier run kept by a ``-Force`` update,
    nor the ``1999-11-30`` LastRunTime of a task that never ran)."""
    trigger, last_run = _parse(trigger_utc), _parse(last_run_utc)
    return trigger is not None and last_run is not None and last_run >= trigger - _FIRED_TOLERANCE


def net_report(raw: dict[str, Any], state: str) -> dict[str, Any]:
    """Turn the script's flat net facts into the module's result keys and run log messages.

    ``raw`` holds ``safety_net_name``, ``safety_net_registered``, ``safety_net_at_utc``, ``safety_net_found``,
    ``safety_net_last_run_utc``, ``safety_net_last_result``, ``safety_net_removed`` (popped from it);
    ``state`` is the task's ``started`` / ``stopped``.

    Returned keys: ``result`` (``safety_net_name``, ``safety_net_registered``, ``safety_net_at_utc``,
    ``safety_net_fired``, ``safety_net_result`` (the exit code of the task's ``sc.exe start``, None when it has
    not run), ``safety_net_removed``) and ``messages`` (list of (level, text)).
    """
    name = str(raw.pop("safety_net_name", "") or "")
    registered = bool(raw.pop("safety_net_registered", False))
    at_utc = str(raw.pop("safety_net_at_utc", "") or "")
    found = bool(raw.pop("safety_net_found", False))
    last_run = str(raw.pop("safety_net_last_run_utc", "") or "")
    last_result = raw.pop("safety_net_last_result", None)
    removed = bool(raw.pop("safety_net_removed", False))
    fired = found and net_fired(at_utc, last_run)
    messages: list[tuple[str, str]] = []
    if registered:
        messages.append(("INFO", f"safety net '{name}' registered: it starts the service at {at_utc} if the run "
                                 "does not come back"))
    if fired:
        outcome = "started the service" if last_result == 0 else f"ran, sc.exe start exited {last_result}"
        messages.append(("WARNING", f"safety net '{name}' fired at {last_run} ({outcome}): the run took longer than "
                                    "the net's time; raise safety_net_seconds"))
    if found and not removed:
        messages.append(("WARNING", f"safety net '{name}' could not be removed; it expires on its own (a later "
                                    "sc.exe start of a running service does nothing)"))
    elif removed and not fired:
        messages.append(("DEBUG", f"safety net '{name}' removed before it fired"))
    if state == "started" and name and not found:
        messages.append(("DEBUG", f"no safety net '{name}' was left to remove"))
    return {"result": {"safety_net_name": name, "safety_net_registered": registered, "safety_net_at_utc": at_utc,
                       "safety_net_fired": fired, "safety_net_result": int(last_result) if fired else None,
                       "safety_net_removed": removed},
            "messages": messages}

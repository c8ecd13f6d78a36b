# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who runs a backup, and whether a host lock held by another run may be taken over (pure logic).

The host reports the lock's holder as flat facts (alteryx_preflight); the decision is made here, once.
A holder is taken over when it is provably gone (its controller process, on this same controller, has
ended) or, when its controller is another machine, stale (no heartbeat for ``stale_seconds``) -- and never while its
dump job is alive on the host.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError


@dataclass(frozen=True)
class Controller:
    """The ansible-playbook process that runs this backup: ``host``, ``pid`` and ``started`` (opaque start stamp)."""

    host: str
    pid: str
    started: str


@dataclass(frozen=True)
class LockDecision:
    """``action`` is ``take_over`` (with ``after_seconds``: how old the heartbeat must still be) or ``refuse``."""

    action: str
    message: str
    after_seconds: int = 0


def process_started(pid: int) -> str:
    """The start stamp of a local process (``/proc/<pid>/stat`` start time in clock ticks), '' when unknown.

    A pid alone is reused by the system; pid and start stamp together name one process.
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return ""
    return "" if fields[0] == "Z" else fields[19]


def this_controller() -> Controller:
    """The ansible-playbook process: the parent of the worker process that runs an action plugin.

    ``multiprocessing.parent_process()`` keeps the pid the worker was forked from, even after that process died
    and the worker was re-parented to init. Raises AlteryxStepError when that process is already gone: a run
    whose controller died must not take a lock that no one would ever release.
    """
    parent = multiprocessing.parent_process()
    pid = parent.pid if parent is not None and parent.pid else os.getppid()
    started = process_started(pid)
    if pid == 1 or (os.path.isdir("/proc/self") and not started):
        raise AlteryxStepError("ansible-playbook has gone away: this run stops here and changed nothing.", "general")
    return Controller(host=socket.gethostname(), pid=str(pid), started=started)


def _holder_process(facts: Mapping[str, Any], me: Controller, started_of: Callable[[int], str]) -> str:
    """``gone`` or ``alive`` when the holder's controller is this machine (pid + start stamp), else ``unknown``."""
    if facts.get("holder_controller_host") != me.host or not facts.get("holder_controller_started"):
        return "unknown"
    try:
        pid = int(facts.get("holder_controller_pid") or "")
    except ValueError:
        return "unknown"
    return "alive" if started_of(pid) == facts["holder_controller_started"] else "gone"


def judge_lock(facts: Mapping[str, Any], me: Controller, stale_seconds: int, lock_path: str,
               started_of: Callable[[int], str] = process_started) -> LockDecision:
    """Decide about a lock this run did not get, from alteryx_preflight's ``holder_*`` and ``job_*`` facts."""
    if facts.get("job_alive"):
        return LockDecision("refuse", (
            f"A dump job of run {facts.get('job_run_id') or 'unknown'} is still running on this host (the service may be "
            f"stopped for it): this run changed nothing. It ends at the latest at {facts.get('job_expires_utc')}; "
            "run the backup again after that."))
    run = facts.get("holder_run_id") or "unknown (the lock file is unreadable)"
    age = int(facts.get("holder_age_seconds", -1))
    holder = (f"run {run}, started {facts.get('holder_started_utc') or 'at an unknown time'} from "
              f"{facts.get('holder_controller_host') or 'an unknown controller'} "
              f"(pid {facts.get('holder_controller_pid') or '?'})")
    if age < 0:
        return LockDecision("refuse", f"{lock_path} was released while this run checked it: run the backup again.")
    process = _holder_process(facts, me, started_of)
    if process == "gone":
        return LockDecision("take_over", f"the controller process of {holder} has ended", 0)
    if process == "alive":
        # A run waiting on this controller (for a fork, behind other hosts) sends no heartbeat but is not dead.
        return LockDecision("refuse", (
            f"Another backup holds {lock_path}: {holder}, still running on this controller. This run changed nothing."))
    if age >= stale_seconds:
        return LockDecision("take_over", f"{holder} sent no heartbeat for {age} s (lock_stale_seconds={stale_seconds})",
                            stale_seconds)
    return LockDecision("refuse", (
        f"Another backup holds {lock_path}: {holder}, last heartbeat {age} s ago. This run changed nothing. If that "
        f"run is dead, its lock is taken over {stale_seconds - age} s from now (lock_stale_seconds={stale_seconds}), "
        f"or at once by a run from {facts.get('holder_controller_host') or 'its controller'} after its process ended."))

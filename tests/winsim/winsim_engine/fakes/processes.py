"""community.windows.win_wait_for_process over the host's simulated processes.

Processes come from ``alteryx.running_processes`` (workflows that end after a while, and the
processes of running services). Names are matched without their ``.exe`` suffix, as
``Get-Process`` reports them. ``state: present`` polls every ``sleep`` seconds until
``process_min_count`` match; ``state: absent`` waits for the matched processes to end.
Real time passes, but in steps of at most ``STEP`` seconds, and no wait (``timeout``,
``pre_wait_delay``, ``post_wait_delay``) lasts longer than ``MAX_WAIT`` seconds: a wait the
cap cuts short fails like a timeout. Not modelled: SID comparison of ``owner`` (compared as
case-insensitive names).
"""

from __future__ import annotations

import json
import re
import time
import zlib
from typing import Any

from .. import alteryx
from ..host import Host, WinError
from . import Context, Result, fake

STEP = 0.1
MAX_WAIT = 20.0


@fake("community.windows.win_wait_for_process")
def win_wait_for_process(host: Host, params: dict, ctx: Context) -> Result:
    exact, pattern, pid, owner = (params.get("process_name_exact"), params.get("process_name_pattern"),
                                  int(params.get("pid") or 0), params.get("owner"))
    for first, second in (("pid", "process_name_exact"), ("pid", "process_name_pattern"),
                          ("process_name_exact", "process_name_pattern")):
        if _given(params, first) and _given(params, second):
            raise WinError(f"parameters are mutually exclusive: {first}, {second}")
    if not (owner or pid or exact or pattern):
        raise WinError("one of the following is required: owner, pid, process_name_exact, process_name_pattern")
    state = params.get("state") or "present"
    sleep = float(params.get("sleep") or 1)
    timeout = float(params.get("timeout") if params.get("timeout") is not None else 300)
    warnings = []
    if state == "absent" and sleep != 1:
        warnings.append("Parameter 'sleep' has no effect when waiting for a process to stop.")
    if state == "absent" and int(params.get("process_min_count") or 1) != 1:
        warnings.append("Parameter 'process_min_count' has no effect when waiting for a process to stop.")

    def matching() -> list[dict[str, Any]]:
        return _filter(alteryx.running_processes(host), exact, pattern, pid, owner)

    start = time.monotonic()
    _sleep(float(params.get("pre_wait_delay") or 0))
    result: Result = {"changed": False, "elapsed": 0.0, "matched_processes": []}
    if warnings:
        result["warnings"] = warnings
    if state == "present":
        minimum = int(params.get("process_min_count") or 1)
        while True:
            result["matched_processes"] = matching()
            if len(result["matched_processes"]) >= minimum:
                break
            waited = time.monotonic() - start
            if waited > timeout or waited >= MAX_WAIT:
                return _timed_out(result, start, "Timed out while waiting for process(es) to start")
            _sleep(min(sleep, MAX_WAIT - waited))
    else:
        matched = matching()
        result["matched_processes"] = matched
        pids = {p["pid"] for p in matched}
        deadline = min(timeout, MAX_WAIT)
        while pids & {p["pid"] for p in matching()}:
            if time.monotonic() - start >= deadline:
                return _timed_out(result, start, "Timeout while waiting for process(es) to stop")
            _sleep(STEP)
    _sleep(float(params.get("post_wait_delay") or 0))
    result["elapsed"] = round(time.monotonic() - start, 7)
    return result


def _given(params: dict, name: str) -> bool:
    value = params.get(name)
    return bool(value) if name != "pid" else int(value or 0) != 0


def _filter(processes: list[dict[str, Any]], exact: list[str] | None, pattern: str | None, pid: int,
            owner: str | None) -> list[dict[str, Any]]:
    found = []
    for proc in processes:
        name = re.sub(r"\.exe$", "", str(proc["name"]), flags=re.IGNORECASE)
        # A record without a pid gets a stable one, so that it is recognised on every poll.
        proc_pid = int(proc.get("pid") or 4000 + zlib.crc32(json.dumps(proc, sort_keys=True).encode()) % 60000)
        proc_owner = proc.get("owner") or "NT AUTHORITY\\SYSTEM"
        if pattern and not re.search(pattern, name, re.IGNORECASE):
            continue
        if exact and name.lower() not in {e.lower() for e in exact}:
            continue
        if pid and pid != proc_pid:
            continue
        if owner and owner.lower() != proc_owner.lower():
            continue
        found.append({"name": name, "pid": proc_pid, "owner": proc_owner})
    return found


def _sleep(seconds: float) -> None:
    """Sleep in small steps, never longer than MAX_WAIT in total."""
    end = time.monotonic() + max(0.0, min(seconds, MAX_WAIT))
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(STEP, left))


def _timed_out(result: Result, start: float, message: str) -> Result:
    return {**result, "failed": True, "msg": message, "elapsed": round(time.monotonic() - start, 7)}

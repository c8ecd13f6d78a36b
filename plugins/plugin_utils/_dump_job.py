# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The handle of a dump window started without waiting for it (pure logic).

A dump step run with ``wait: false`` returns as soon as its host job runs, with a small ``job`` handle; a later
task (alteryx_dump_wait) waits for the job and shapes the step's result from it. Meanwhile no fork waits on the
host, so a fleet's dump windows run side by side whatever ``forks`` is. The handle holds what waiting and shaping
need, and nothing secret (it is a registered result, printed at -v): the host job's id and timing (_host.JOB_KEYS),
the dump method, the dump folder and the host whose job it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import LABELS
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import JOB_KEYS

SCRIPT = "alteryx_dump_window"
STEP = "dump window"
DUMP_KEYS = ("method", "dump_path", "host")
# How each key of a handle is read back (a handle passes through templating; numbers may come back as text).
_TYPES: dict[str, type] = {"ansible_job_id": str, "script": str, "step": str, "started": float, "timeout": int,
                           "poll_interval": float, "no_log": bool, "log_pending": int, "method": str,
                           "dump_path": str, "host": str, "msg": str}


def dump_job(host_job: Mapping[str, Any], *, method: str, dump_path: str, host: str) -> dict[str, Any]:
    """The handle of a started dump window: ``host_job`` (run_script(wait=False)'s JOB_KEYS) plus the dump's
    ``method``, ``dump_path`` and ``host`` (inventory name). Returned keys: JOB_KEYS, DUMP_KEYS, ``check_mode``."""
    return {**{key: host_job[key] for key in JOB_KEYS}, "method": method, "dump_path": dump_path, "host": host,
            "check_mode": False}


def check_mode_job(*, method: str, dump_path: str, host: str, message: str) -> dict[str, Any]:
    """The handle a dump step returns in check mode (no job ran): the step's check-mode sentence ``message``.
    Returned keys: DUMP_KEYS, ``msg``, ``check_mode`` (true)."""
    return {"method": method, "dump_path": dump_path, "host": host, "msg": message, "check_mode": True}


def read_job(job: Any, host: str) -> dict[str, Any]:
    """The handle ``job`` checked and typed for host ``host``; AlteryxStepError(validation) when it is not the
    ``job`` result of a dump step run with ``wait: false`` on that host.

    Returned keys: those of dump_job or check_mode_job, each of its documented type.
    """
    if not isinstance(job, Mapping) or not job:
        raise AlteryxStepError("job: expected the 'job' result of a dump step (alteryx_emongodump, alteryx_mongodump "
                               "or alteryx_sqlite_backup) run with wait: false, got "
                               f"{type(job).__name__ if job else 'nothing'}", "validation")
    check_mode = job.get("check_mode") is True
    wanted = DUMP_KEYS + (("msg",) if check_mode else JOB_KEYS)
    missing = [key for key in wanted if key not in job]
    if missing:
        raise AlteryxStepError(f"job: not the handle of a dump step run with wait: false (no {', '.join(missing)})",
                               "validation")
    typed: dict[str, Any] = {"check_mode": check_mode}
    for key in wanted:
        typed[key] = _typed(key, job[key])
    if typed["method"] not in LABELS:
        raise AlteryxStepError(f"job: unknown dump method {typed['method']!r}; expected one of {', '.join(LABELS)}",
                               "validation")
    if not check_mode and (typed["script"] != SCRIPT or typed["step"] != STEP):
        raise AlteryxStepError(f"job: the handle is of the {typed['step']} step, not of a dump window", "validation")
    if typed["host"] != host:
        raise AlteryxStepError(f"job: the handle is of the dump window of {typed['host']}, not of {host}; give each "
                               "host the result of its own start task", "validation")
    return typed


def _typed(key: str, value: Any) -> Any:
    kind = _TYPES[key]
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is str:
        if isinstance(value, str) and (value or key == "msg"):
            return value
    elif not isinstance(value, bool):
        try:
            return kind(value)
        except (TypeError, ValueError):
            pass
    raise AlteryxStepError(f"job: {key} must be a {'non-empty ' if kind is str else ''}{kind.__name__}, got "
                           f"{value!r}", "validation")

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one result-shaping path of the three persistence dumps (emongodump, mongodump, SQLite copy).

Each runs alteryx_dump_window.ps1 as one detached host job; this module turns the job's flat host facts
and the dump verdict (``_dump``) into the step's public result, which has the same keys for every method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._dump import judge_copy, judge_dump
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._service_states import normalize_state

# Options every dump step has (the window around the dump); each step adds its own.
WINDOW_SPEC: dict[str, dict[str, Any]] = {
    "dump_path": {"type": "str", "required": True},
    "service_name": {"type": "str", "default": "AlteryxService"},
    "max_workflow_wait": {"type": "int", "default": 3600},
    "force_stop_workflows": {"type": "bool", "default": False},
    "max_service_wait": {"type": "int", "default": 7200},
    "lock_path": {"type": "str", "default": ""},
    "run_id": {"type": "str", "default": ""},
    "window_path": {"type": "str", "default": ""},
    "timeout": {"type": "int", "default": 21600},
    "poll_interval": {"type": "float", "default": 60.0},
    "heartbeat_seconds": {"type": "int", "default": 30},
    # false: start the host job and return its handle (``job``); alteryx_dump_wait awaits it in a later task.
    "wait": {"type": "bool", "default": True},
}
# Each method's name in messages (emongodump / mongodump steps, alteryx_sqlite_backup's 'copy').
LABELS = {"emongodump": "emongodump", "mongodump": "mongodump", "copy": "SQLite copy"}
# The log the MongoDB dump tools leave in the dump folder (the SQLite copy leaves none).
DUMP_LOG = "mongoDump.log"
NO_DUMP_LOG_LABELS = ("SQLite copy",)
# Host text kept out of the public result (it may be long; the verdict quotes what matters).
HOST_TEXT = ("exe_stdout", "exe_stderr", "dump_log", "exe_exit_code", "method")
# What each method's parameters default to in the host call (the script ignores those of other methods).
# Password is not sent with the others: it travels as a sensitive parameter (a [SecureString]), and not at all
# when empty.
METHOD_DEFAULTS: dict[str, Any] = {
    "ExePath": "", "MongodumpPath": "", "Uri": "", "Username": "", "AuthDatabase": "admin", "Databases": [],
    "Password": "", "Gzip": False, "Oplog": False, "SourcePath": "",
}


def public_result(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The step's public result from the host's flat facts: states normalized, host text kept out.

    Returned keys: whatever the host sent except HOST_TEXT (dump_path, files, transitions, downtime_seconds,
    initial_state, final_state, workflows_*), with ``files`` and ``databases`` always present.
    """
    result = {k: v for k, v in raw.items() if k not in HOST_TEXT and not k.startswith("_")}
    for key in ("initial_state", "final_state"):
        if key in result:
            result[key] = normalize_state(result[key])
    result["transitions"] = [{**t, "state": normalize_state(t.get("state"))} for t in raw.get("transitions") or []]
    result.setdefault("files", [])
    result.setdefault("databases", [])
    return result


def judge_window(method: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The controller's verdict on the dump of a window that ran (``_dump.judge_dump`` / ``judge_copy`` keys):
    the MongoDB tools from their output and log (mongodump's exit code too), the SQLite copy from its files."""
    files = raw.get("files") or []
    if method == "copy":
        return judge_copy(files)
    if method == "mongodump":
        return judge_dump(raw["exe_stdout"], raw["exe_stderr"], raw["dump_log"], files, method="mongodump",
                          exit_code=raw["exe_exit_code"])
    return judge_dump(raw["exe_stdout"], raw["exe_stderr"], raw["dump_log"], files)


def would_message(service_name: str, stop_service: bool, action: str) -> str:
    """A dump step's sentence in check mode: ``Would stop AlteryxService, <action>, then start it again``."""
    stop = f"stop {service_name}, " if stop_service else ""
    return f"Would {stop}{action}" + (", then start it again" if stop_service else "")


def check_mode_result(dump_path: str, service_name: str, stop_service: bool, action: str) -> dict[str, Any]:
    """What a dump step says in check mode. Returned keys: the public result's, plus ``msg`` and ``log``."""
    return would_result(dump_path, would_message(service_name, stop_service, action))


def would_result(dump_path: str, message: str) -> dict[str, Any]:
    """A check-mode result saying ``message`` (see would_message): nothing dumped, nothing changed on the host.
    Returned keys: the public result's, plus ``msg`` and ``log``."""
    return {"changed": True, "dump_path": dump_path, "databases": [], "files": [], "transitions": [],
            "downtime_seconds": 0, "msg": message, "log": [entry("INFO", message)]}


def dump_log_path(dump_path: str) -> str:
    """The dump tool's log inside the dump folder: ``<dump_path>\\mongoDump.log``."""
    folder = dump_path.rstrip("\\")
    return f"{folder}\\{DUMP_LOG}"


def kept_log_path(run_log_path: str) -> str:
    """Where a failed dump's log is kept, beside the run's host log: ``<host log without .log>.mongoDump.log``.

    The dump folder lies inside the staging folder, which the failure cleanup removes; the host log folder stays.
    """
    base = run_log_path[:-4] if run_log_path.lower().endswith(".log") else run_log_path
    return f"{base}.{DUMP_LOG}"


def wants_kept_log(label: str, run_log_path: str) -> bool:
    """Whether a failed dump's log is copied out before cleanup: a MongoDB dump inside the backup role (which
    names a host log and removes the staging folder on failure). Outside the role nothing removes the dump folder."""
    return label not in NO_DUMP_LOG_LABELS and bool(run_log_path)


def evidence(label: str, dump_path: str, *, log_written: bool, kept: Mapping[str, Any] | None = None) -> str:
    """Where the evidence of a failed dump is, for its failure message ('' for a dump that writes no log).

    ``log_written``: the host saw the dump tool's log in the dump folder. ``kept``: the outcome of copying it
    out (None when not tried): ``path`` and ``kept`` (alteryx_keep_file's result), or ``error`` when the copy
    failed.
    """
    if label in NO_DUMP_LOG_LABELS:
        return ""
    source = dump_log_path(dump_path)
    if not log_written or (kept is not None and not kept.get("error") and not kept.get("kept")):
        return f"no {DUMP_LOG} was written in {dump_path}"
    if kept is None:
        return f"see {source}"
    if kept.get("error"):
        return f"{source} could not be kept ({kept['error']}); the failure cleanup removes it with the staging folder"
    return f"the dump's log is kept at {kept['path']}"


def finish(raw: Mapping[str, Any], verdict: Mapping[str, Any], *, label: str, dump_path: str,
           warnings: Sequence[str], changed: bool, kept: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The step's result for a window that ran; raises AlteryxStepError(mongodb) when the verdict is bad.

    ``label`` names the dump in messages (``emongodump``, ``mongodump``, ``SQLite copy``). ``kept`` is the outcome
    of keeping the dump's log after a bad verdict (see ``evidence``); the failure message says where the log is.
    Returned keys: the public result's, ``databases`` from the verdict, plus ``changed``, ``warnings`` and ``log``.
    """
    result = public_result(raw)
    result["databases"] = list(verdict["databases"])
    if not verdict["ok"]:
        where = evidence(label, dump_path, log_written=raw.get("dump_log") is not None, kept=kept)
        where = f"{where}; " if where else ""
        raise AlteryxStepError(f"{label} failed: {verdict['reason']} ({where}the service is {result['final_state']}).",
                               "mongodb", result)
    log = [entry("WARNING", w) for w in warnings]
    log += [entry("INFO", f"{t['service']} {t['state']} at {t['at_utc']}") for t in result["transitions"]]
    held = (f"{len(verdict['databases'])} database(s), {verdict['documents']} documents, "
            if verdict["databases"] else "")
    log.append(entry("SUCCESS", f"{label} wrote {held}{len(result['files'])} files; service down "
                                f"{result['downtime_seconds']:.1f} s"))
    return {"changed": changed, **result, "warnings": list(warnings), "log": log}


def failed_window(exc: AlteryxStepError, *, label: str = "", dump_path: str = "",
                  kept: Mapping[str, Any] | None = None) -> AlteryxStepError:
    """A failure of the host job itself, its partial result shaped like a success's (the same error, updated).

    ``kept``: the outcome of keeping the dump's log after the job failed in the dump (see ``evidence``); when
    given, the message also says where that log is."""
    if kept is not None:
        where = evidence(label, dump_path, log_written=True, kept=kept)
        if where:
            exc.msg = f"{exc.msg.rstrip().rstrip('.')} ({where})."
    exc.result = public_result(exc.result)
    exc.result["log"] = [entry("ERROR", exc.msg)]
    return exc

"""ansible.windows.win_eventlog and community.windows.win_eventlog_entry against the host's classic event logs.

Ported from the installed modules' PowerShell (``win_eventlog.ps1``, ``win_eventlog_entry.ps1``, both Legacy
``Parse-Args`` modules) and the .NET ``System.Diagnostics.EventLog`` rules under them:

* Log and source names compare case-insensitively; a source belongs to exactly one log (``SourceExists`` searches
  every log), and writing to a source registered under another log fails.
* Writing needs the source registered first: ``Source <name> does not exist``, as on Windows.
* ``SourceExists`` for a source that is not found throws a ``SecurityException`` when the caller is not an
  administrator (the Security log cannot be searched); ``New-EventLog`` needs administrator rights.
* ``Fail-Json`` ends the module with the result so far; a terminating error outside the module's ``try`` is the
  Legacy wrapper's ``Unhandled exception while executing module: ...``.
* ``Write-EventLog`` refuses messages over 32766 characters (.NET) and ReportEvent those over 31839.

The state lives under ``state["eventlogs"]`` ({log: {sources, entries, maximum_size_kb, overflow_action,
retention_days}}), seeded on first use with the logs every Windows Server has; every entry written is also
journalled as an ``eventlog_entry`` event. ``community.windows.win_eventlog`` redirects to the ansible.windows
module, so a task using either name arrives here as ``ansible.windows.win_eventlog``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ..host import Host, WinError
from . import Context, Result, fake

DEFAULT_LOGS: dict[str, list[str]] = {
    "Application": ["Application", "Application Error", "Application Hang", "MsiInstaller", "Windows Error Reporting"],
    "System": ["System", "EventLog", "Service Control Manager"],
    "Security": ["Security", "Microsoft-Windows-Security-Auditing"],
}
MAX_KEPT_ENTRIES = 1000  # OverwriteAsNeeded: the oldest entries make room (keeps state.json small)
NET_MESSAGE_MAX = 32766  # EventLogInternal.InternalWriteEvent
REPORT_EVENT_MAX = 31839  # ReportEvent's limit since Windows Vista
SECURITY_EXCEPTION = ("The source was not found, but some or all event logs could not be searched.  To create the "
                      "source, you need permission to read all event logs to make sure that the new source name is "
                      "unique.  Inaccessible logs: Security.")
REGISTRY_DENIED = "Requested registry access is not allowed."
_SIZE = re.compile(r"^\d+(\.\d+)?(KB|MB|GB)$", re.IGNORECASE)


class FailJson(Exception):
    """``Fail-Json -obj $result -message ...``: ends the module with the result as set so far."""


def _logs(state: dict[str, Any]) -> dict[str, Any]:
    if "eventlogs" not in state:
        state["eventlogs"] = {name: {"sources": {source: {} for source in sources}, "entries": [],
                                     "maximum_size_kb": 20480, "overflow_action": "OverwriteAsNeeded",
                                     "retention_days": 0} for name, sources in DEFAULT_LOGS.items()}
    return state["eventlogs"]


def _log_key(logs: dict[str, Any], name: str) -> str | None:
    return next((key for key in logs if key.lower() == name.lower()), None)


def _source_log(logs: dict[str, Any], source: str) -> str | None:
    """``LogNameFromSourceName``: the log holding ``source``, or None."""
    for log, record in logs.items():
        if any(known.lower() == source.lower() for known in record["sources"]):
            return log
    return None


def _source_exists(state: dict[str, Any], source: str) -> bool:
    """``[System.Diagnostics.EventLog]::SourceExists``: not found by a non-administrator throws."""
    found = _source_log(_logs(state), source) is not None
    if not found and not state.get("admin", True):
        raise WinError(SECURITY_EXCEPTION)
    return found


def _details(logs: dict[str, Any], name: str) -> dict[str, Any]:
    """``Get-EventLogDetail``."""
    key = _log_key(logs, name)
    if key is None:
        return {"name": name, "exists": False}
    record = logs[key]
    return {"name": name, "exists": True, "maximum_size_kb": record["maximum_size_kb"],
            "overflow_action": record["overflow_action"], "retention_days": record["retention_days"],
            "entries": len(record["entries"]), "sources": dict(record["sources"])}


def _maximum_size_kb(size: str) -> int:
    """``ConvertTo-MaximumSize``."""
    if not _SIZE.match(size):
        raise FailJson(f"Maximum size {size} is not properly specified")
    number = float(size[:-2])
    factor = {"GB": 1024 ** 3, "MB": 1024 ** 2, "KB": 1024}[size[-2:].upper()]
    size_bytes = number * factor
    if size_bytes < 64 * 1024 or size_bytes >= 4 * 1024 ** 3:
        raise FailJson("Maximum size must be between 64KB and 4GB")
    if size_bytes % (64 * 1024):
        raise FailJson("Maximum size must be divisible by 64KB")
    return int(size_bytes // 1024)


def _files(params: dict[str, Any]) -> dict[str, str]:
    return {key: params[key] for key in ("category_file", "message_file", "parameter_file") if params.get(key)}


def _new_event_log(state: dict[str, Any], log: str, source: str, files: dict[str, str]) -> None:
    """``New-EventLog``: registers the source, creating the log (with a source of its own name) if needed."""
    if not state.get("admin", True):
        raise WinError(REGISTRY_DENIED)
    logs = _logs(state)
    key = _log_key(logs, log)
    if key is None:
        logs[log] = {"sources": {log: {}}, "entries": [], "maximum_size_kb": 512,
                     "overflow_action": "OverwriteOlder", "retention_days": 7}
        key = log
    logs[key]["sources"][source] = dict(files)


def _remove_source(state: dict[str, Any], source: str) -> None:
    if not state.get("admin", True):
        raise WinError(REGISTRY_DENIED)
    for record in _logs(state).values():
        for known in [name for name in record["sources"] if name.lower() == source.lower()]:
            del record["sources"][known]


def _test_source(state: dict[str, Any], log: str, source: str, *, no_log_should_exist: bool, verb: str) -> bool:
    """``Test-SourceExistence`` of either module (``verb``: modified or written to)."""
    exists = _source_exists(state, source)
    if exists and no_log_should_exist:
        raise FailJson(f"Source {source} already exists and cannot be created")
    if exists and (_source_log(_logs(state), source) or "").lower() != log.lower():
        raise FailJson(f"Source {source} does not belong to log {log} and cannot be {verb}")
    return exists


def _present(state: dict[str, Any], params: dict[str, Any], before: dict[str, Any], result: Result,
             check: bool) -> None:
    name = params["name"]
    files = _files(params)
    for source in params.get("sources") or []:
        exists = _test_source(state, name, source, no_log_should_exist=not before["exists"], verb="modified")
        if exists:
            current = before["sources"].get(_source_name(before["sources"], source), {})
            if not any(current.get(key) != value for key, value in files.items()):
                continue
            if not check:  # Remove-EventLog -Source -WhatIf:$check_mode
                _remove_source(state, source)
        if not check:
            _new_event_log(state, name, source, files)
            result["sources_changed"].append(source)
        result["changed"] = True
    size_kb = _maximum_size_kb(params["maximum_size"]) if params.get("maximum_size") else None
    key = _log_key(_logs(state), name)
    changes = {"maximum_size_kb": size_kb, "overflow_action": params.get("overflow_action"),
               "retention_days": params.get("retention_days") or None}
    wanted = {field: value for field, value in changes.items() if value is not None and before.get(field) != value}
    if wanted:
        if key is None:  # Limit-EventLog on a log that only check mode pretended to create
            if not check:
                raise WinError(f"The Log name \"{name}\" does not exist in the computer \"localhost\".")
        elif not check:
            _logs(state)[key].update(wanted)
        result["changed"] = True


def _source_name(sources: dict[str, Any], source: str) -> str:
    return next((known for known in sources if known.lower() == source.lower()), source)


def _win_eventlog(state: dict[str, Any], params: dict[str, Any], result: Result, check: bool) -> dict[str, Any]:
    """The body of win_eventlog.ps1 after Parse-Args; returns the final ``Get-EventLogDetail``."""
    name, wanted, sources = params["name"], params.get("state") or "present", params.get("sources") or []
    before = _details(_logs(state), name)
    if wanted == "present" and not before["exists"] and not sources:
        raise FailJson("You must specify one or more sources when creating a log for the first time")
    if wanted == "present" and before["exists"] and name in sources and _files(params):
        raise FailJson(f"Cannot modify default source {name} of log {name} - you must remove the log")
    if wanted == "clear" and not before["exists"]:
        raise FailJson(f"Cannot clear log {name} as it does not exist")
    if wanted == "absent" and name in sources:
        raise FailJson(f"Cannot remove default source {name} from log {name} - you must remove the log")
    try:
        if wanted == "present":
            _present(state, params, before, result, check)
        elif wanted == "clear" and before["entries"] > 0:
            if not check:
                _logs(state)[_log_key(_logs(state), name)]["entries"] = []
            result["changed"] = True
        elif wanted == "absent":
            _absent(state, name, sources, before, result, check)
    except WinError as exc:  # catch { Fail-Json -obj $result -message $_.Exception.Message }
        raise FailJson(str(exc)) from None
    return _details(_logs(state), name)


@fake("ansible.windows.win_eventlog")
def win_eventlog(host: Host, params: dict, ctx: Context) -> Result:
    name, wanted = params["name"], params.get("state") or "present"
    result: Result = {"changed": False, "name": name, "sources_changed": []}
    if not name:
        return {**result, "failed": True, "msg": "Get-AnsibleParam: Missing required argument: name"}
    with host.locked_state() as state:
        # Caught inside the lock: what the module changed before Fail-Json stays changed, as on Windows.
        try:
            after = _win_eventlog(state, params, result, ctx.check_mode)
        except FailJson as exc:
            failure = str(exc)
        else:
            failure = ""
    for source in result["sources_changed"]:
        host.event("eventlog_source", log=name, source=source, state=wanted)
    if failure:
        return {**result, "failed": True, "msg": failure}
    result.update(after)
    if "sources" in result:
        result["sources"] = sorted(result["sources"], key=str.lower)  # Get-ChildItem of the registry key
    return result


def _absent(state: dict[str, Any], name: str, sources: list[str], before: dict[str, Any], result: Result,
            check: bool) -> None:
    if sources and before["exists"]:
        for source in sources:
            if _test_source(state, name, source, no_log_should_exist=False, verb="modified"):
                if not check:
                    _remove_source(state, source)
                    result["sources_changed"].append(source)
                result["changed"] = True
    elif before["exists"]:
        if not check:
            if not state.get("admin", True):
                raise WinError(REGISTRY_DENIED)
            del _logs(state)[_log_key(_logs(state), name)]
            result["sources_changed"] += list(before["sources"])
        result["changed"] = True


def _raw_bytes(raw: str) -> list[int]:
    """``[Byte[]]($raw_data -split ",")``."""
    values = []
    for part in raw.split(","):
        try:
            value = int(part.strip())
        except ValueError:
            raise WinError(f"Cannot convert value \"{part}\" to type \"System.Byte\". Error: \"Input string was not "
                           "in a correct format.\"") from None
        if not 0 <= value <= 255:
            raise WinError(f"Cannot convert value \"{part}\" to type \"System.Byte\". Error: \"Value was either too "
                           "large or too small for an unsigned byte.\"")
        values.append(value)
    return values


def _write_event_log(state: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """``Write-EventLog @write_params`` (EventLog.WriteEntry under it)."""
    category = params.get("category")
    if category and not -32768 <= category <= 32767:
        raise WinError(f"Cannot bind parameter 'Category'. Cannot convert value \"{category}\" to type "
                       "\"System.Int16\". Error: \"Value was either too large or too small for an Int16.\"")
    raw = _raw_bytes(params["raw_data"]) if params.get("raw_data") else []
    message = params["message"]
    if len(message) > NET_MESSAGE_MAX:
        raise WinError(f"Log entry string is too long. A string written to the event log cannot exceed "
                       f"{NET_MESSAGE_MAX} characters.")
    if len(message) > REPORT_EVENT_MAX:
        raise WinError("The parameter is incorrect")
    record = _logs(state)[_log_key(_logs(state), params["log"])]
    entry = {"index": (record["entries"][-1]["index"] + 1) if record["entries"] else 1,
             "time_generated": datetime.now(UTC).isoformat(timespec="seconds"),
             "source": _source_name(record["sources"], params["source"]), "event_id": params["event_id"],
             "entry_type": params.get("entry_type") or "Information", "category": category or 0,
             "message": message, "raw_data": raw}
    record["entries"] = (record["entries"] + [entry])[-MAX_KEPT_ENTRIES:]
    return entry


@fake("community.windows.win_eventlog_entry")
def win_eventlog_entry(host: Host, params: dict, ctx: Context) -> Result:
    result: Result = {"changed": False}
    log, source = params["log"], params["source"]
    written = None
    try:
        for option in ("log", "source", "message"):
            if params.get(option) in (None, ""):  # Get-AnsibleParam -failifempty $true
                raise FailJson(f"Get-AnsibleParam: Missing required argument: {option}")
        with host.locked_state() as state:
            if _log_key(_logs(state), log) is None:
                raise FailJson(f"Log {log} does not exist and cannot be written to")
            try:
                exists = _test_source(state, log, source, no_log_should_exist=False, verb="written to")
            except WinError as exc:  # outside the module's try: the Legacy wrapper reports it
                raise FailJson(f"Unhandled exception while executing module: {exc}") from None
            if not exists:
                raise FailJson(f"Source {source} does not exist")
            if not 0 <= params["event_id"] <= 65535:
                raise FailJson("Event ID must be between 0 and 65535")
            try:
                if not ctx.check_mode:
                    written = _write_event_log(state, params)
                result["changed"] = True
                result["msg"] = f"Entry added to log {log} from source {source}"
            except WinError as exc:
                raise FailJson(str(exc)) from None
    except FailJson as exc:
        return {**result, "failed": True, "msg": str(exc)}
    if written:
        host.event("eventlog_entry", log=log, **{k: written[k] for k in ("source", "event_id", "entry_type",
                                                                         "category", "message", "index")})
    return result

"""The Alteryx Server model of a simulated host: services, workflows, AlteryxService.exe and its data.

Timings are real seconds (small by default) so that async polling and crash tests behave
like a slow host; every transition is journalled as a host event.

Services follow the Service Control Manager's rules as ``ServiceController`` reports them
(``start_service``, ``stop_service``, ``service_status``, ``wait_for_status``); processes can be
killed by pid (``stop_process``, Stop-Process); ``run_service_exe`` returns AlteryxService.exe's
stdout and stderr apart. ``set_service_state`` (start or stop and wait, for tests and test-only
twins) and ``service_exe`` (stdout only, for the win_command fake) are built on them.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple

import bson
from bson import json_util

from . import emongo_data
from .host import DiskFullError, Host, WinError

SERVICE = "AlteryxService"
ENGINE_PROCESS = "AlteryxEngineCmd.exe"
DATABASES = {
    "AlteryxGallery": ["users", "appInfos", "collections", "subscriptions", "auditEvents"],
    "AlteryxService": ["AS_Applications", "AS_Queue", "AS_Results", "AS_Schedules"],
    "AlteryxGallery_Lucene": ["LuceneIndexes"],
}


# ---------------------------------------------------------------- services
# The Service Control Manager as System.ServiceProcess.ServiceController (.NET Framework 4.x, the
# runtime of Windows PowerShell 5.1) sees it. A service record in state.json holds ``state`` and, while
# a transition is under way, ``pending_result`` (the state it will settle in) and ``pending_until``
# (epoch seconds; None = never, a hung service). Reading the status settles a transition whose time
# has come, so a pending state outlives the wait of whoever started it, across module calls and
# processes, exactly as on Windows. Record options: ``start_delay`` / ``stop_delay`` (seconds),
# ``hang_start`` / ``hang_stop`` (stay pending forever), ``crash_on_start`` (true: every start falls
# back to Stopped after the delay; an integer N: the next N starts do, later ones succeed).
STATUSES = ("running", "stopped", "start_pending", "stop_pending", "paused")
PENDING = ("start_pending", "stop_pending")
POLL_INTERVAL = 0.25  # ServiceController.WaitForStatus polls every 250 ms (_waitForStatusSignal.WaitOne(250))
MACHINE = "."  # ServiceController's default machine name, as it appears in its messages

# Win32 errors behind the InvalidOperationException (FormatMessage text).
ERROR_SERVICE_ALREADY_RUNNING = 1056
ERROR_SERVICE_CANNOT_ACCEPT_CTRL = 1061
ERROR_SERVICE_NOT_ACTIVE = 1062
ERROR_SERVICE_DOES_NOT_EXIST = 1060
WIN32_MESSAGES = {
    ERROR_SERVICE_ALREADY_RUNNING: "An instance of the service is already running.",
    ERROR_SERVICE_CANNOT_ACCEPT_CTRL: "The service cannot accept control messages at this time.",
    ERROR_SERVICE_NOT_ACTIVE: "The service has not been started.",
    ERROR_SERVICE_DOES_NOT_EXIST: "The specified service does not exist as an installed service.",
}


class ServiceOperationError(WinError):
    """``System.InvalidOperationException`` thrown by ``ServiceController.Start()`` / ``Stop()``.

    ``str(exc)`` is the exception's Message (what ``$_.Exception.Message`` shows);
    ``native_error_code`` and ``inner_message`` are its inner ``Win32Exception``.
    """

    def __init__(self, message: str, native_error_code: int) -> None:
        super().__init__(message)
        self.native_error_code = native_error_code
        self.inner_message = WIN32_MESSAGES.get(native_error_code, "")


class ServiceTimeout(WinError):
    """``System.ServiceProcess.TimeoutException`` thrown by ``ServiceController.WaitForStatus``."""

    MESSAGE = "Time out has expired and the operation has not been completed."

    def __init__(self, name: str, target: str, status: str) -> None:
        super().__init__(self.MESSAGE)
        self.service = name
        self.target = target
        self.status = status


def service(host: Host, name: str = SERVICE) -> dict[str, Any]:
    """Return a copy of a service's record, its ``state`` settled to now (raises WinError when it does not exist)."""
    with host.locked_state() as state:
        events = _settle_all(state)
        found = _find_service(state, name)
        record = {"name": found[0], **_copy(found[1])} if found else None
    _journal(host, events)
    if record is None:
        raise WinError(f"Cannot find any service with service name '{name}'.")
    return record


def service_status(host: Host, name: str = SERVICE) -> str:
    """``ServiceController.Status`` after ``Refresh()``: one of ``STATUSES``, pending transitions settled to now.

    A missing service raises ServiceOperationError ``Service <name> was not found on computer '.'.``
    """
    with host.locked_state() as state:
        events = _settle_all(state)
        found = _find_service(state, name)
        status = found[1]["state"] if found else None
    _journal(host, events)
    if status is None:
        raise _not_found(name)
    return status


def start_service(host: Host, name: str = SERVICE) -> None:
    """``ServiceController.Start()``: ask the SCM to start a Stopped service and return at once.

    Only a Stopped service can be started; from any other status StartService fails with
    ERROR_SERVICE_ALREADY_RUNNING and .NET throws InvalidOperationException
    ``Cannot start service <name> on computer '.'.`` (the .NET Framework text, ``SR.CannotStart``; .NET
    Core quotes the name). The service becomes ``start_pending``; it settles to ``running`` after its
    ``start_delay``, never with ``hang_start``, or back to ``stopped`` after the delay with
    ``crash_on_start`` (a service that dies while starting: the SCM reports Stopped, not an error).
    """
    error: WinError | None = None
    with host.locked_state() as state:
        events = _settle_all(state)
        found = _find_service(state, name)
        if not found:
            error = _not_found(name)
        elif found[1]["state"] != "stopped":
            error = ServiceOperationError(f"Cannot start service {found[0]} on computer '{MACHINE}'.",
                                          ERROR_SERVICE_ALREADY_RUNNING)
        else:
            events += _begin(found[0], found[1], "running", time.time())
    _journal(host, events)
    if error:
        raise error


def stop_service(host: Host, name: str = SERVICE) -> None:
    """``ServiceController.Stop()``: send the stop control to a Running or Paused service and return at once.

    From any other status ControlService fails (Stopped: ERROR_SERVICE_NOT_ACTIVE; a pending state:
    ERROR_SERVICE_CANNOT_ACCEPT_CTRL) and .NET throws InvalidOperationException
    ``Cannot stop <name> service on computer '.'.`` (.NET Framework ``SR.StopService``). The service
    becomes ``stop_pending`` and settles to ``stopped`` after its ``stop_delay``, never with ``hang_stop``.
    """
    error: WinError | None = None
    with host.locked_state() as state:
        events = _settle_all(state)
        found = _find_service(state, name)
        if not found:
            error = _not_found(name)
        elif found[1]["state"] not in ("running", "paused"):
            code = ERROR_SERVICE_NOT_ACTIVE if found[1]["state"] == "stopped" else ERROR_SERVICE_CANNOT_ACCEPT_CTRL
            error = ServiceOperationError(f"Cannot stop {found[0]} service on computer '{MACHINE}'.", code)
        else:
            events += _begin(found[0], found[1], "stopped", time.time())
    _journal(host, events)
    if error:
        raise error


def wait_for_status(host: Host, name: str, target: str, timeout_s: float | None) -> None:
    """``ServiceController.WaitForStatus(target, timeout)``: poll every 250 ms until the status is ``target``.

    Ported from .NET: refresh, and while the status differs, throw when more than ``timeout_s`` has
    elapsed, else sleep 250 ms and refresh. It raises ServiceTimeout (``Time out has expired and the
    operation has not been completed.``, the .NET Framework text of
    ``System.ServiceProcess.TimeoutException``) and never returns early: a service that crashed back
    to Stopped while the caller waits for Running costs the full timeout. ``timeout_s=None`` is the
    overload without a timeout, which waits forever.
    """
    if target not in STATUSES:
        raise ValueError(f"unknown service status {target!r}; expected one of {', '.join(STATUSES)}")
    started = time.monotonic()
    while (status := service_status(host, name)) != target:
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            raise ServiceTimeout(name, target, status)
        time.sleep(POLL_INTERVAL)


def set_service_state(host: Host, name: str, target: str, timeout: float | None = None) -> dict[str, Any]:
    """Move a service to ``running`` or ``stopped`` and wait for it (the lenient helper of the first twins).

    Unlike ``start_service`` / ``stop_service`` it does not apply the SCM's rules: from any other
    state it begins the transition to ``target`` (a pending state included). It waits with
    ``wait_for_status``; a hung transition gives up after at most 5 s, and raises WinError
    ``Service '<name>' did not reach state <target> within <n> seconds (it is <pending>)``; a slower
    one raises ``... within <timeout> seconds`` after ``timeout``. The pending state stays behind and
    settles later, as on Windows.
    """
    key = service(host, name)["name"]
    with host.locked_state() as state:
        events = _settle_all(state)
        record = state["services"][key]
        arrived = record["state"] == target
        # A transition already on its way to ``target`` (asked before) is waited for, not restarted.
        if not arrived and not (record["state"] in PENDING and record.get("pending_result") == target):
            events += _begin(key, record, target, time.time())
        hangs = record.get("pending_until") is None
        delay = float(record.get("stop_delay" if target == "stopped" else "start_delay", 0.1))
        pending = record["state"]
    _journal(host, events)
    if arrived:
        return service(host, key)
    if hangs:
        wait = float(timeout if timeout is not None else 30)
        limit = min(wait, 5.0)  # a hang is proven after a few seconds; nobody should sleep the full wait
        message = f"Service '{key}' did not reach state {target} within {wait:g} seconds (it is {pending})"
    elif timeout is not None:
        limit = float(timeout)
        message = f"Service '{key}' did not reach state {target} within {timeout:g} seconds"
    else:
        limit = delay + 30.0  # bounded, so that a crash_on_start service cannot block a caller forever
        message = f"Service '{key}' did not reach state {target} within {limit:g} seconds"
    try:
        wait_for_status(host, key, target, limit)
    except ServiceTimeout as exc:
        raise WinError(message) from exc
    return service(host, key)


def _begin(key: str, record: dict[str, Any], target: str, now: float) -> list[tuple[str, dict[str, Any]]]:
    """Put ``record`` into the pending state towards ``target``; returns the event to journal."""
    fields: dict[str, Any] = {}
    if target == "stopped":
        pending, delay, hangs, result = "stop_pending", record.get("stop_delay", 0.1), record.get("hang_stop"), target
    else:
        pending, delay, hangs, result = "start_pending", record.get("start_delay", 0.1), record.get("hang_start"), target
        record.pop("killed_pids", None)  # a fresh start brings up fresh service processes
        crashes = record.get("crash_on_start")
        if target == "running" and crashes:
            result = "stopped"
            fields["will_crash"] = True
            if not isinstance(crashes, bool):
                record["crash_on_start"] = int(crashes) - 1
    record["state"] = pending
    record["pending_result"] = result
    record["pending_until"] = None if hangs else now + float(delay)
    return [(f"service_{pending}", {"service": key, "t": round(now, 4), **fields})]


def _settle_all(state: dict[str, Any], now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Settle every transition whose time has come; returns the events to journal."""
    now = time.time() if now is None else now
    events = []
    for key, record in state.get("services", {}).items():
        until = record.get("pending_until")
        if record.get("state") in PENDING and until is not None and now >= float(until):
            result = record.get("pending_result") or ("running" if record["state"] == "start_pending" else "stopped")
            fields: dict[str, Any] = {"service": key, "t": round(float(until), 4)}
            if record["state"] == "start_pending" and result == "stopped":
                fields["cause"] = "crashed while starting"
            record["state"] = result
            record.pop("pending_result", None)
            record.pop("pending_until", None)
            events.append((f"service_{result}", fields))
    return events


def _journal(host: Host, events: list[tuple[str, dict[str, Any]]]) -> None:
    # Journalled after the state lock is released; a settled transition carries the time it
    # happened ("t"), which can be earlier than the moment somebody looked.
    for name, fields in events:
        host.event(name, **fields)


def _find_service(state: dict[str, Any], name: str) -> tuple[str, dict[str, Any]] | None:
    for key, record in state.get("services", {}).items():
        if key.lower() == name.lower():
            return key, record
    return None


def _not_found(name: str) -> ServiceOperationError:
    return ServiceOperationError(f"Service {name} was not found on computer '{MACHINE}'.", ERROR_SERVICE_DOES_NOT_EXIST)


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON-shaped value (records leave the lock as copies)."""
    return json.loads(json.dumps(value))


# --------------------------------------------------------------- processes
SERVICE_PIDS = {"AlteryxService.exe": 1100, "AlteryxServerHost.exe": 1200, "mongod.exe": 1300}
FIRST_WORKFLOW_PID = 5000


def running_processes(host: Host, name: str | None = None) -> list[dict[str, Any]]:
    """Processes alive now (``Get-Process``); every record has a ``pid`` unique among them.

    Workflows (``state.processes``) live until their ``ends_at``; a record without a pid, or with
    one another live process holds, is given a fresh pid once and keeps it (persisted). The service
    contributes ``AlteryxService.exe`` whenever it is not Stopped, and, while it runs or is stopping,
    ``AlteryxServerHost.exe`` (UI role) and ``mongod.exe`` (embedded MongoDB) -- minus any killed
    with ``stop_process`` since the service last started.
    """
    now = time.time()
    with host.locked_state() as state:
        events = _settle_all(state, now)
        taken = set(SERVICE_PIDS.values())
        next_pid = max([FIRST_WORKFLOW_PID] + [int(p.get("pid") or 0) + 4 for p in state.get("processes", [])])
        procs = []
        for proc in state.get("processes", []):
            if float(proc.get("ends_at", now + 1)) <= now:
                continue
            if not proc.get("pid") or int(proc["pid"]) in taken:
                proc["pid"], next_pid = next_pid, next_pid + 4  # Windows pids are multiples of 4
            taken.add(int(proc["pid"]))
            procs.append(_copy(proc))
        procs.extend(_service_processes(state))
    _journal(host, events)
    if name:
        procs = [p for p in procs if p["name"].lower() == name.lower()]
    return procs


def _service_processes(state: dict[str, Any]) -> list[dict[str, Any]]:
    alteryx = state["services"].get(SERVICE, {})
    status = alteryx.get("state", "stopped")
    killed = set(alteryx.get("killed_pids", []))
    names = []
    if status != "stopped":
        names.append("AlteryxService.exe")
    if status in ("running", "stop_pending", "paused"):
        if state.get("roles", {}).get("ui"):
            names.append("AlteryxServerHost.exe")
        if state.get("mongo", {}).get("type") == "embedded":
            names.append("mongod.exe")
    return [{"name": n, "pid": SERVICE_PIDS[n], "owner": "NT AUTHORITY\\SYSTEM"} for n in names
            if SERVICE_PIDS[n] not in killed]


def stop_process(host: Host, pid: int, error_action: str = "Stop") -> bool:
    """``Stop-Process -Id <pid> -Force [-ErrorAction <error_action>]``; True when a process was killed.

    The pid is looked up when the cmdlet runs, so a workflow listed a moment ago that has since
    reached its ``ends_at`` is gone: ``Cannot find a process with the process identifier <pid>.``
    (``ProcessResources.NoProcessFoundForGivenId``) is raised unless ``error_action`` is
    ``SilentlyContinue`` or ``Ignore``. (``Continue`` would write a non-terminating error; winsim has
    no error stream, so it raises like ``Stop`` -- the harsher case.) Killing ``AlteryxService.exe``
    kills the service: the SCM then reports it Stopped.
    """
    action = error_action.replace(" ", "").lower()
    if action not in ("stop", "continue", "silentlycontinue", "ignore", "inquire"):
        raise ValueError(f"unknown -ErrorAction {error_action!r}")
    now = time.time()
    victim: dict[str, Any] | None = None
    events: list[tuple[str, dict[str, Any]]] = []
    with host.locked_state() as state:
        events += _settle_all(state, now)
        for proc in state.get("processes", []):
            if int(proc.get("pid") or 0) == int(pid) and float(proc.get("ends_at", now + 1)) > now:
                proc["ends_at"] = now
                proc["killed"] = True
                victim = _copy(proc)
                break
        else:
            for proc in _service_processes(state):
                if proc["pid"] == int(pid):
                    victim = proc
                    record = state["services"][SERVICE]
                    if proc["name"] == "AlteryxService.exe":
                        record.update(state="stopped")
                        record.pop("pending_result", None)
                        record.pop("pending_until", None)
                        record.pop("killed_pids", None)
                        events.append(("service_stopped", {"service": SERVICE, "cause": "process killed"}))
                    else:
                        record["killed_pids"] = sorted(set(record.get("killed_pids", [])) | {proc["pid"]})
                    break
    _journal(host, events)
    if victim is None:
        if action in ("silentlycontinue", "ignore"):
            return False
        raise WinError(f"Cannot find a process with the process identifier {pid}.")
    host.event("process_stopped", process=victim["name"], pid=int(pid))
    return True


def files_in_use(host: Host) -> set[str]:
    """Lower-cased Windows paths the service holds open without sharing (FileShare.None).

    A Scheduler-only controller keeps its SQLite databases (``state.persistence.open_files``) open for as long as
    its process lives, that is whenever the service is not Stopped; reading one then fails on Windows with "The
    process cannot access the file ... because it is being used by another process."
    """
    persistence = host.state().get("persistence") or {}
    if persistence.get("type") != "sqlite" or service_status(host) == "stopped":
        return set()
    return {str(path).lower() for path in persistence.get("open_files") or []}


# ------------------------------------------------------ AlteryxService.exe
class ExeResult(NamedTuple):
    """What a native command hands back: exit code and the text of its two output streams."""

    rc: int
    stdout: str
    stderr: str


def run_service_exe(host: Host, argument: str) -> ExeResult:
    """Run ``AlteryxService.exe <argument>``: exit code, stdout and stderr as the real binary writes them.

    The exit code is as unreliable as the real one: failures of emongodump still return 0. Streams:
    - stdout carries the verb's own lines: values (``getversion``, ``getserversecret``,
      ``getemongopassword``), confirmations, and emongodump's summary (``Starting embedded MongoDB
      dump to <dir>``, ``EMongoDump completed.``, ``EMongoDump failed: ...``, ``Mongodump failed: N``).
    - stderr carries the log of the mongodump / mongorestore tools it runs: mongodump writes every log
      line (``<time>\\twriting db.coll to ...``, ``<time>\\tdone dumping db.coll (N documents)``,
      ``<time>\\tFailed: ...``) to stderr and keeps stdout for data (``--out -``), and the service
      passes their streams through. So a script that runs it under ``$ErrorActionPreference = 'Stop'``
      with ``2>&1`` gets a terminating NativeCommandError in Windows PowerShell 5.1 on the first log
      line of a perfectly good dump.
    ``mongoDump.log`` in the dump folder (and ``mongoRestore.log`` in the source folder) still holds the
    tool's log, as before.
    """
    verb, _, value = argument.partition("=")
    verb = verb.strip().lower()
    state = host.state()
    host.event("alteryxservice_exe", verb=verb)
    if not state.get("admin", True):
        return ExeResult(1, "Error: this command requires administrator privileges.", "")
    if verb == "getversion":
        return ExeResult(0, state["version"], "")
    if verb == "getserversecret":
        return ExeResult(0, state["secrets"]["server_secret"], "")
    if verb == "setserversecret":
        # The real command rewrites RuntimeSettings.xml, which a running service holds and writes back itself: the
        # harsher case is modelled - refused unless stopped, with exit code 0 (the code is not to be trusted).
        if service_status(host) != "stopped":
            return ExeResult(0, "Error: setserversecret requires AlteryxService to be stopped.", "")
        with host.locked_state() as st:
            st["secrets"]["server_secret"] = value
        return ExeResult(0, "Server secret set.", "")
    if verb == "getemongopassword":
        secrets = state["secrets"]
        return ExeResult(0, f"Non-Admin: {secrets['emongo_password']}\nAdmin: {secrets['emongo_admin_password']}", "")
    if verb == "start":
        set_service_state(host, SERVICE, "running")
        return ExeResult(0, "AlteryxService started.", "")
    if verb == "stop":
        set_service_state(host, SERVICE, "stopped")
        return ExeResult(0, "AlteryxService stopped.", "")
    if verb == "emongodump":
        return _emongodump(host, value)
    if verb == "emongorestore":
        return _emongorestore(host, value)
    return ExeResult(1, f"Unknown command: {argument}", "")


def run_native(host: Host, file_path: str, command_line: str) -> ExeResult:
    """Start the program at ``file_path`` with ``command_line`` (its arguments, as ProcessStartInfo.Arguments).

    Dispatches on the image name, as the programs this simulated host has: ``AlteryxService.exe`` (its one
    argument, looked up through the module so that an async job's native-child wrapper applies) and
    ``mongodump.exe`` / ``mongorestore.exe`` (``winsim_engine.mongodump`` / ``.mongorestore``, which see the
    command line Windows records:
    ``"<file_path>" <arguments>``). Any other program raises WinError: winsim has no model of it.
    """
    from . import mongodump, mongorestore
    from .fakes.commands import split_command_line

    image = file_path.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    if image == "alteryxservice.exe":
        return run_service_exe(host, " ".join(split_command_line(command_line)))
    if image == mongodump.IMAGE:
        return mongodump.run(host, f'"{file_path}" {command_line}'.rstrip())
    if image == mongorestore.IMAGE:
        return mongorestore.run(host, f'"{file_path}" {command_line}'.rstrip())
    raise WinError(f"winsim has no model of the program {file_path}")


def service_exe(host: Host, argument: str) -> tuple[int, str]:
    """Run ``AlteryxService.exe <argument>``; returns (exit code, stdout) -- stderr is dropped (see run_service_exe)."""
    result = run_service_exe(host, argument)
    return result.rc, result.stdout


def _emongodump(host: Host, target: str) -> ExeResult:
    state = host.state()
    if state.get("mongo", {}).get("type") != "embedded":
        return ExeResult(0, "EMongoDump failed: embedded MongoDB is not enabled on this node.", "")
    if service_status(host) != "stopped":
        return ExeResult(0, ("EMongoDump failed: unable to start embedded MongoDB; the data folder is locked by "
                             "another mongod (stop AlteryxService first)."), "")
    try:
        folder = host.local_path(target)
    except WinError as exc:
        return ExeResult(0, f"Mongodump failed: 1 ({exc})",
                         f"{_stamp()}\tFailed: error creating directory for {target}: {exc}\n")
    if not folder.parent.is_dir():
        return ExeResult(0, f"Mongodump failed: 1 (cannot create directory {target})",
                         f"{_stamp()}\tFailed: error creating directory for {target}: mkdir {target}: "
                         "The system cannot find the path specified.\n")
    folder.mkdir(exist_ok=True)
    log_lines: list[str] = []
    time.sleep(float(state["mongo"].get("dump_seconds", 0.2)))
    try:
        # What the embedded MongoDB holds now: its live data folder's content (see emongo_data).
        for database, collections in emongo_data.live_content(host).items():
            for collection, docs in collections.items():
                log_lines.append(f"{_stamp()}\twriting {database}.{collection} to {target}\\{database}\\{collection}.bson")
                data = b"".join(bson.encode(doc) for doc in docs)
                host.write_bytes(folder / database / f"{collection}.bson", data)
                metadata = json_util.dumps({"indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"}],
                                                 "uuid": f"{abs(hash((database, collection))):032x}",
                                                 "collectionName": collection})
                host.write_bytes(folder / database / f"{collection}.metadata.json", metadata.encode())
                log_lines.append(f"{_stamp()}\tdone dumping {database}.{collection} ({len(docs)} documents)")
    except DiskFullError as exc:
        log_lines.append(f"{_stamp()}\tFailed: error writing data: {exc}")
        log = "\n".join(log_lines) + "\n"
        (folder / "mongoDump.log").write_text(log)
        host.event("emongodump", target=target, ok=False)
        return ExeResult(0, "Mongodump failed: 14", log)
    log = "\n".join(log_lines) + "\n"
    (folder / "mongoDump.log").write_text(log)
    host.event("emongodump", target=target, ok=True)
    return ExeResult(0, f"Starting embedded MongoDB dump to {target}\nEMongoDump completed.", log)


def _emongorestore(host: Host, value: str) -> ExeResult:
    """``emongorestore=<source>,<target>``: mongorestore of a dump folder into a new, empty data folder.

    The dump's ``<db>\\<coll>.bson`` files are really loaded: the target folder ends up holding their documents
    (emongo_data's layout), so a later emongodump of that folder, once it is live, dumps them again. Refused, as by
    the real service, while AlteryxService runs, for a missing source and for a target that is not empty. Knob
    ``state.mongo.restore_failed_documents`` (default 0): that many documents (the last ones of the dump) fail to
    restore, as when mongorestore runs out of memory - the program still says it completed and only the log counts
    them; the target then lacks them.
    """
    source, _, target = value.partition(",")
    state = host.state()
    if state.get("mongo", {}).get("type") != "embedded":
        return ExeResult(0, "EMongoRestore failed: embedded MongoDB is not enabled on this node.", "")
    if service_status(host) != "stopped":
        return ExeResult(0, "EMongoRestore failed: stop AlteryxService first.", "")
    src = host.local_path(source.strip())
    dest = host.local_path(target.strip())
    if not src.is_dir():
        return ExeResult(0, f"EMongoRestore failed: source {source} does not exist", "")
    if dest.exists() and any(dest.iterdir()):
        return ExeResult(0, f"EMongoRestore failed: target {target} is not empty", "")
    content: dict[str, dict[str, list[dict[str, Any]]]] = {}
    broken = ""
    for database in sorted(p for p in src.iterdir() if p.is_dir()):
        for bson_file in sorted(database.glob("*.bson")):
            docs, error = _read_bson_documents(bson_file.read_bytes())
            content.setdefault(database.name, {})[bson_file.name[:-5]] = docs
            if error:
                # mongorestore stops at the first unreadable input: what was inserted so far stays.
                broken = (f"{_stamp()}\tFailed: {database.name}.{bson_file.name[:-5]}: error restoring from "
                          f"{source.strip()}\\{database.name}\\{bson_file.name}: reading bson input: {error}\n")
                break
        if broken:
            break
    total = sum(len(docs) for colls in content.values() for docs in colls.values())
    failed = min(total, int(state.get("mongo", {}).get("restore_failed_documents", 0)))
    _drop_last(content, failed)
    dest.mkdir(parents=True, exist_ok=True)
    host.write_bytes(dest / "WiredTiger", b"WiredTiger\nWiredTiger 10.0.0\n")
    emongo_data.write_folder(host, dest, content)
    restored = total - failed
    log = "".join(f"{_stamp()}\tFailed: insertion error: (BSONObjectTooLarge) document {n} of the dump\n"
                  for n in range(failed))
    log += broken
    log += f"{_stamp()}\t{restored} document(s) restored successfully. {failed} document(s) failed to restore.\n"
    (src / "mongoRestore.log").write_text(log)
    host.event("emongorestore", source=source, target=target, documents=restored, failed=failed)
    return ExeResult(0, "EMongoRestore completed.", log)


def _read_bson_documents(data: bytes) -> tuple[list[dict[str, Any]], str]:
    """The whole documents at the start of a .bson file, and mongorestore's error for what follows them ('' if none)."""
    docs: list[dict[str, Any]] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < 5:
            return docs, "error demarshalling bson: incomplete read of message header: unexpected EOF"
        size = int.from_bytes(data[offset:offset + 4], "little", signed=True)
        if size < 5 or offset + size > len(data):
            return docs, f"invalid BSONSize: {size} bytes" if size < 5 else "error demarshalling bson: unexpected EOF"
        try:
            docs.append(bson.decode(data[offset:offset + size]))
        except bson.errors.InvalidBSON as exc:
            return docs, f"error demarshalling bson: {exc}"
        offset += size
    return docs, ""


def _drop_last(content: dict[str, dict[str, list[dict[str, Any]]]], count: int) -> None:
    """Remove the last ``count`` documents of ``content`` (in dump order): the ones that failed to restore."""
    for colls in reversed(list(content.values())):
        for docs in reversed(list(colls.values())):
            while count and docs:
                docs.pop()
                count -= 1


# ----------------------------------------------------------------- dataset
def dataset(state: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The host's seeded MongoDB content, deterministic for its seed.

    Knob ``state.mongo.extra_collections`` (default 0): that many more collections in ``AlteryxGallery``
    (``extra_00000``, ...), one small document each - a Gallery with many collections, for measuring how a run's
    cost grows with the size of the dump's file list.
    """
    rng = random.Random(int(state["mongo"].get("seed", 1)))
    per_collection = int(state["mongo"].get("documents", 60))
    base = datetime(2025, 1, 1, tzinfo=UTC)
    data: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for database, collections in DATABASES.items():
        data[database] = {}
        for index, collection in enumerate(collections):
            count = max(1, per_collection - 7 * index)
            data[database][collection] = [
                {
                    "_id": bson.ObjectId(f"{index:04x}{n:08x}{rng.getrandbits(48):012x}"),
                    "name": f"{collection}-{n}",
                    "owner": f"user{rng.randrange(40)}@example.com",
                    "created": base.replace(day=1 + n % 28),
                    "payload": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(400)),
                }
                for n in range(count)
            ]
    for n in range(int(state["mongo"].get("extra_collections", 0))):
        data["AlteryxGallery"][f"extra_{n:05d}"] = [{"_id": bson.ObjectId(f"ffff{n:08x}{0:012x}"), "n": n}]
    return data


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"

"""Twin of alteryx_dump_window.ps1: [wait -> stop] -> emongodump | mongodump | copy -> start in finally, then facts."""

from __future__ import annotations

import json
import os
import shutil
import time

from .. import alteryx
from ..host import Host, WinError
from . import ScriptFailure
from ._common import process_started, sha256, utc_iso
from ._invoke_native import invoke_native_watched
from ._private_config import new_private_folder, write_password_config
from ._run_lock import run_owns_lock, update_heartbeat
from ._run_log import add_run_log
from ._service_control import (
    set_service_target,
    status,
    stop_workflow,
    wait_workflow,
    workflows,
)

MONGODUMP_MISSING = "install MongoDB Database Tools 100.x or set mongodump_path."


def invoke_mongodump(host: Host, p: dict, heartbeat) -> dict:
    """``Invoke-Mongodump``: one mongodump run per database (or one full run), the password only in a --config file."""
    dump = host.local_path(p["DumpPath"])
    dump.mkdir(parents=True, exist_ok=True)
    arguments = [f"--out={p['DumpPath']}"]
    if p["Uri"]:
        arguments.append(f"--uri={p['Uri']}")
    if p["Username"]:
        arguments += [f"--username={p['Username']}", f"--authenticationDatabase={p['AuthDatabase']}"]
    if p["Gzip"]:
        arguments.append("--gzip")
    if p["Oplog"]:
        arguments.append("--oplog")
    private = ""
    run_ = {"exit_code": 0, "stdout": "", "stderr": ""}
    try:
        # A SecureString is a non-null object, so an empty one is truthy: its Length decides.
        if p["Password"] is not None and p["Password"].Length > 0:
            private = new_private_folder(host, "alteryx-mongodump-")
            config = private + "\\mongodump.yml"
            write_password_config(host, config, p["Password"])
            arguments = [f"--config={config}"] + arguments
        targets = list(p["Databases"] or []) or [""]
        stderr = []
        for database in targets:
            argv = arguments + [f"--db={database}"] if database else arguments
            one = invoke_native_watched(host, p["MongodumpPath"], argv, heartbeat, p["HeartbeatSeconds"],
                                        MONGODUMP_MISSING)
            if one["stderr"]:
                stderr.append(one["stderr"])
            run_ = {"exit_code": one["exit_code"], "stdout": one["stdout"], "stderr": "\n".join(stderr)}
            if one["exit_code"] != 0:
                break
    finally:
        if private:
            shutil.rmtree(host.local_path(private))
            host.event("private_folder_removed", path=private)
    host.write_bytes(dump / "mongoDump.log", (run_["stderr"] + "\n").encode())
    return run_


def copy_persistence(host: Host, p: dict) -> dict:
    """``Copy-Persistence``: every file of SourcePath (-Force: hidden ones too) into DumpPath.

    Copy-Item opens each source for reading with FileShare.Read; a file the running service holds open without
    sharing (its SQLite databases) fails as on Windows.
    """
    host.local_path(p["DumpPath"]).mkdir(parents=True, exist_ok=True)
    if not host.local_path(p["SourcePath"]).exists():
        raise WinError(f"Cannot find path '{p['SourcePath']}' because it does not exist.")
    source = host.local_path(p["SourcePath"])
    in_use = alteryx.files_in_use(host)
    for item in host.get_child_items(p["SourcePath"], recurse=True, force=True, files_only=True):
        if host.win_path(item).lower() in in_use:
            raise WinError(f"The process cannot access the file '{host.win_path(item)}' because it is being used by "
                           "another process.")
        host.copy_file(item, host.local_path(p["DumpPath"]).joinpath(*item.relative_to(source).parts))
    return {"exit_code": 0, "stdout": "", "stderr": ""}


def run(host, p, ctx):
    add_run_log(host, p)
    name = p["ServiceName"]
    transitions = []
    result = {"method": p["Method"], "initial_state": status(host, name), "transitions": transitions, "downtime_seconds": 0,
              "workflows_waited_seconds": 0, "workflows_killed": 0, "workflows_running": 0, "dump_path": p["DumpPath"],
              "exe_exit_code": None, "exe_stdout": "", "exe_stderr": "", "dump_log": None, "files": [],
              "final_state": ""}
    window = p["WindowPath"]
    if window:
        try:  # best effort, as in the script
            expires = utc_iso(time.time() + p["JobTimeout"])
            host.set_content(window, json.dumps({"run_id": p["RunId"], "expires_utc": expires, "pid": os.getpid(),
                                                 "process_started_utc": utc_iso(process_started(os.getpid()))},
                                                indent=4))
        except (WinError, OSError):
            window = ""
    try:
        if not run_owns_lock(host, p["LockPath"], p["RunId"]):
            result["final_state"] = result["initial_state"]
            raise ScriptFailure(f"Run {p['RunId']} no longer owns {p['LockPath']} (the run was cancelled): the service "
                                "was not touched.", "general", result, changed=False)
        stop = p["StopService"] and result["initial_state"] != "Stopped"
        if stop:
            result["workflows_waited_seconds"] = wait_workflow(host, p["MaxWorkflowWait"], p["LockPath"], p["RunId"])
            result["workflows_running"] = len(workflows(host))
            if result["workflows_running"] and not p["ForceStopWorkflows"]:
                result["final_state"] = result["initial_state"]
                raise ScriptFailure(f"{result['workflows_running']} workflow(s) still running after {p['MaxWorkflowWait']} "
                                    "s; the service was not stopped. Retry later or set force_stop_workflows.",
                                    "service_timeout", result, changed=False)
            if result["workflows_running"]:
                result["workflows_killed"] = stop_workflow(host)
        stopped_at = started_at = None
        phase = "service stop"
        try:
            if stop:
                t = set_service_target(host, name, "Stopped", p["MaxServiceWait"])
                if t:
                    transitions.append(t)
                stopped_at = time.time()
            phase = p["Method"]
            heartbeat = lambda: update_heartbeat(host, p["LockPath"], p["RunId"])  # noqa: E731  (the script's block)
            if p["Method"] == "mongodump":
                run_ = invoke_mongodump(host, p, heartbeat)
            elif p["Method"] == "copy":
                run_ = copy_persistence(host, p)
            else:
                run_ = invoke_native_watched(host, p["ExePath"], [f"emongodump={p['DumpPath']}"], heartbeat,
                                             p["HeartbeatSeconds"])
            result.update(exe_exit_code=run_["exit_code"], exe_stdout=run_["stdout"], exe_stderr=run_["stderr"])
        except (WinError, OSError) as exc:  # the script's catch: any error of the stop or the dump
            result["failure_class"] = "mongodb" if phase == p["Method"] else "service_timeout"
            result["message"] = f"{phase} failed: {exc}"
        finally:
            if stop:
                try:
                    t = set_service_target(host, name, "Running", p["MaxServiceWait"])
                    if t:
                        transitions.append(t)
                    started_at = time.time()
                except (WinError, OSError) as exc:
                    result["failure_class"] = "service_timeout"
                    result["message"] = f"{exc} The service may be down: start it by hand."
        result["final_state"] = status(host, name)
        if stopped_at and started_at:
            result["downtime_seconds"] = started_at - stopped_at
        if "failure_class" in result:
            message = result.pop("message")
            raise ScriptFailure(message, result.pop("failure_class"), result, changed=True)
        update_heartbeat(host, p["LockPath"], p["RunId"])
        log = host.local_path(p["DumpPath"].rstrip("\\") + "\\mongoDump.log")
        if log.is_file():
            result["dump_log"] = host.read_all_text(host.win_path(log))
        folder = host.local_path(p["DumpPath"])
        if folder.exists():
            result["files"] = [{"path": "\\".join(f.relative_to(folder).parts), "size": f.stat().st_size, "sha256": sha256(f)}
                               for f in host.get_child_items(p["DumpPath"], recurse=True, force=True, files_only=True)]
        return {"changed": True, "result": result}
    finally:
        if window and host.local_path(window).exists():
            host.local_path(window).unlink()

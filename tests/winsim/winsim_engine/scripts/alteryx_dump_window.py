"""Twin of alteryx_dump_window.ps1: [wait -> stop] -> emongodump -> start in finally, then flat host facts."""

from __future__ import annotations

import json
import os
import time

from ..host import WinError
from . import ScriptFailure
from ._common import process_started, sha256, utc_iso
from ._invoke_native import invoke_native_watched
from ._run_lock import run_owns_lock, update_heartbeat
from ._run_log import add_run_log
from ._service_control import (
    set_service_target,
    status,
    stop_workflow,
    wait_workflow,
    workflows,
)


def run(host, p, ctx):
    add_run_log(host, p)
    name = p["ServiceName"]
    transitions = []
    result = {"initial_state": status(host, name), "transitions": transitions, "downtime_seconds": 0,
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
            phase = "emongodump"
            run_ = invoke_native_watched(host, p["ExePath"], f"emongodump={p['DumpPath']}",
                                         lambda: update_heartbeat(host, p["LockPath"], p["RunId"]), p["HeartbeatSeconds"])
            result.update(exe_exit_code=run_["exit_code"], exe_stdout=run_["stdout"], exe_stderr=run_["stderr"])
        except (WinError, OSError) as exc:  # the script's catch: any error of the stop or the dump
            result["failure_class"] = "mongodb" if phase == "emongodump" else "service_timeout"
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

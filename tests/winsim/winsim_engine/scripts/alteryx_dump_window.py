"""Twin of alteryx_dump_window.ps1 (stop -> emongodump -> start in finally, then judge and hash)."""

from __future__ import annotations

import re
import time

from .. import alteryx
from ..host import WinError
from . import ScriptFailure
from ._common import files_under, refresh_heartbeat, sha256, utc_iso

DONE = re.compile(r"done dumping ([^.\s]+)\.(\S+) \((\d+) documents?\)")


def run(host, p, ctx):
    name = p.get("ServiceName") or alteryx.SERVICE
    stop = bool(p.get("StopService", True))
    max_service_wait = int(p.get("MaxServiceWait", 7200))
    transitions = []

    def set_state(target):
        try:
            alteryx.set_service_state(host, name, target, timeout=max_service_wait)
        except WinError as exc:
            raise ScriptFailure(str(exc), "service_timeout", {"transitions": transitions}) from exc
        transitions.append({"service": name, "state": target, "at_utc": utc_iso()})

    initial = alteryx.service(host, name)["state"]
    waited = killed = 0
    if stop:
        max_wait = int(p.get("MaxWorkflowWait", 3600))
        while alteryx.running_processes(host, alteryx.ENGINE_PROCESS) and waited < max_wait:
            time.sleep(min(1.0, max_wait - waited))
            waited += 1
            refresh_heartbeat(host, p.get("LockPath", ""))
        running = alteryx.running_processes(host, alteryx.ENGINE_PROCESS)
        if running:
            if not p.get("ForceStopWorkflows"):
                raise ScriptFailure(f"{len(running)} workflow(s) still running after {max_wait} s; the service was "
                                    "not stopped. Retry later or set force_stop_workflows.", "service_timeout",
                                    {"workflows_waited_seconds": waited, "transitions": []})
            killed = alteryx.kill_processes(host, alteryx.ENGINE_PROCESS)
    stopped_at = started_at = None
    stdout = ""
    try:
        if stop and initial != "stopped":
            set_state("stopped")
            stopped_at = time.time()
        _rc, stdout = alteryx.service_exe(host, f"emongodump={p['DumpPath']}")
    finally:
        if stop and initial == "running":
            set_state("running")
            started_at = time.time()
    refresh_heartbeat(host, p.get("LockPath", ""))
    folder = host.local_path(p["DumpPath"])
    log = folder / "mongoDump.log"
    log_text = log.read_text() if log.is_file() else ""
    result = {"transitions": transitions, "initial_state": initial, "final_state": alteryx.service(host, name)["state"],
              "downtime_seconds": (started_at - stopped_at) if stopped_at and started_at else 0,
              "workflows_waited_seconds": waited, "workflows_killed": killed, "dump_path": p["DumpPath"],
              "databases": [], "files": []}
    failed = (re.search(r"EMongoDump failed|Mongodump failed", stdout)
              or re.search(r"(?im)^.*\b(error|fatal|failed)\b", log_text) or "done dumping" not in log_text)
    if failed:
        last = stdout.strip().splitlines()[-1] if stdout.strip() else "no output"
        raise ScriptFailure(f"emongodump failed: {last} (see {p['DumpPath']}\\mongoDump.log).", "mongodb", result,
                            changed=bool(transitions))
    databases: dict[str, list] = {}
    for match in DONE.finditer(log_text):
        db, coll, docs = match.groups()
        databases.setdefault(db, []).append({"name": coll, "documents": int(docs),
                                             "bytes": (folder / db / f"{coll}.bson").stat().st_size})
    result["databases"] = [{"name": db, "collections": colls} for db, colls in sorted(databases.items())]
    result["files"] = [{"path": "\\".join(f.relative_to(folder).parts), "size": f.stat().st_size, "sha256": sha256(f)}
                       for f in files_under(folder)]
    return {"changed": True, "result": result}

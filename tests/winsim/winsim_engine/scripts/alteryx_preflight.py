"""Twin of alteryx_preflight.ps1 (checks, stale-run cleanup, lock and staging folder)."""

from __future__ import annotations

import json
import shutil
import time
from datetime import datetime

from ..host import DiskFullError, WinError
from . import ScriptFailure
from ._common import require_admin, utc_iso


def run(host, p, ctx):
    require_admin(host)
    missing = [path for path in p.get("RequiredPaths") or [] if not host.local_path(path).exists()]
    if missing:
        raise ScriptFailure(f"Required item(s) missing: {', '.join(missing)}. Nothing was stopped.", "validation")
    mongo_bytes = 0
    if p.get("MongoDataPath"):
        mongo_dir = host.local_path(p["MongoDataPath"])
        mongo_bytes = sum(f.stat().st_size for f in mongo_dir.rglob("*") if f.is_file())
    local_dir = host.local_path(p["LocalDir"])
    if not ctx.check_mode:
        local_dir.mkdir(parents=True, exist_ok=True)
    free = host.free_bytes(host.drive_of(local_dir))
    required = int(mongo_bytes * float(p.get("FreeSpaceFactor", 2)))
    if free < required:
        raise ScriptFailure(f"Not enough free space on {p['LocalDir']} : {free} bytes free, {required} needed "
                            f"({p.get('FreeSpaceFactor', 2)} x MongoDB data).", "storage")
    destinations = []
    for dest in p.get("Destinations") or []:
        try:
            folder = host.local_path(dest)
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".alteryx_write_probe_{p['RunId']}"
            host.write_bytes(probe, b"probe")
            probe.unlink()
            destinations.append({"path": dest, "writable": True, "error": ""})
        except (WinError, DiskFullError, OSError) as exc:
            destinations.append({"path": dest, "writable": False, "error": str(exc)})
    bad = [d for d in destinations if not d["writable"]]
    if bad:
        raise ScriptFailure(f"Destination not writable: {bad[0]['path']}: {bad[0]['error']}. For a network share, "
                            "WinRM does not delegate credentials: use become, CredSSP or Kerberos delegation, or "
                            "grant the computer account access.", "storage")
    lock = host.local_path(p["LockPath"])
    stale, cleaned = None, []
    if lock.is_file():
        data = json.loads(lock.read_text())
        age = time.time() - datetime.fromisoformat(data["heartbeat_utc"]).timestamp()
        if age < int(p.get("StaleSeconds", 900)):
            raise ScriptFailure(f"Another backup ({data['run_id']} from {data.get('controller')}) is running on this "
                                f"host; its heartbeat is {int(age)} s old. Wait for it or remove {p['LockPath']} if "
                                "it is dead.", "general")
        stale = data
        if not ctx.check_mode:
            leftovers = [data.get("staging_path")] + [host.win_path(f) for f in local_dir.glob("*.partial")]
            for leftover in leftovers:
                if not leftover:
                    continue
                path = host.local_path(leftover)
                if path.exists():
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
                    cleaned.append(leftover)
            lock.unlink()
    taken = False
    if not ctx.check_mode:
        now = utc_iso()
        lock.write_text(json.dumps({"run_id": p["RunId"], "controller": p.get("Controller", ""), "started_utc": now,
                                    "heartbeat_utc": now, "staging_path": p["StagingPath"]}))
        host.local_path(p["StagingPath"]).mkdir(parents=True, exist_ok=True)
        taken = True
    return {"changed": taken, "result": {
        "is_admin": True, "mongo_data_bytes": mongo_bytes, "required_bytes": required, "free_bytes": free,
        "destinations": destinations, "stale_run": stale, "cleaned": cleaned, "lock_taken": taken}}

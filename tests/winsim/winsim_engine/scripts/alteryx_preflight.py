"""Twin of alteryx_preflight.ps1 (checks, stale-run cleanup, lock and staging folder)."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import time
from datetime import datetime

from ..host import WinError
from . import ScriptFailure
from ._common import utc_iso
from ._step_error import StepError, failure_class_of

NOT_SHARED = ("WinRM does not delegate credentials: use become, CredSSP or Kerberos delegation, or grant the computer "
              "account access.")


def run(host, p, ctx):
    changed = False
    result = {"is_admin": False, "mongo_data_bytes": 0, "required_bytes": 0, "free_bytes": 0, "destinations": [],
              "stale_run_id": "", "stale_started_utc": "", "stale_controller": "", "cleaned": [], "lock_taken": False}
    try:
        result["is_admin"] = bool(host.state().get("admin", True))
        if not result["is_admin"]:
            raise StepError("validation", "The backup needs administrator rights on the host: connect as an "
                                          "administrator or use become.")
        missing = [path for path in p["RequiredPaths"] or [] if path and not host.local_path(path).exists()]
        if missing:
            raise StepError("validation", f"Required item(s) missing: {', '.join(missing)}. Nothing was stopped.")
        if p["MongoDataPath"]:
            if not host.local_path(p["MongoDataPath"]).exists():
                raise StepError("validation", f"MongoDB data folder {p['MongoDataPath']} not found: check "
                                              "EmbeddedMongoDBRootPath in RuntimeSettings.xml. Nothing was stopped.")
            result["mongo_data_bytes"] = sum(
                f.stat().st_size
                for f in host.get_child_items(p["MongoDataPath"], recurse=True, force=True, files_only=True))
        if not re.match(r"^[A-Za-z]:\\", p["LocalDir"] or ""):  # [IO.Path]::GetPathRoot is not 'X:\'
            raise StepError("validation", f"The local backup folder {p['LocalDir']} must be on a local drive (like "
                                          "D:\\Backups).")
        local_dir = host.local_path(p["LocalDir"])
        if not ctx.check_mode:
            local_dir.mkdir(parents=True, exist_ok=True)
        result["free_bytes"] = host.free_bytes(p["LocalDir"][0].upper())
        result["required_bytes"] = int(result["mongo_data_bytes"] * p["FreeSpaceFactor"])
        if result["free_bytes"] < result["required_bytes"]:
            raise StepError("storage", f"Not enough free space on {p['LocalDir']} : {result['free_bytes']} bytes free, "
                                       f"{result['required_bytes']} needed ({p['FreeSpaceFactor']:g} x MongoDB data).")
        for dest in p["Destinations"] or []:
            try:
                folder = host.local_path(dest)
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / f".alteryx_write_probe_{p['RunId']}"
                host.write_bytes(probe, b"probe")
                probe.unlink()
                result["destinations"].append({"path": dest, "writable": True, "error": ""})
            except (WinError, OSError) as exc:
                result["destinations"].append({"path": dest, "writable": False, "error": str(exc)})
        bad = [d for d in result["destinations"] if not d["writable"]]
        if bad:
            raise StepError("storage", f"Destination not writable: {bad[0]['path']}: {bad[0]['error']}. For a network "
                                       f"share, {NOT_SHARED}")
        if host.local_path(p["LockPath"]).is_file():
            lock = json.loads(host.get_content_raw(p["LockPath"]))
            age = time.time() - datetime.fromisoformat(lock["heartbeat_utc"]).timestamp()
            if age < p["StaleSeconds"]:
                raise StepError("general", f"Another backup ({lock['run_id']} from {lock.get('controller')}) is running "
                                           f"on this host; its heartbeat is {int(age)} s old. Wait for it or remove "
                                           f"{p['LockPath']} if it is dead.")
            result.update(stale_run_id=str(lock.get("run_id") or ""), stale_started_utc=str(lock.get("started_utc") or ""),
                          stale_controller=str(lock.get("controller") or ""))
            if not ctx.check_mode:
                changed = True
                partials = [host.win_path(f) for f in host.get_child_items(p["LocalDir"], force=True)
                            if fnmatch.fnmatch(f.name.lower(), "*.partial")]
                for leftover in [lock.get("staging_path")] + partials:
                    if leftover and host.local_path(leftover).exists():
                        path = host.local_path(leftover)
                        shutil.rmtree(path) if path.is_dir() else path.unlink()
                        result["cleaned"].append(leftover)
                host.local_path(p["LockPath"]).unlink()
        if not ctx.check_mode:
            changed = True
            now = utc_iso()
            host.set_content(p["LockPath"], json.dumps({"run_id": p["RunId"], "controller": p["Controller"],
                                                        "started_utc": now, "heartbeat_utc": now,
                                                        "staging_path": p["StagingPath"]}, indent=4))
            host.local_path(p["StagingPath"]).mkdir(parents=True, exist_ok=True)
            result["lock_taken"] = True
    except (WinError, OSError) as exc:
        raise ScriptFailure(str(exc), failure_class_of(exc, "general"), result, changed=changed) from exc
    return {"changed": changed, "result": result}

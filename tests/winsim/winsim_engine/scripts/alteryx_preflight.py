"""Twin of alteryx_preflight.ps1 (checks, stale-run cleanup, lock and staging folder)."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import time
from datetime import UTC, datetime

from ..host import WinError
from . import ScriptFailure
from ._common import utc_iso
from ._private_acl import new_restricted_folder, new_restricted_log, restricted_acl_error, set_restricted_acl
from ._run_lock import job_alive, json_field, read_json_file
from ._run_log import add_run_log
from ._step_error import StepError, failure_class_of

# Exception.HResult of the exceptions a destination probe meets on Windows, by the host error winsim raises:
# UnauthorizedAccessException, IOException of ERROR_BAD_NETPATH / ERROR_DISK_FULL, ArgumentException (a path .NET
# refuses, e.g. "The UNC path should be of the form \\server\share."), DriveNotFoundException (a RuntimeException).
PROBE_HRESULTS = (("is denied", -2147024891), ("network path was not found", -2147024843),
                  ("not enough space on the disk", -2147024784), ("is not an absolute windows path", -2147024809),
                  ("cannot find drive", -2146233087))
IO_EXCEPTION_HRESULT = -2146232800


def probe_hresult(exc):
    """The HResult of the exception Windows raises where winsim raises ``exc`` ($_.Exception.HResult)."""
    text = str(exc).lower()
    return next((code for needle, code in PROBE_HRESULTS if needle in text), IO_EXCEPTION_HRESULT)


def _new_run_folder(host, p, path):
    """``New-RunFolder``: restricted when created here (an existing folder is left as it is)."""
    if not p["RestrictAcls"]:
        host.local_path(path).mkdir(parents=True, exist_ok=True)
        return
    try:
        new_restricted_folder(host, path)
    except (WinError, OSError) as exc:
        raise StepError("storage", restricted_acl_error(host, path, exc)) from exc


def run(host, p, ctx):
    log_acl_error = ""
    if p["RestrictAcls"] and p["RunLogPath"] and p["RunLogText"]:
        try:
            new_restricted_log(host, p["RunLogPath"])
        except (WinError, OSError) as exc:
            log_acl_error = restricted_acl_error(host, p["RunLogPath"], exc)
            p = {**p, "RunLogText": ""}
    add_run_log(host, p)
    changed = False
    result = {"is_admin": False, "mongo_data_bytes": 0, "required_bytes": 0, "free_bytes": 0, "destinations": [],
              "lock_taken": False, "holder_run_id": "", "holder_controller_host": "", "holder_controller_pid": "",
              "holder_controller_started": "", "holder_started_utc": "", "holder_age_seconds": -1, "job_alive": False,
              "job_run_id": "", "job_expires_utc": "", "stale_run_id": "", "stale_started_utc": "",
              "stale_controller": "", "cleaned": []}

    def remove_leftover(path):
        if path and host.local_path(path).exists():
            local = host.local_path(path)
            shutil.rmtree(local) if local.is_dir() else local.unlink()
            result["cleaned"].append(path)
    try:
        result["is_admin"] = bool(host.state().get("admin", True))
        if not result["is_admin"]:
            raise StepError("validation", "The backup needs administrator rights on the host: connect as an "
                                          "administrator or use become.")
        if log_acl_error:
            raise StepError("storage", log_acl_error)
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
        work = p["TempDir"] or p["LocalDir"]
        for folder in (p["LocalDir"], work):
            if not re.match(r"^[A-Za-z]:\\", folder or ""):  # [IO.Path]::GetPathRoot is not 'X:\'
                raise StepError("validation", f"The folder {folder} must be on a local drive (like D:\\Backups).")
            if not ctx.check_mode:
                _new_run_folder(host, p, folder)
        result["free_bytes"] = host.free_bytes(work[0].upper())
        result["required_bytes"] = int(result["mongo_data_bytes"] * p["FreeSpaceFactor"])
        if result["free_bytes"] < result["required_bytes"]:
            raise StepError("storage", f"Not enough free space on {work} : {result['free_bytes']} bytes free, "
                                       f"{result['required_bytes']} needed ({p['FreeSpaceFactor']:g} x MongoDB data).")
        for dest in p["Destinations"] or []:
            try:
                folder = host.local_path(dest)
                folder.mkdir(parents=True, exist_ok=True)
                probe = folder / f".alteryx_write_probe_{p['RunId']}"
                host.write_bytes(probe, b"probe")
                probe.unlink()
                result["destinations"].append({"path": dest, "writable": True, "error": "", "hresult": 0})
            except (WinError, OSError) as exc:
                result["destinations"].append({"path": dest, "writable": False, "error": str(exc),
                                               "hresult": probe_hresult(exc)})
        bad = [d for d in result["destinations"] if not d["writable"]]
        if bad:
            raise StepError("storage", f"Destination not writable: {bad[0]['path']}: {bad[0]['error']}")
        lock_path = p["LockPath"]
        if p["TakeOver"] and not ctx.check_mode:
            aside = f"{lock_path}.{p['RunId']}"
            try:
                host.move_item(lock_path, aside)  # [IO.File]::Move: fails if the lock is gone
            except (WinError, OSError):
                aside = ""
            if aside:
                old = read_json_file(host, aside)
                age = time.time() - host.local_path(aside).stat().st_mtime
                if (json_field(old, "run_id") != p["TakeOver"] or age < p["TakeOverAfterSeconds"]
                        or job_alive(host, p["WindowPath"])):
                    try:  # put it back untouched
                        host.move_item(aside, lock_path)  # refuses an existing lock, as [IO.File]::Move
                    except (WinError, OSError):
                        host.local_path(aside).unlink()
                else:
                    changed = True
                    result.update(stale_run_id=p["TakeOver"], stale_started_utc=json_field(old, "started_utc"),
                                  stale_controller=f"{json_field(old, 'controller_host')} "
                                                   f"(pid {json_field(old, 'controller_pid')})")
                    remove_leftover(json_field(old, "staging_path"))
                    host.local_path(aside).unlink()
        result["job_alive"] = bool(p["WindowPath"]) and job_alive(host, p["WindowPath"])
        if result["job_alive"]:
            window = read_json_file(host, p["WindowPath"])
            result.update(job_run_id=json_field(window, "run_id"), job_expires_utc=json_field(window, "expires_utc"))
        elif not ctx.check_mode:
            owner = {"run_id": p["RunId"], "controller_host": p["ControllerHost"], "controller_pid": p["ControllerPid"],
                     "controller_started": p["ControllerStarted"], "started_utc": utc_iso(),
                     "staging_path": p["StagingPath"]}
            fd = None
            try:  # FileMode.CreateNew
                fd = os.open(host.local_path(lock_path), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except OSError:
                if not host.local_path(lock_path).exists():
                    raise
            if fd is not None:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(json.dumps(owner, separators=(",", ":")).encode("utf-8"))
                changed = True
                result["lock_taken"] = True
                # Select-Object -Unique compares case-sensitively, as here.
                for folder in dict.fromkeys(f for f in [p["LocalDir"], p["TempDir"], *(p["Destinations"] or [])] if f):
                    for item in host.get_child_items(folder, force=True):
                        name = item.name
                        if not fnmatch.fnmatch(name.lower(), "serverbackup_*"):
                            continue
                        full = host.win_path(item)
                        if ((fnmatch.fnmatch(name.lower(), "*.staging") and full.lower() != p["StagingPath"].lower())
                                or fnmatch.fnmatch(name.lower(), "*.partial")):
                            remove_leftover(full)
                _new_run_folder(host, p, p["StagingPath"])
                if p["RestrictAcls"]:
                    try:
                        set_restricted_acl(host, p["StagingPath"])
                    except (WinError, OSError) as exc:
                        raise StepError("storage", restricted_acl_error(host, p["StagingPath"], exc)) from exc
        if not result["lock_taken"] and host.local_path(lock_path).exists():
            holder = read_json_file(host, lock_path)
            for field in ("run_id", "controller_host", "controller_pid", "controller_started", "started_utc"):
                result[f"holder_{field}"] = json_field(holder, field)
            try:  # [IO.File]::GetLastWriteTimeUtc of a file gone meanwhile is 1601-01-01, not an error
                mtime = host.local_path(lock_path).stat().st_mtime
            except OSError:
                mtime = datetime(1601, 1, 1, tzinfo=UTC).timestamp()
            result["holder_age_seconds"] = int(time.time() - mtime)
    except (WinError, OSError) as exc:
        raise ScriptFailure(str(exc), failure_class_of(exc, "general"), result, changed=changed) from exc
    return {"changed": changed, "result": result}


"""Twin of alteryx_restore_database.ps1: extract -> stop -> emongorestore | mongorestore | switch -> start in finally;
or discard."""

from __future__ import annotations

import re
import shutil
import zipfile

from ..host import WinError
from . import ScriptFailure
from ._invoke_native import invoke_native, invoke_native_watched
from ._private_config import new_private_folder, write_password_config
from ._service_control import set_service_target, status
from .alteryx_restore_check import entry_bytes

MONGORESTORE_MISSING = "install MongoDB Database Tools 100.x or set mongorestore_path."


def clear_folder(host, path):
    """``Clear-Folder``: Remove-Item -Recurse -Force when the path exists (an empty path is no folder)."""
    if path and host.local_path(path).exists():
        shutil.rmtree(host.local_path(path))


def invoke_mongorestore(host, p):
    """``Invoke-Mongorestore``: mongorestore of StagingPath, the password only in a --config file; its stderr (the
    tool's whole log) kept as StagingPath\\mongoRestore.log."""
    arguments = [f"--dir={p['StagingPath']}"]
    if p["Uri"]:
        arguments.append(f"--uri={p['Uri']}")
    if p["Username"]:
        arguments += [f"--username={p['Username']}", f"--authenticationDatabase={p['AuthDatabase']}"]
    if p["Gzip"]:
        arguments.append("--gzip")
    if p["Drop"]:
        arguments.append("--drop")
    private = ""
    try:
        # A SecureString is a non-null object, so an empty one is truthy: its Length decides.
        if p["Password"] is not None and p["Password"].Length > 0:
            private = new_private_folder(host, "alteryx-mongorestore-")
            config = private + "\\mongorestore.yml"
            write_password_config(host, config, p["Password"])
            arguments = [f"--config={config}"] + arguments
        run_ = invoke_native_watched(host, p["MongorestorePath"], arguments, lambda: None, 30, MONGORESTORE_MISSING)
    finally:
        if private:
            shutil.rmtree(host.local_path(private))
            host.event("private_folder_removed", path=private)
    host.write_bytes(host.local_path(p["StagingPath"].rstrip("\\") + "\\mongoRestore.log"),
                     (run_["stderr"] + "\n").encode())
    return run_


def expand_dump(host, p):
    """``Expand-Dump``: the archive's MongoDB/ file entries into a fresh StagingPath; returns how many."""
    clear_folder(host, p["StagingPath"])
    host.local_path(p["StagingPath"]).mkdir(parents=True, exist_ok=True)
    try:
        zf = zipfile.ZipFile(host.local_path(p["Archive"]))
    except (zipfile.BadZipFile, FileNotFoundError) as exc:
        raise WinError(f"Cannot open {p['Archive']}: {exc}") from exc
    count = 0
    with zf:
        for info in zf.infolist():
            if not info.filename.startswith("MongoDB/") or info.filename.endswith("/"):
                continue
            relative = info.filename[8:]
            if re.search(r"(^|/)\.\.(/|$)", relative):
                raise WinError(f"{info.filename} leaves the dump folder: refused.")
            target = host.local_path(p["StagingPath"].rstrip("\\") + "\\" + relative.replace("/", "\\"))
            target.parent.mkdir(parents=True, exist_ok=True)
            host.write_bytes(target, entry_bytes(zf, info))
            count += 1
    return count


def directory_move(host, source, destination):
    """``[IO.Directory]::Move``: the destination must not exist (no "into the folder" as Move-Item has)."""
    if host.local_path(destination).exists():
        raise WinError(f"Cannot create '{destination}' because a file or directory with the same name already exists.")
    host.move_item(source, destination)


def switch_data_folder(host, p):
    """``Switch-DataFolder``: live -> OldPath, RestorePath -> live; the first move undone when the second fails."""
    if not host.local_path(p["RestorePath"]).is_dir():
        raise WinError(f"{p['RestorePath']} is missing: nothing was switched.")
    if host.local_path(p["OldPath"]).exists():
        raise WinError(f"{p['OldPath']} exists already: nothing was switched.")
    moved = False
    if host.local_path(p["DataPath"]).exists():
        directory_move(host, p["DataPath"], p["OldPath"])
        moved = True
    try:
        directory_move(host, p["RestorePath"], p["DataPath"])
    except (WinError, OSError):
        if moved:
            directory_move(host, p["OldPath"], p["DataPath"])
        raise


def run(host, p, ctx):
    name = p["ServiceName"]
    transitions = []
    result = {"phase": p["Phase"], "extracted": 0, "transitions": transitions, "final_state": "", "exe_exit_code": None,
              "exe_stdout": "", "exe_stderr": "", "restore_log": None, "switched": False}
    changed = False
    if p["Phase"] == "discard":
        try:
            for path in (p["RestorePath"], p["StagingPath"]):
                if path and host.local_path(path).exists():
                    changed = True
                    shutil.rmtree(host.local_path(path))
        except (WinError, OSError) as exc:
            raise ScriptFailure(f"Removing {p['RestorePath']} failed: {exc}", "mongodb", result, changed=changed) from exc
        result["final_state"] = status(host, name)
        return {"changed": changed, "result": result}
    step = "extract"
    try:
        if p["Phase"] == "restore":
            changed = True
            result["extracted"] = expand_dump(host, p)
            clear_folder(host, p["RestorePath"])
        step = "service stop"
        t = set_service_target(host, name, "Stopped", p["MaxServiceWait"])
        if t:
            transitions.append(t)
        changed = True
        step = p["Phase"]
        if p["Phase"] == "restore":
            if p["Method"] == "mongorestore":
                run_ = invoke_mongorestore(host, p)
            else:
                run_ = invoke_native(host, p["ExePath"], f"emongorestore={p['StagingPath']},{p['RestorePath']}")
            result.update(exe_exit_code=run_["exit_code"], exe_stdout=run_["stdout"], exe_stderr=run_["stderr"])
        else:
            switch_data_folder(host, p)
            result["switched"] = True
    except (WinError, OSError) as exc:
        result["failure_class"] = "service_timeout" if step == "service stop" else "mongodb"
        result["message"] = f"{step} failed: {exc}"
    finally:
        try:
            t = set_service_target(host, name, "Running", p["MaxServiceWait"])
            if t:
                transitions.append(t)
        except (WinError, OSError) as exc:
            result["failure_class"] = "service_timeout"
            result["message"] = f"{exc} The service may be down: start it by hand."
    result["final_state"] = status(host, name)
    if p["Phase"] == "restore":
        log = host.local_path(p["StagingPath"].rstrip("\\") + "\\mongoRestore.log")
        if log.is_file():
            result["restore_log"] = host.read_all_text(host.win_path(log))
        shutil.rmtree(host.local_path(p["StagingPath"]), ignore_errors=True)  # -ErrorAction SilentlyContinue
    if "failure_class" in result:
        message = result.pop("message")
        raise ScriptFailure(message, result.pop("failure_class"), result, changed=changed)
    return {"changed": changed, "result": result}

"""Twin of alteryx_restore_config.ps1 (safety copies of the current files, then every entry written back)."""

from __future__ import annotations

import zipfile

from .. import alteryx
from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._step_error import StepError, failure_class_of
from .alteryx_restore_check import entry_bytes


def _writable(host, path):
    """``ExtractToFile(entry, path, $true)`` opens with FileMode.Create: a hidden or read-only file (or a folder)
    refuses with UnauthorizedAccessException."""
    local = host.local_path(path)
    if local.is_dir() or (local.exists() and host.attributes(path) & {"Hidden", "ReadOnly"}):
        raise WinError(f"Access to the path '{path}' is denied.")
    return local


def _not_in_use(host, path):
    """[IO.File]::Copy and ExtractToFile open the file; one the running service holds open without sharing (its
    SQLite databases) fails as on Windows."""
    if path.lower() in alteryx.files_in_use(host):
        raise WinError(f"The process cannot access the file '{path}' because it is being used by another process.")


def run(host, p, ctx):
    written, safety, changed = [], {}, False
    try:
        try:
            zf = zipfile.ZipFile(host.local_path(p["Archive"]))
        except (zipfile.BadZipFile, FileNotFoundError) as exc:
            raise WinError(f"Cannot open {p['Archive']}: {exc}") from exc
        with zf:
            names = set(zf.namelist())
            for file in p["Files"] or []:
                if file["entry"] not in names:
                    raise StepError("validation", f"{file['entry']} is not in {p['Archive']}.")
            for file in p["Files"] or []:
                safety[file["path"]] = ""
                if host.local_path(file["path"]).is_file():
                    _not_in_use(host, file["path"])
                    changed = True
                    copy = f"{file['path']}.pre-restore-{p['RunId']}"
                    if host.local_path(copy).exists():  # [IO.File]::Copy(s, d, $false)
                        raise WinError(f"The file '{copy}' already exists.")
                    host.copy_file(host.local_path(file["path"]), host.local_path(copy))
                    # CopyFile gives the copy the source's attributes.
                    if host.attributes(file["path"]):
                        host.set_attributes(copy, host.attributes(file["path"]))
                    safety[file["path"]] = copy
            for file in p["Files"] or []:
                target = host.local_path(file["path"])
                target.parent.mkdir(parents=True, exist_ok=True)  # New-Item -ItemType Directory -Force
                changed = True
                attributes = None
                if safety[file["path"]]:
                    attributes = host.attributes(file["path"])
                    host.set_attributes(file["path"], ["Normal"])
                _writable(host, file["path"])
                _not_in_use(host, file["path"])
                host.write_bytes(target, entry_bytes(zf, zf.getinfo(file["entry"])))
                if attributes is not None:
                    host.set_attributes(file["path"], attributes or ["Normal"])
                written.append({"entry": file["entry"], "path": file["path"], "size": target.stat().st_size,
                                "sha256": sha256(target), "safety_copy": safety[file["path"]]})
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Restore of the files stopped after {len(written)} file(s): {exc}",
                            failure_class_of(exc, "storage"), {"files": written}, changed=changed) from exc
    return {"changed": changed, "result": {"files": written}}

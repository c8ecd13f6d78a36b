"""Twin of alteryx_keep_file.ps1 (copy one file out of a folder about to be removed; a missing source is no error)."""

from __future__ import annotations

from ..host import WinError
from . import ScriptFailure


def _is_file(host, path):
    """``Test-Path -LiteralPath <p> -PathType Leaf``: False for a missing drive, share or file, never an error; an
    empty path fails parameter binding (inside the script's try)."""
    if not path:
        raise WinError("Cannot bind argument to parameter 'LiteralPath' because it is an empty string.")
    try:
        return host.local_path(path).is_file()
    except WinError:
        return False


def run(host, p, ctx):
    source, destination = p["Source"], p["Destination"]
    result = {"source": source, "path": destination, "kept": False, "size": 0}
    changed = False
    try:
        if _is_file(host, source):
            target = host.local_path(destination)
            target.parent.mkdir(parents=True, exist_ok=True)  # New-Item -ItemType Directory -Force
            changed = True
            # [IO.File]::Copy(s, d, $true): CopyFile fails with ERROR_ACCESS_DENIED on a hidden or read-only target.
            if target.is_dir() or (target.exists() and host.attributes(destination) & {"Hidden", "ReadOnly"}):
                raise WinError(f"Access to the path '{destination}' is denied.")
            host.copy_file(host.local_path(source), target)
            result["kept"] = True
            result["size"] = target.stat().st_size
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Cannot copy {source} to {destination} : {exc}", "storage", result,
                            changed=changed) from exc
    return {"changed": changed, "result": result}

"""ansible.windows.win_file: create folders, touch, remove, or check files on the host.

Follows win_file.ps1: ``state`` file/directory/absent/touch (or none: guessed from the path),
``_original_basename`` when template/copy point it at a folder, check mode changes nothing.
Not modelled: ACLs, symlink-specific deletion.
"""

from __future__ import annotations

import os
import shutil
import time

from ..host import Host, WinError
from . import Context, Result, fake


@fake("ansible.windows.win_file")
def win_file(host: Host, params: dict, ctx: Context) -> Result:
    path = params["path"]
    state = params.get("state")
    local = host.local_path(path)
    if local.is_dir() and params.get("_original_basename"):
        path = path.rstrip("\\/") + "\\" + params["_original_basename"]
        local = host.local_path(path)
    changed = False
    if state == "touch":
        changed = True
        if not ctx.check_mode:
            if local.exists():
                now = time.time()
                os.utime(local, (now, now))
            else:
                if not local.parent.is_dir():
                    raise WinError(f"Could not find a part of the path '{path}'.")
                host.write_bytes(local, b"")
    if local.exists() or local.is_symlink():
        if state == "absent":
            if not ctx.check_mode:
                try:
                    if local.is_dir() and not local.is_symlink():
                        shutil.rmtree(local)
                    else:
                        local.unlink()
                except OSError as exc:
                    raise WinError(f"Failed to delete {host.win_path(local)}: {exc}") from exc
            changed = True
        elif state == "directory" and not local.is_dir():
            raise WinError(f"path {path} is not a directory")
        elif state == "file" and local.is_dir():
            raise WinError(f"path {path} is not a file")
    else:
        if state is None:
            state = "directory" if path.endswith(("\\", "/")) else "file"
        if state == "directory":
            blocker = next((p for p in [local, *local.parents] if p.exists()), None)
            if blocker is not None and not blocker.is_dir():
                raise WinError(f"path {path} is not a directory")
            if not ctx.check_mode:
                local.mkdir(parents=True, exist_ok=True)
            changed = True
        elif state == "file":
            raise WinError(f"path {path} will not be created")
    return {"changed": changed}

"""ansible.windows.win_copy: the module half of the win_copy action plugin.

The action plugin (controller) runs the module in one of four ``_copy_mode`` values:

* ``query``: which of the local ``files``/``directories`` differ from ``dest`` (sha1 compare
  when ``force``); returns those lists.
* ``single``: ``src`` is the file the connection put into the remote temp folder; copy it to
  ``dest`` (``dest\\_original_basename`` when dest is a folder).
* ``explode``: ``src`` is a zip whose entry names are base64 of the relative paths; extract it
  under ``dest``.
* ``remote``: ``remote_src: true``; copy a file or folder that is already on the host.

Writes go through the host (free space and disk-full faults apply); check mode copies nothing.
Not modelled: symlinks, ``decrypt``/``local_follow`` (controller side), ``diff``.
"""

from __future__ import annotations

import base64
import os
import time
import zipfile
from pathlib import Path

from ..host import Host, WinError
from . import Context, Result, fake
from ._fileinfo import checksum, tree_size


@fake("ansible.windows.win_copy")
def win_copy(host: Host, params: dict, ctx: Context) -> Result:
    mode = params.get("_copy_mode") or "single"
    if mode not in ("explode", "query", "remote", "single"):
        raise WinError(f"Get-AnsibleParam: Argument _copy_mode needs to be one of explode,query,remote,single "
                       f"but was {mode}.")
    if not params.get("dest"):
        raise WinError("Get-AnsibleParam: Missing required argument: dest")
    if mode in ("explode", "single") and not params.get("src"):
        raise WinError("Get-AnsibleParam: Missing required argument: src")
    return {"query": _query, "single": _single, "explode": _explode, "remote": _remote}[mode](host, params, ctx)


def _join(base: str, child: str) -> str:
    return base.rstrip("\\/") + "\\" + child.replace("/", "\\").lstrip("\\")


def _query(host: Host, params: dict, ctx: Context) -> Result:
    dest = params["dest"]
    force = params.get("force", True) is not False
    files, directories = [], []
    for entry in params.get("files") or []:
        name = entry["dest"]
        target = host.local_path(_join(dest, name))
        if target.is_dir():
            name = _join(name, Path(str(entry["src"]).replace("\\", "/")).name)
            target = host.local_path(_join(dest, name))
        if target.is_file():
            if force and checksum(target) != entry.get("checksum"):
                files.append(entry)
        elif target.is_dir():
            raise WinError(f"cannot copy file to dest '{host.win_path(target)}': object at path is already a directory")
        else:
            files.append(entry)
    for entry in params.get("directories") or []:
        target = host.local_path(_join(dest, entry["dest"]))
        if target.parent.is_file():
            raise WinError(f"cannot copy folder to dest '{host.win_path(target)}': object at parent directory path "
                           "is already a file")
        if target.is_file():
            raise WinError(f"cannot copy folder to dest '{host.win_path(target)}': object at path is already a file")
        if not target.is_dir():
            directories.append(entry)
    return {"changed": False, "files": files, "directories": directories, "symlinks": []}


def _single(host: Host, params: dict, ctx: Context) -> Result:
    src = host.local_path(params["src"])
    if not src.is_file():
        raise WinError(f"Cannot copy src file: '{params['src']}' as it does not exist")
    dest = params["dest"]
    remote_dest = dest
    if dest.endswith(("\\", "/")) or host.local_path(dest).is_dir():
        remote_dest = _join(dest, params.get("_original_basename") or src.name)
    target = host.local_path(remote_dest)
    parent = target.parent
    if parent.is_file():
        raise WinError(f"object at destination parent dir '{host.win_path(parent)}' is currently a file")
    if not parent.is_dir() and dest == remote_dest:
        raise WinError(f"Destination directory '{host.win_path(parent)}' does not exist")
    result: Result = {"changed": True}
    if params.get("backup") and target.is_file():
        result["backup_file"] = _backup(host, target, ctx)
    if not ctx.check_mode:
        host.copy_file(src, target)
        result.update(dest=remote_dest, checksum=checksum(target), size=target.stat().st_size,
                      operation="file_copy", original_basename=params.get("_original_basename") or src.name)
    return result


def _explode(host: Host, params: dict, ctx: Context) -> Result:
    src = host.local_path(params["src"])
    if not src.is_file():
        raise WinError(f"Cannot expand src zip file: '{params['src']}' as it does not exist")
    dest = params["dest"]
    with zipfile.ZipFile(src) as archive:
        for entry in archive.infolist():
            name = entry.filename
            is_dir = len(name) % 4 == 1 and name.endswith(("/", "\\"))
            encoded = name[:-1] if is_dir else name
            if len(encoded) % 4:
                raise WinError(f"invalid base64 length '{name}'")
            relative = base64.b64decode(encoded).decode("utf-8")
            target = host.local_path(_join(dest, relative))
            if ctx.check_mode:
                continue
            if is_dir or entry.is_dir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                host.write_bytes(target, archive.read(entry))
    return {"changed": True}


def _remote(host: Host, params: dict, ctx: Context) -> Result:
    src_win, dest = params.get("src") or "", params["dest"]
    result: Result = {"changed": False, "src": src_win, "dest": dest}
    src = host.local_path(src_win) if src_win else None
    if src is None or not src.exists():
        raise WinError(f"Cannot copy src file: '{src_win}' as it does not exist")
    force = params.get("force", True) is not False
    remote_dest = dest
    if src.is_dir():
        result["operation"] = "folder_copy"
        if src_win.endswith(("\\", "/")):
            for child in sorted(src.iterdir()):
                changed = _copy_tree(host, child, host.local_path(_join(dest, child.name)), force, ctx)
                result["changed"] = result["changed"] or changed
        else:
            remote_dest = _join(dest, src.name)
            result["dest"] = remote_dest
            result["changed"] = _copy_tree(host, src, host.local_path(remote_dest), force, ctx)
    else:
        result["operation"] = "file_copy"
        result["original_basename"] = src.name
        if dest.endswith(("\\", "/")) or host.local_path(dest).is_dir():
            remote_dest = _join(dest, src.name)
        result["dest"] = remote_dest
        target = host.local_path(remote_dest)
        if target.parent.is_file():
            raise WinError(f"object at destination parent dir '{host.win_path(target.parent)}' is currently a file")
        if not target.parent.is_dir():
            if dest == remote_dest:
                raise WinError(f"Destination directory '{host.win_path(target.parent)}' does not exist")
            if not ctx.check_mode:
                target.parent.mkdir(parents=True)
        if params.get("backup") and target.is_file() and _differs(src, target, force):
            result["backup_file"] = _backup(host, target, ctx)
        result["changed"] = _copy_file(host, src, target, force, ctx)
        result["checksum"] = checksum(src)
    target = host.local_path(remote_dest)
    if target.is_file():
        result["size"] = target.stat().st_size
    elif target.is_dir():
        result["size"] = tree_size(target)
    else:
        result["size"] = None
    return result


def _differs(src: Path, target: Path, force: bool) -> bool:
    return force and checksum(src) != checksum(target)


def _copy_file(host: Host, src: Path, target: Path, force: bool, ctx: Context) -> bool:
    if target.is_dir():
        raise WinError(f"cannot copy file from '{host.win_path(src)}' to '{host.win_path(target)}': "
                       "dest is already a folder")
    if target.is_file() and not _differs(src, target, force):
        return False
    if not ctx.check_mode:
        host.copy_file(src, target)
    return True


def _copy_tree(host: Host, src: Path, target: Path, force: bool, ctx: Context) -> bool:
    if src.is_file():
        return _copy_file(host, src, target, force, ctx)
    changed = False
    if not target.is_dir():
        if target.is_file():
            raise WinError(f"cannot copy folder from '{host.win_path(src)}' to '{host.win_path(target)}': "
                           "dest is already a file")
        if not ctx.check_mode:
            target.mkdir(parents=True)
        changed = True
    for child in sorted(src.iterdir()):
        child_target = _child(target, child.name) if target.is_dir() else target / child.name
        changed = _copy_tree(host, child, child_target, force, ctx) or changed
    return changed


def _child(folder: Path, name: str) -> Path:
    """``folder\\name`` matching an existing entry's case, like NTFS."""
    lowered = name.lower()
    for entry in folder.iterdir():
        if entry.name.lower() == lowered:
            return entry
    return folder / name


def _backup(host: Host, target: Path, ctx: Context) -> str:
    """Backup-File: ``<path>.<pid>.<yyyyMMdd-HHmmss>.bak`` next to the file."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = target.with_name(f"{target.name}.{os.getpid() % 65536}.{stamp}.bak")
    if not ctx.check_mode:
        host.copy_file(target, backup)
    return host.win_path(backup)


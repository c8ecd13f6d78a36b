"""File facts shared by the win_stat, win_find and win_copy fakes (no fake is registered here)."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat as stat_mod
from pathlib import Path
from typing import Any

from ..host import Host, WinError

OWNER = "BUILTIN\\Administrators"
ALGORITHMS = ("md5", "sha1", "sha256", "sha384", "sha512")


def checksum(path: Path, algorithm: str = "sha1") -> str:
    """Lower-case hex digest, as Get-FileChecksum prints it."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_size(path: Path) -> int:
    """Bytes of every file under a folder (links are not followed)."""
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return total


def attributes(local: Path) -> str:
    """The FileAttributes string .NET prints (``Directory``, ``Archive``, ``ReadOnly, Archive``...)."""
    st = local.lstat()
    names = []
    if not st.st_mode & stat_mod.S_IWUSR:
        names.append("ReadOnly")
    names.append("Directory" if stat_mod.S_ISDIR(st.st_mode) or local.is_dir() else "Archive")
    if local.is_symlink():
        names.append("ReparsePoint")
    return ", ".join(names)


def extension(name: str) -> str:
    """``FileInfo.Extension``: the last dot and what follows, or an empty string."""
    index = name.rfind(".")
    return name[index:] if 0 <= index < len(name) - 1 else ""


def file_info(host: Host, local: Path, *, get_checksum: bool = True, algorithm: str = "sha1",
              get_size: bool = True) -> dict[str, Any]:
    """The ``stat`` dictionary of win_stat for an existing path."""
    st = local.lstat()
    is_dir = local.is_dir()
    is_link = local.is_symlink()
    attrs = attributes(local)
    info: dict[str, Any] = {
        "exists": True,
        "attributes": attrs,
        "isarchive": "Archive" in attrs,
        "isdir": is_dir,
        "ishidden": False,
        "isjunction": False,
        "islnk": is_link,
        "isreadonly": "ReadOnly" in attrs,
        "isreg": not is_dir and not is_link,
        "isshared": False,
        "nlink": 1 if is_dir else st.st_nlink,
        "hlnk_targets": [],
        "creationtime": round(st.st_ctime, 7),
        "lastaccesstime": round(st.st_atime, 7),
        "lastwritetime": round(st.st_mtime, 7),
        "path": host.win_path(local),
        "filename": local.name,
        "owner": OWNER,
    }
    if is_link:
        info["lnk_target"] = os.readlink(local)
        try:
            info["lnk_source"] = host.win_path(local.resolve())
        except WinError:  # a link out of the sandbox: report its raw target
            info["lnk_source"] = info["lnk_target"]
    if is_dir:
        if get_size:
            info["size"] = tree_size(local)
    else:
        info["extension"] = extension(local.name)
        if get_checksum:
            info["checksum"] = checksum(local, algorithm)
        if get_size:
            info["size"] = local.stat().st_size
    return info


def like(name: str, pattern: str) -> bool:
    """PowerShell ``-like``: a case-insensitive wildcard match of the whole name."""
    return fnmatch.fnmatchcase(name.lower(), pattern.lower())


def path_exists(host: Host, win_path: str) -> bool:
    """``Test-Path``: does a path (or wildcard path filter) exist on the host?"""
    normalized = win_path.replace("/", "\\")
    parent, _, leaf = normalized.rstrip("\\").rpartition("\\")
    if any(c in leaf for c in "*?["):
        try:
            folder = host.local_path(parent + "\\")
        except WinError:
            return False
        return folder.is_dir() and any(like(child.name, leaf) for child in folder.iterdir())
    try:
        return host.local_path(normalized).exists()
    except WinError:
        return False

"""File helpers shared by the win_copy and win_command fakes (no fake is registered here)."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from pathlib import Path

from ..host import Host, WinError


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

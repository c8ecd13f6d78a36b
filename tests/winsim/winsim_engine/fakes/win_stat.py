"""ansible.windows.win_stat and win_find over the host's sandboxed drives and shares.

Both report the same per-path facts (``_fileinfo.file_info``): times are the sandbox file's
epoch floats, ``checksum`` uses ``checksum_algorithm`` (sha1 by default), attributes are
``Directory``/``Archive`` (+ ``ReadOnly`` when not writable). win_find supports ``paths``,
``patterns`` (case-insensitive wildcards, or regex with ``use_regex``/``case_sensitive``),
``recurse``/``depth``, ``file_type``, ``age``/``age_stamp``, ``size``, ``get_checksum``.
Not modelled: hidden files (nothing is hidden), shares of local folders (``isshared`` is
always false), hard links, junction points, owners other than BUILTIN\\Administrators.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from ..host import Host, WinError
from . import Context, Result, fake
from ._fileinfo import file_info, like

_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_UNITS = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


@fake("ansible.windows.win_stat")
def win_stat(host: Host, params: dict, ctx: Context) -> Result:
    local = host.local_path(params["path"])
    if not (local.exists() or local.is_symlink()):
        return {"changed": False, "stat": {"exists": False}}
    follow = bool(params.get("follow"))
    if follow and local.is_symlink():
        local = local.resolve()
    try:
        stat = file_info(host, local, get_checksum=bool(params.get("get_checksum", True)),
                         algorithm=params.get("checksum_algorithm") or "sha1",
                         get_size=bool(params.get("get_size", True)))
    except OSError as exc:
        raise WinError(f"Failed to get hash of file, set get_checksum to False to ignore this error: {exc}") from exc
    return {"changed": False, "stat": stat}


@fake("ansible.windows.win_find")
def win_find(host: Host, params: dict, ctx: Context) -> Result:
    search = _Search(host, params)
    matched: list[dict[str, Any]] = []
    for path in params["paths"]:
        try:
            local = host.local_path(path)
        except WinError:
            search.warnings.append(f"Argument path '{path}' does not exist or is not accessible, skipping")
            continue
        if not local.exists():
            search.warnings.append(f"Argument path '{path}' does not exist or is not accessible, skipping")
            continue
        if not local.is_dir():
            search.warnings.append(f"Argument path '{path}' is a file not a directory, skipping")
            continue
        matched.extend(search.walk(local, int(params.get("depth") or 0)))
    result: Result = {"changed": False, "examined": search.examined, "matched": len(matched),
                      "files": sorted(matched, key=lambda f: f["path"])}
    if search.warnings:
        result["warnings"] = search.warnings
    return result


class _Search:
    """The filters and counters of one win_find run."""

    def __init__(self, host: Host, params: dict) -> None:
        self.host = host
        self.params = params
        self.examined = 0
        self.warnings: list[str] = []
        self.checked: set[str] = set()
        self.age = _parse(params.get("age"), r"^(-?\d+)(s|m|h|d|w)?$", _AGE_UNITS, "s", "Invalid age pattern specified")
        self.size = _parse(params.get("size"), r"^(-?\d+)(b|k|m|g|t)?$", _SIZE_UNITS, "b",
                           "Invalid size pattern specified")
        self.now = time.time()

    def walk(self, folder: Path, depth: int) -> list[dict[str, Any]]:
        """Search ``folder``; ``depth`` 1 stops at its children, 0 (or less) is unlimited."""
        found: list[dict[str, Any]] = []
        try:
            children = sorted(folder.iterdir(), key=lambda p: p.name.lower())
        except OSError:
            return found
        for child in children:
            descend = child.is_dir() and self.params.get("recurse") and depth != 1
            if descend and (self.params.get("follow") or not child.is_symlink()):
                found.extend(self.walk(child, depth - 1))
            key = str(child).lower()
            if key in self.checked:
                continue
            self.checked.add(key)
            self.examined += 1
            if self._matches(child):
                found.append(file_info(self.host, child, get_checksum=bool(self.params.get("get_checksum", True)),
                                       algorithm=self.params.get("checksum_algorithm") or "sha1"))
                self._shape(found[-1])
        return found

    def _matches(self, child: Path) -> bool:
        params = self.params
        is_dir = child.is_dir()
        file_type = params.get("file_type") or "file"
        if file_type == "file" and is_dir or file_type == "directory" and not is_dir:
            return False
        st = child.lstat()
        if self.age is not None:
            stamp = {"mtime": st.st_mtime, "ctime": st.st_ctime, "atime": st.st_atime}[params.get("age_stamp") or "mtime"]
            if self.age >= 0 and not stamp <= self.now - self.age:
                return False
            if self.age < 0 and not stamp >= self.now + self.age:
                return False
        if params.get("patterns"):
            if params.get("use_regex"):
                flags = 0 if params.get("case_sensitive") else re.IGNORECASE
                if not any(re.search(p, child.name, flags) for p in params["patterns"]):
                    return False
            elif not any(like(child.name, p) for p in params["patterns"]):
                return False
        if self.size is not None:
            if is_dir:  # DirectoryInfo has no Length: PowerShell compares $null
                return self.size < 0
            length = st.st_size
            if (self.size >= 0 and length < self.size) or (self.size < 0 and length > -self.size):
                return False
        return True

    @staticmethod
    def _shape(info: dict[str, Any]) -> None:
        """win_find always carries these keys (null when not applicable)."""
        for key in ("checksum", "extension", "sharename", "size", "lnk_source", "lnk_target"):
            info.setdefault(key, None)
        if info["isdir"]:
            info["size"] = None


def _parse(value: Any, pattern: str, units: dict[str, int], default_unit: str, error: str) -> int | None:
    if value is None:
        return None
    match = re.match(pattern, str(value))
    if not match:
        raise WinError(error)
    return int(match.group(1)) * units[match.group(2) or default_unit]


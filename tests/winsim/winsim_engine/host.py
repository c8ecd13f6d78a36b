"""One simulated Windows host: sandboxed drives, persistent state, journal and faults.

Layout of a host folder (written by ``fleet.new_fleet``)::

    <fleet>/hosts/<name>/drives/C/...     C:\\ ...
    <fleet>/hosts/<name>/drives/D/...     D:\\ ...
    <fleet>/hosts/<name>/state.json       services, processes, disks, secrets, counters
    <fleet>/hosts/<name>/faults.json      fault injection rules (optional)
    <fleet>/hosts/<name>/journal.jsonl    one JSON line per module call and per host event
    <fleet>/shares/<server>/<share>/...   \\\\server\\share\\ ... (shared by the whole fleet)

Every read-modify-write of ``state.json`` holds an exclusive ``flock`` so that a detached
async job and the connection can both change the host safely.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REDACTED = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
SECRET_KEY = re.compile(r"pass(word)?|secret|token|credential", re.IGNORECASE)


class WinError(Exception):
    """A failure the real Windows module would report as ``failed`` with this message."""


class DiskFullError(WinError):
    """Raised when a write would exceed the free space of a simulated drive."""

    def __init__(self, drive: str) -> None:
        super().__init__(f"There is not enough space on the disk. (drive {drive}:)")


class Host:
    """A simulated Windows host rooted at ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        if not (self.root / "state.json").is_file():
            raise WinError(f"winsim host folder {self.root} has no state.json (run 'winsim new')")
        self.fleet_root = self.root.parent.parent
        self.name = self.root.name

    # ------------------------------------------------------------------ state
    @contextlib.contextmanager
    def locked_state(self) -> Iterator[dict[str, Any]]:
        """Yield the host state for modification; it is written back on exit."""
        with open(self.root / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = json.loads((self.root / "state.json").read_text())
                yield state
                tmp = self.root / "state.json.tmp"
                tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
                os.replace(tmp, self.root / "state.json")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def state(self) -> dict[str, Any]:
        """Return a snapshot of the host state (read only)."""
        with self.locked_state() as state:
            return json.loads(json.dumps(state))

    # ------------------------------------------------------------------ paths
    def local_path(self, win_path: str) -> Path:
        """Map a Windows path (``C:\\x``, ``\\\\srv\\share\\x``) to its sandbox path, matching case like NTFS."""
        path = str(win_path).replace("/", "\\")
        path = self._expand_env(path)
        unc = re.match(r"^\\\\([^\\]+)\\([^\\]+)(.*)$", path)
        if unc:
            server, share, rest = unc.groups()
            base = self.fleet_root / "shares"
            share_dir = _match_case(base, server.lower())
            share_dir = _match_case(share_dir, share.lower())
            if not share_dir.is_dir():
                raise WinError(f"The network path was not found: \\\\{server}\\{share}")
            return _resolve_parts(share_dir, rest)
        drive = re.match(r"^([A-Za-z]):(.*)$", path)
        if not drive:
            raise WinError(f"Path '{win_path}' is not an absolute Windows path")
        letter, rest = drive.groups()
        drive_dir = self.root / "drives" / letter.upper()
        if not drive_dir.is_dir():
            raise WinError(f"Cannot find drive. A drive with the name '{letter.upper()}' does not exist.")
        return _resolve_parts(drive_dir, rest)

    def win_path(self, local: str | os.PathLike[str]) -> str:
        """Map a sandbox path back to the Windows path a host would print."""
        local = Path(local).resolve()
        drives = self.root / "drives"
        if local.is_relative_to(drives):
            rel = local.relative_to(drives).parts
            return rel[0] + ":\\" + "\\".join(rel[1:])
        shares = self.fleet_root / "shares"
        if local.is_relative_to(shares):
            return "\\\\" + "\\".join(local.relative_to(shares).parts)
        raise WinError(f"{local} is outside the host sandbox")

    def _expand_env(self, path: str) -> str:
        env = {
            "PROGRAMDATA": "C:\\ProgramData",
            "PROGRAMFILES": "C:\\Program Files",
            "TEMP": "C:\\Windows\\Temp",
            "TMP": "C:\\Windows\\Temp",
            "SYSTEMROOT": "C:\\Windows",
            "USERPROFILE": "C:\\Users\\ansible",
        }
        return re.sub(r"%([^%]+)%", lambda m: env.get(m.group(1).upper(), m.group(0)), path)

    def drive_of(self, local: Path) -> str:
        """Return the drive letter (or ``UNC``) a sandbox path lives on."""
        drives = self.root / "drives"
        if local.resolve().is_relative_to(drives):
            return local.resolve().relative_to(drives).parts[0]
        return "UNC"

    def check_space(self, local: Path, nbytes: int) -> None:
        """Raise DiskFullError when ``nbytes`` do not fit on the drive of ``local``."""
        drive = self.drive_of(local)
        if drive == "UNC":
            if self.state().get("share_full"):
                raise DiskFullError("UNC")
            return
        free = self.free_bytes(drive)
        if nbytes > free:
            raise DiskFullError(drive)

    def free_bytes(self, drive: str) -> int:
        """Free bytes of a drive: its configured size minus what the sandbox holds."""
        state = self.state()
        disk = state["disks"].get(drive.upper())
        if disk is None:
            raise WinError(f"Cannot find drive {drive}")
        if disk.get("full"):
            return 0
        used = _tree_size(self.root / "drives" / drive.upper())
        return max(0, int(disk["size"]) - int(disk.get("used_by_others", 0)) - used)

    def write_bytes(self, local: Path, data: bytes) -> None:
        """Write a file, honouring the free space of its drive."""
        self.check_space(local, len(data))
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)

    def copy_file(self, src: Path, dest: Path) -> None:
        """Copy a file, honouring the free space of the destination drive."""
        self.check_space(dest, src.stat().st_size)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)

    # ---------------------------------------------------------------- journal
    def journal(self, entry: dict[str, Any]) -> None:
        """Append one JSON line to the host journal."""
        entry = {"t": round(time.time(), 4), **entry}
        line = json.dumps(entry, sort_keys=True, default=str)
        with open(self.root / "journal.jsonl", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.write(line + "\n")
            fcntl.flock(fh, fcntl.LOCK_UN)

    def event(self, name: str, **fields: Any) -> None:
        """Journal a host-side event (service transition, AlteryxService.exe verb, ...)."""
        self.journal({"kind": "event", "event": name, **fields})

    # ----------------------------------------------------------------- faults
    def next_fault(self, call_key: str) -> dict[str, Any] | None:
        """Count this call and return the fault rule that fires on it, if any."""
        with self.locked_state() as state:
            counters = state.setdefault("counters", {})
            counters[call_key] = counters.get(call_key, 0) + 1
            count = counters[call_key]
        faults_file = self.root / "faults.json"
        if not faults_file.is_file():
            return None
        for rule in json.loads(faults_file.read_text()):
            if rule.get("call") == call_key and int(rule.get("occurrence", 1)) == count:
                return rule
        return None


def redact(value: Any, no_log: bool = False) -> Any:
    """Return ``value`` with no_log and secret-looking keys replaced, as Ansible would log it."""
    if no_log:
        return REDACTED
    if isinstance(value, dict):
        return {
            k: (REDACTED if SECRET_KEY.search(str(k)) and v not in (None, "", False) else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _match_case(base: Path, part: str) -> Path:
    if (base / part).exists() or not base.is_dir():
        return base / part
    lowered = part.lower()
    for child in base.iterdir():
        if child.name.lower() == lowered:
            return child
    return base / part


def _resolve_parts(base: Path, rest: str) -> Path:
    current = base
    for part in [p for p in rest.split("\\") if p not in ("", ".")]:
        if part == "..":
            current = current.parent if current != base else current
            continue
        current = _match_case(current, part)
    return current


def _tree_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total

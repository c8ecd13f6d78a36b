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

Besides the path mapping, a host models what Windows PowerShell 5.1 does with files, so that the
Python twins of our host scripts trip where the scripts would: file attributes and
``Get-ChildItem`` without ``-Force``, ``Resolve-Path`` / ``Split-Path -Qualifier`` on UNC paths,
``Move-Item`` onto an existing file, and the encodings of ``Get-Content``, ``Set-Content``,
``Out-File`` and ``[IO.File]::ReadAllText``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

REDACTED = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
SECRET_KEY = re.compile(r"pass(word)?|secret|token|credential", re.IGNORECASE)
# The DACL an item inherits when nothing below the volume root set one: a data drive formatted by Windows
# (Administrators and SYSTEM full control, every signed-in user may read and change), and the NTFS permissions of the
# fleet's file share (the share's admins; its backup group may change files). winsim models Allow rules only.
DRIVE_DEFAULT_RULES = (("BUILTIN\\Administrators", "FullControl"), ("NT AUTHORITY\\SYSTEM", "FullControl"),
                       ("NT AUTHORITY\\Authenticated Users", "Modify"), ("BUILTIN\\Users", "ReadAndExecute"))
SHARE_DEFAULT_RULES = (("BUILTIN\\Administrators", "FullControl"), ("NT AUTHORITY\\SYSTEM", "FullControl"),
                       ("CORP\\Domain Admins", "FullControl"), ("CORP\\Backup Operators", "Modify"))
# A volume without security descriptors (FAT32, exFAT): everyone may do everything, and no DACL can be set.
NO_ACL_RULES = (("Everyone", "FullControl"),)
NO_ACL_FILE_SYSTEMS = frozenset({"FAT", "FAT32", "EXFAT"})
# NotSupportedException of NativeObjectSecurity.Persist for ERROR_NO_SECURITY_ON_OBJECT (.NET Framework resources).
NO_SECURITY_MESSAGE = "Unable to perform a security operation on an object that has no associated security."


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
        # Bytes each drive's sandbox holds, walked once when first needed and then kept up to date by this object's
        # writes, copies, moves and deletes (walking the drive on every write made a dump of N files cost N walks).
        # It lives as long as this object - one module call, or one async job - so files other code wrote or deleted
        # directly are counted again by the next call.
        self._used: dict[str, int] = {}
        self._state_signature: tuple[int, int, int] | None = None
        self._state_snapshot: dict[str, Any] = {}

    # ------------------------------------------------------------------ state
    @contextlib.contextmanager
    def locked_state(self) -> Iterator[dict[str, Any]]:
        """Yield the host state for modification; it is written back on exit.

        Touching the host first fires the scheduled tasks that came due meanwhile (winsim has no Task Scheduler
        daemon; see ``scheduler.settle``); their events are journalled once the state is written.
        """
        from . import scheduler  # late: scheduler imports alteryx, which imports this module

        with open(self.root / ".lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                text = (self.root / "state.json").read_text()
                state = json.loads(text)
                fired = scheduler.settle(state)
                yield state
                # Most holders only read: writing the same state again would cost an indented dump and a rename
                # per call for nothing (comparing with a second parse of the text is much cheaper than dumping).
                if state != json.loads(text):
                    tmp = self.root / "state.json.tmp"
                    tmp.write_text(json.dumps(state, indent=1, sort_keys=True))
                    os.replace(tmp, self.root / "state.json")
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        for name, fields in fired:
            self.event(name, **fields)

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
        resolved = local.resolve()
        if resolved.is_relative_to(drives):
            return resolved.relative_to(drives).parts[0]
        return "UNC"

    def check_space(self, local: Path, nbytes: int, drive: str | None = None) -> None:
        """Raise DiskFullError when ``nbytes`` do not fit on the drive of ``local`` (``drive``, when known)."""
        drive = drive or self.drive_of(local)
        if drive == "UNC":
            if self._disk_state().get("share_full"):
                raise DiskFullError("UNC")
            return
        free = self.free_bytes(drive)
        if nbytes > free:
            raise DiskFullError(drive)

    def _disk_state(self) -> dict[str, Any]:
        """The host state as the free-space checks need it, read again only when state.json changed.

        A dump writes thousands of files and each write checks the space; parsing state.json for each made the dump
        quadratic in practice. A changed file (another process's write, a fault marking the disks full) has a new
        inode or time, so it is always seen.
        """
        path = self.root / "state.json"
        try:
            info = os.stat(path)
            signature: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
        except OSError:
            signature = None
        if signature is None or signature != self._state_signature:
            self._state_snapshot = self.state()
            self._state_signature = signature
        return self._state_snapshot

    def free_bytes(self, drive: str) -> int:
        """Free bytes of a drive: its configured size minus what the sandbox holds."""
        state = self._disk_state()
        disk = state["disks"].get(drive.upper())
        if disk is None:
            raise WinError(f"Cannot find drive {drive}")
        if disk.get("full"):
            return 0
        return max(0, int(disk["size"]) - int(disk.get("used_by_others", 0)) - self.used_bytes(drive))

    def used_bytes(self, drive: str) -> int:
        """Bytes the sandbox of ``drive`` holds: walked the first time, then kept by this object's own changes."""
        letter = drive.upper()
        if letter not in self._used:
            self._used[letter] = _tree_size(self.root / "drives" / letter)
        return self._used[letter]

    def _account(self, local: Path, delta: int, drive: str | None = None) -> None:
        """Add ``delta`` bytes to the usage figure of the drive holding ``local`` (if it was walked yet)."""
        if delta:
            drive = drive or self.drive_of(local)
            if drive in self._used:
                self._used[drive] += delta

    def write_bytes(self, local: Path, data: bytes) -> None:
        """Write a file, honouring the free space of its drive."""
        drive = self.drive_of(local)
        self.check_space(local, len(data), drive)
        local.parent.mkdir(parents=True, exist_ok=True)
        before = _file_size(local)
        local.write_bytes(data)
        self._account(local, len(data) - before, drive)

    def copy_file(self, src: Path, dest: Path) -> None:
        """Copy a file, honouring the free space of the destination drive."""
        size = src.stat().st_size
        drive = self.drive_of(dest)
        self.check_space(dest, size, drive)
        dest.parent.mkdir(parents=True, exist_ok=True)
        before = _file_size(dest)
        shutil.copy2(src, dest)
        self._account(dest, size - before, drive)

    # ------------------------------------------------------ file attributes
    # NTFS keeps Hidden/System/ReadOnly per file; the sandbox's Linux files cannot, so winsim
    # persists them in state.json under "attributes", keyed by the lower-cased Windows path (NTFS is
    # case-insensitive). Each entry also records the file's identity (``file_identity``): a file
    # deleted and created again (by any fake) is a new file on Windows too and must not inherit them.
    def set_attributes(self, win_path: str, attrs: Iterable[str]) -> None:
        """Set the attribute flags of an existing item, like ``(Get-Item -Force $p).Attributes = ...``.

        ``attrs`` replaces the item's flags; names are ``Hidden``, ``System``, ``ReadOnly`` (any case,
        ``Normal`` clears them). A missing item raises ``Cannot find path '<p>' because it does not exist.``
        """
        local = self.local_path(win_path)
        if not local.exists():
            raise WinError(f"Cannot find path '{win_path}' because it does not exist.")
        flags = _attribute_flags(attrs)
        key = self.win_path(local).lower()
        with self.locked_state() as state:
            table = state.setdefault("attributes", {})
            if flags:
                table[key] = {"attrs": sorted(flags), **file_identity(local, create=True)}
            else:
                table.pop(key, None)

    def attributes(self, win_path: str) -> set[str]:
        """The persisted attribute flags of an item (``Hidden``, ``System``, ``ReadOnly``); empty when none."""
        local = self.local_path(win_path)
        return _flags_of(self.state().get("attributes", {}), self, local)

    def get_child_items(self, win_path: str, recurse: bool = False, force: bool = False,
                        files_only: bool = False) -> list[Path]:
        """``Get-ChildItem -LiteralPath <p> [-Recurse] [-Force] [-File]``: the sandbox paths it would return.

        As the FileSystem provider does (PowerShell ``FileSystemProvider.Dir``): without ``-Force`` an
        item whose attributes include ``Hidden`` is not returned and a hidden folder is not descended
        into; ``System`` alone does not hide an item (the provider tests only the Hidden bit, so
        ``Hidden, System`` files such as ``desktop.ini`` are skipped, a System-only file is listed).
        Listing a hidden folder given as the path itself works. Each folder yields its subfolders,
        then its files, in NTFS (case-insensitive) name order, before ``-Recurse`` descends into the
        subfolders. ``-File`` drops folders from the output but still recurses. A missing path raises
        ``Cannot find path '<p>' because it does not exist.``; a hidden file named as the path without
        ``-Force`` raises ``Could not find item <p>.`` (ItemNotFound, as ``Get-Item`` does). Dotfiles
        are not hidden on Windows.
        """
        local = self.local_path(win_path)
        if not local.exists():
            raise WinError(f"Cannot find path '{win_path}' because it does not exist.")
        table = self.state().get("attributes", {})

        def hidden(path: Path) -> bool:
            return not force and "Hidden" in _flags_of(table, self, path)

        if not local.is_dir():
            if hidden(local):
                raise WinError(f"Could not find item {win_path}.")
            return [local]
        found: list[Path] = []

        def walk(folder: Path) -> None:
            children = sorted(folder.iterdir(), key=lambda p: p.name.upper())
            folders = [c for c in children if c.is_dir() and not c.is_symlink() and not hidden(c)]
            files = [c for c in children if not c.is_dir() and not hidden(c)]
            if not files_only:
                found.extend(folders)
            found.extend(files)
            if recurse:
                for child in folders:
                    walk(child)

        walk(local)
        return found

    # ------------------------------------------------------ path cmdlets
    def resolve_path_text(self, win_path: str) -> str:
        """``(Resolve-Path -LiteralPath <p>).Path`` as Windows PowerShell 5.1 prints it.

        - Drive paths come back as typed: the drive letter as the PSDrive names it (``C``), every other
          component in the case the caller typed, not the on-disk case (Resolve-Path without wildcards
          does not consult the disk for names; PowerShell/PowerShell#6197, #13190). ``/`` becomes ``\\``,
          ``.`` and ``..`` are collapsed, a trailing separator is dropped (except at the root).
        - UNC paths have no PSDrive, so the path comes back provider-qualified:
          ``Microsoft.PowerShell.Core\\FileSystem::\\\\server\\share\\...`` (a string that ``[IO.File]``
          and ``Join-Path`` users must not treat as a plain path).
        - A provider-qualified input keeps the prefix the caller typed.
        - A missing item raises ``Cannot find path '<p>' because it does not exist.`` (ItemNotFound).
        - ``%VAR%`` is not expanded (PowerShell is not cmd.exe); a relative path has no location here.
        """
        text = str(win_path)
        prefix = ""
        qualified = re.match(r"^((?:[\w.]+\\)?FileSystem::)(.*)$", text, re.IGNORECASE)
        if qualified:
            prefix, text = qualified.groups()
        text = text.replace("/", "\\")
        unc = re.match(r"^\\\\([^\\]+)\\([^\\]+)(.*)$", text)
        drive = re.match(r"^([A-Za-z]):(.*)$", text)
        if unc:
            server, share, rest = unc.groups()
            root = f"\\\\{server}\\{share}"
            parts = _collapse(rest)
            shown = root + "".join("\\" + p for p in parts)
            if not prefix:
                prefix = "Microsoft.PowerShell.Core\\FileSystem::"
        elif drive:
            letter, rest = drive.groups()
            parts = _collapse(rest)
            shown = f"{letter.upper()}:\\" + "\\".join(parts)
        else:
            raise WinError(f"Cannot find path '{win_path}' because it does not exist.")
        try:
            exists = "%" not in shown and self.local_path(shown).exists()
        except WinError:
            if drive:
                raise  # Cannot find drive. A drive with the name 'Z' does not exist.
            exists = False  # a share that does not exist is just a path that does not exist
        if not exists:
            raise WinError(f"Cannot find path '{shown}' because it does not exist.")
        return prefix + shown

    @staticmethod
    def split_path_qualifier(win_path: str) -> str:
        """``Split-Path -Path <p> -Qualifier`` (PowerShell ``ParsePathCommand``).

        Returns everything up to the first ``:`` (``C:`` for ``C:\\x``), or up to ``::`` for a
        provider-qualified path (``Microsoft.PowerShell.Core\\FileSystem::``). A path without a colon,
        such as a UNC path, throws ``Cannot parse path because path '<p>' does not have a qualifier
        specified.`` (``NavigationResources.ParsePathFormatError``), so ``Split-Path -Qualifier`` is no
        way to find the "drive" of a share.
        """
        text = str(win_path)
        index = text.find(":")
        if index < 0:
            raise WinError(f"Cannot parse path because path '{text}' does not have a qualifier specified.")
        if text[index:index + 2] == "::":
            return text[:index + 2]
        return text[:index + 1]

    def move_item(self, src_win: str, dst_win: str, force: bool = False) -> Path:
        """``Move-Item -LiteralPath <src> -Destination <dst> [-Force]`` of Windows PowerShell 5.1; returns the new path.

        Ported from ``FileSystemProvider.MoveItem`` / ``MoveFileInfoItem`` and .NET Framework's
        ``FileInfo.MoveTo`` / ``Directory.Move``:
        - a destination that is an existing folder means "into that folder" (``<dst>\\<name>``);
        - a file onto an existing file raises IOException ``Cannot create a file when that file already
          exists.``; with ``-Force`` the destination loses ReadOnly/Hidden, is deleted, and replaced;
        - a file may move across volumes (copied, then deleted; free space is checked);
        - a folder onto an existing item raises the same IOException, with or without ``-Force``; a
          folder cannot move across volumes in 5.1 (``Source and destination path must have identical
          roots. Move will not work across volumes.``; PowerShell 7 added a copy fallback, 5.1 has none);
        - a missing source raises ``Cannot find path '<src>' because it does not exist.``; a missing
          destination folder raises ``Could not find a part of the path.``
        The item keeps its attributes (they follow it to the new path).
        """
        src = self.local_path(src_win)
        if not src.exists():
            raise WinError(f"Cannot find path '{src_win}' because it does not exist.")
        dst = self.local_path(dst_win)
        if dst.is_dir():
            dst = dst / src.name
        if not dst.parent.is_dir():
            raise WinError("Could not find a part of the path.")
        same_volume = self._volume(src) == self._volume(dst)
        if src.is_dir():
            if dst.resolve() == src.resolve() or dst.resolve().is_relative_to(src.resolve()):
                raise WinError("Destination path cannot be a subdirectory of the source or the source itself: "
                               f"{self.win_path(dst)}.")
            if dst.exists():
                raise WinError("Cannot create a file when that file already exists.")
            if not same_volume:
                raise WinError("Source and destination path must have identical roots. Move will not work across "
                               "volumes.")
            old_key = self.win_path(src).lower()
            carried = self._carried_acl(src)
            os.rename(src, dst)
            self._rekey_attributes(old_key, self.win_path(dst).lower())
            self._place_acl(old_key, dst, carried)
            return dst
        if dst.exists():
            # -Force replaces only a file (File.Exists); a folder in the way always fails.
            if not force or dst.is_dir():
                raise WinError("Cannot create a file when that file already exists.")
            self._forget_attributes(self.win_path(dst).lower())
            replaced = _file_size(dst)
            dst.unlink()
            self._account(dst, -replaced)
        old_key = self.win_path(src).lower()
        carried = self._carried_acl(src) if same_volume else None  # across volumes: a new file, it inherits there
        if same_volume:
            os.replace(src, dst)
        else:
            size = src.stat().st_size
            self.check_space(dst, size)
            shutil.copy2(src, dst)
            self._account(dst, size)
            src.unlink()
            self._account(src, -size)
        self._rekey_attributes(old_key, self.win_path(dst).lower(), ino=dst.stat().st_ino)  # a copy across volumes
        self._place_acl(old_key, dst, carried)
        return dst

    def _volume(self, local: Path) -> str:
        """The volume of a sandbox path: its drive letter, or ``\\\\server\\share`` for a share."""
        drive = self.drive_of(local)
        if drive != "UNC":
            return drive
        parts = self.win_path(local).split("\\")
        return "\\".join(parts[:4]).lower()

    def _rekey_attributes(self, old_key: str, new_key: str, ino: int | None = None) -> None:
        with self.locked_state() as state:
            table = state.get("attributes", {})
            for key in [k for k in table if k == old_key or k.startswith(old_key + "\\")]:
                entry = table.pop(key)
                if ino is not None:
                    entry["ino"] = ino
                table[new_key + key[len(old_key):]] = entry

    def _forget_attributes(self, key: str) -> None:
        with self.locked_state() as state:
            state.get("attributes", {}).pop(key, None)

    # ------------------------------------------------------ access control
    # NTFS keeps a security descriptor per item; the sandbox's Linux files cannot, so winsim persists the DACLs
    # set on the host in state.json under "acls", keyed and identified like "attributes" (a file deleted and
    # created again is a new file and inherits). An item without an entry inherits the DACL of its nearest ancestor
    # that has one (Windows propagates inheritable rules down to every item that does not block inheritance), else
    # the volume's default. Every rule modelled is inheritable by files and folders (the
    # ContainerInherit, ObjectInherit rules our scripts write) and of type Allow.
    def current_user(self) -> str:
        """``[Security.Principal.WindowsIdentity]::GetCurrent().Name``: the account the connection runs as."""
        state = self.state()
        return f"{state['hostname']}\\{state.get('connection_user', 'Administrator')}"

    def file_system(self, local: Path) -> str:
        """The file system of the volume holding ``local``: a drive's ``file_system`` in state.json (default NTFS);
        shares are NTFS."""
        drive = self.drive_of(local)
        if drive == "UNC":
            return "NTFS"
        return str(self.state()["disks"].get(drive.upper(), {}).get("file_system", "NTFS"))

    def set_access_control(self, win_path: str, rules: Iterable[tuple[str, str]], protected: bool = True) -> None:
        """``[IO.File]::SetAccessControl`` / ``[IO.Directory]::SetAccessControl`` with a new DACL of ``rules``
        ((identity, rights) pairs); ``protected`` is ``SetAccessRuleProtection($true, $false)``: nothing inherited.

        Journalled as event ``set_acl`` {path, protected, identities}. Like SetNamedSecurityInfo, setting a folder's
        DACL propagates to the items below it: their kept inherited
        rules (a same-volume move's) are replaced, their own protected DACLs stay. A missing item raises
        ``Could not find file '<p>'.``; on a FAT32/exFAT volume the call raises NotSupportedException's
        ``Unable to perform a security operation on an object that has no associated security.``
        """
        local = self.local_path(win_path)
        if not local.exists():
            raise WinError(f"Could not find file '{win_path}'.")
        if self.file_system(local).upper() in NO_ACL_FILE_SYSTEMS:
            raise WinError(NO_SECURITY_MESSAGE)
        key = self.win_path(local).lower()
        entry = {"protected": bool(protected), "rules": _rules(rules, inherited=False),
                 **file_identity(local, create=True)}
        with self.locked_state() as state:
            table = _live_acls(state.setdefault("acls", {}), self)
            if local.is_dir():
                for below in [k for k, e in table.items() if k.startswith(key + "\\") and not e.get("protected")]:
                    del table[below]
            table[key] = entry
            state["acls"] = table
        # Journalled, so that a test can see the ACL of an item the run removed again (the staging folder).
        self.event("set_acl", path=self.win_path(local), protected=bool(protected),
                   identities=[rule["identity"] for rule in entry["rules"]])

    def create_directory(self, win_path: str, rules: Iterable[tuple[str, str]] | None = None) -> bool:
        """``[IO.Directory]::CreateDirectory(<p>[, <DirectorySecurity>])``: creates the folder and every missing
        parent; returns True when the folder itself was created here.

        With ``rules`` every folder created gets that protected DACL (.NET passes the same security attributes to
        each CreateDirectory it makes); a folder that exists already is left as it is - the ACL is not applied to
        it. A volume without security (FAT32, exFAT) ignores the ACL silently, as CreateDirectory does there.
        An existing file in the way raises ``Cannot create '<p>' because a file or directory with the same name
        already exists.``
        """
        local = self.local_path(win_path)
        if local.is_dir():
            return False
        missing = []
        probe = local
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        if not probe.is_dir():
            raise WinError(f"Cannot create '{self.win_path(probe)}' because a file or directory with the same name "
                           "already exists.")
        try:
            local.mkdir(parents=True)
        except FileExistsError:
            if local.is_dir():
                return False  # another process created it in between: CreateDirectory succeeds and applies nothing
            raise
        if rules is not None and self.file_system(local).upper() not in NO_ACL_FILE_SYSTEMS:
            rule_list = list(rules)
            for folder in reversed(missing):
                self.set_access_control(self.win_path(folder), rule_list)
        return True

    def access_rules(self, win_path: str) -> dict[str, Any]:
        """What ``Get-Acl`` shows of an existing item's DACL: ``{path, protected, inherited_from, rules}``, each rule
        ``{identity, rights, type, inherited}``.

        ``protected`` is ``AreAccessRulesProtected``; ``inherited_from`` the Windows path whose DACL the rules come
        from (the item itself for its own DACL), ``(volume default)`` for the drive or share default, or
        ``(no security: <file system>)`` on a FAT32/exFAT volume. A missing item raises ``Cannot find path '<p>'
        because it does not exist.``
        """
        local = self.local_path(win_path)
        if not local.exists():
            raise WinError(f"Cannot find path '{win_path}' because it does not exist.")
        shown = self.win_path(local)
        system = self.file_system(local)
        if system.upper() in NO_ACL_FILE_SYSTEMS:
            return {"path": shown, "protected": False, "inherited_from": f"(no security: {system})",
                    "rules": _rules(NO_ACL_RULES, inherited=False)}
        table = self.state().get("acls", {})
        probe = local
        while True:
            entry = _acl_entry(table, self, probe)
            if entry is not None:
                own = probe == local
                rules = entry["rules"] if own else [{**rule, "inherited": True} for rule in entry["rules"]]
                return {"path": shown, "protected": own and entry["protected"], "rules": rules,
                        "inherited_from": self.win_path(probe)}
            if probe.parent == probe or not _inside_volume(self, probe.parent):
                break
            probe = probe.parent
        default = SHARE_DEFAULT_RULES if self.drive_of(local) == "UNC" else DRIVE_DEFAULT_RULES
        return {"path": shown, "protected": False, "inherited_from": "(volume default)",
                "rules": _rules(default, inherited=True)}

    def _carried_acl(self, local: Path) -> dict[str, Any]:
        """The DACL a same-volume move keeps: MoveFile moves the security descriptor as it is, inherited rules
        included - they are not recomputed from the new parent (the classic leak of a file moved into a
        restricted folder)."""
        current = self.access_rules(self.win_path(local))
        return {"protected": current["protected"], "rules": current["rules"]}

    def _place_acl(self, old_key: str, dst: Path, carried: dict[str, Any] | None) -> None:
        new_key = self.win_path(dst).lower()
        keeps = carried is not None and self.file_system(dst).upper() not in NO_ACL_FILE_SYSTEMS  # before the lock
        with self.locked_state() as state:
            table = state.get("acls", {})
            for key in [k for k in table if k in (old_key, new_key) or k.startswith(old_key + "\\")]:
                entry = table.pop(key)
                if key.startswith(old_key + "\\"):
                    table[new_key + key[len(old_key):]] = entry
            if keeps and carried is not None:
                table[new_key] = {**carried, **file_identity(dst, create=True)}
            state["acls"] = table

    # ------------------------------------------------------------ encodings
    def read_all_text(self, win_path: str) -> str:
        """.NET ``[IO.File]::ReadAllText(<p>)``: BOM detection, otherwise UTF-8.

        ``StreamReader`` with ``detectEncodingFromByteOrderMarks``: ``EF BB BF`` UTF-8, ``FF FE`` UTF-16LE,
        ``FE FF`` UTF-16BE, ``FF FE 00 00`` UTF-32LE, ``00 00 FE FF`` UTF-32BE; the BOM is not part of
        the text. Without a BOM the bytes are read as UTF-8 and invalid sequences become U+FFFD (so an
        ANSI-written ``é`` is silently lost). Line endings are kept. A missing file raises
        ``Could not find file '<p>'.`` (FileNotFoundException).
        """
        local = self.local_path(win_path)
        if not local.is_file():
            raise WinError(f"Could not find file '{win_path}'.")
        return decode_with_bom(local.read_bytes(), "utf-8")

    def get_content_raw(self, win_path: str) -> str | None:
        """Windows PowerShell 5.1 ``Get-Content -LiteralPath <p> -Raw`` (no ``-Encoding``).

        5.1's FileSystem provider reads with BOM detection (as ``read_all_text``) but, without a BOM,
        decodes with the ANSI code page (``Encoding.Default``, cp1252 on en-US hosts) -- so a UTF-8 file
        without BOM comes back as mojibake (``Ã©`` for ``é``). Bytes cp1252 leaves undefined (0x81,
        0x8D, 0x8F, 0x90, 0x9D) map to U+0081... as Windows does. An empty file yields ``$null``
        (None here), not an empty string. A missing path raises ``Cannot find path '<p>' because it
        does not exist.``
        """
        local = self.local_path(win_path)
        if not local.is_file():
            raise WinError(f"Cannot find path '{win_path}' because it does not exist.")
        text = decode_with_bom(local.read_bytes(), "ansi")
        return text or None

    def set_content(self, win_path: str, text: str | Iterable[str], encoding: str = "Default",
                    force: bool = False) -> None:
        """Windows PowerShell 5.1 ``Set-Content -LiteralPath <p> -Value <text>`` (default ``-Encoding Default``).

        Each value is written followed by CRLF (``-NoNewline`` is not modelled). The default encoding
        is ANSI (cp1252): characters it cannot hold go through Windows' best-fit table (approximated
        here by the unaccented letter, ``Ā`` -> ``A``) or become ``?``; a character outside the BMP
        becomes ``??`` (one per UTF-16 unit, as .NET's best-fit fallback does). Other ``-Encoding``
        names of 5.1 are accepted (``UTF8`` writes a BOM in 5.1, ``Unicode`` is UTF-16LE with BOM, ...).
        An existing Hidden or ReadOnly file raises ``Access to the path '<p>' is denied.`` unless
        ``force`` (``-Force``); a missing folder raises ``Could not find a part of the path '<p>'.``
        """
        self._write_text(win_path, text, encoding, force)

    def out_file(self, win_path: str, text: str | Iterable[str], encoding: str = "Unicode",
                 force: bool = False) -> None:
        """Windows PowerShell 5.1 ``Out-File -LiteralPath <p>`` and the ``>`` redirection operator.

        5.1's default is ``Unicode``: UTF-16LE with a BOM (``FF FE``), each line followed by CRLF -- a
        file that UTF-8 readers and ``[IO.File]::ReadAllBytes``-based hashing of "the same text" do
        not expect. Otherwise as ``set_content`` (errors, ``force``, ``encoding`` names).
        """
        self._write_text(win_path, text, encoding, force)

    def _write_text(self, win_path: str, text: str | Iterable[str], encoding: str, force: bool) -> None:
        local = self.local_path(win_path)
        if not local.parent.is_dir():
            raise WinError(f"Could not find a part of the path '{win_path}'.")
        if local.is_dir():
            raise WinError(f"Access to the path '{win_path}' is denied.")
        if local.exists() and not force and self.attributes(win_path) & {"Hidden", "ReadOnly"}:
            # FileMode.Create on a hidden or read-only file fails with ERROR_ACCESS_DENIED on Windows.
            raise WinError(f"Access to the path '{win_path}' is denied.")
        lines = [text] if isinstance(text, str) else list(text)
        self.write_bytes(local, encode_ps51("".join(line + "\r\n" for line in lines), encoding))

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


def _file_size(local: Path) -> int:
    """Size of the file at ``local``; 0 when there is none (or it is not a plain file)."""
    try:
        return os.lstat(local).st_size if local.is_file() else 0
    except OSError:
        return 0


def _tree_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


# ------------------------------------------------------------------ attributes
ATTRIBUTE_FLAGS = {"hidden": "Hidden", "system": "System", "readonly": "ReadOnly"}


def _attribute_flags(attrs: Iterable[str]) -> set[str]:
    flags: set[str] = set()
    for name in attrs:
        key = str(name).replace(" ", "").lower()
        if key in ("normal", "archive"):
            continue
        if key not in ATTRIBUTE_FLAGS:
            raise ValueError(f"unsupported file attribute {name!r} (winsim models Hidden, System, ReadOnly)")
        flags.add(ATTRIBUTE_FLAGS[key])
    return flags


def _flags_of(table: dict[str, Any], host: Host, local: Path) -> set[str]:
    """Flags of ``local`` in an attribute table, ignoring entries of a file since deleted and re-created."""
    try:
        entry = table.get(host.win_path(local).lower())
        if not entry or not _same_file(entry, local):
            return set()
    except (WinError, OSError):
        return set()
    return set(entry.get("attrs", []))


def _rules(pairs: Iterable[Any], inherited: bool) -> list[dict[str, Any]]:
    """Rules as ``Get-Acl`` lists them, from (identity, rights) pairs or rule dicts."""
    out = []
    for pair in pairs:
        identity, rights = (pair["identity"], pair["rights"]) if isinstance(pair, dict) else pair
        out.append({"identity": str(identity), "rights": str(rights), "type": "Allow", "inherited": inherited})
    return out


def _acl_entry(table: dict[str, Any], host: Host, local: Path) -> dict[str, Any] | None:
    """The ``acls`` entry of ``local``, ignoring one of an item since deleted and created again."""
    try:
        entry = table.get(host.win_path(local).lower())
        if not entry or not local.exists() or not _same_file(entry, local):
            return None
    except (WinError, OSError):
        return None
    return entry


def _live_acls(table: dict[str, Any], host: Host) -> dict[str, Any]:
    """The ``acls`` table without entries of items that are gone (or were replaced by a new item)."""
    live = {}
    for key, entry in table.items():
        try:
            local = host.local_path(key)
        except WinError:
            continue
        if _acl_entry(table, host, local) is not None:
            live[key] = entry
    return live


def _inside_volume(host: Host, local: Path) -> bool:
    """True while ``local`` is on a drive or share (not above the volume's root folder)."""
    drives = host.root / "drives"
    resolved = local.resolve()
    if resolved.is_relative_to(drives):
        return len(resolved.relative_to(drives).parts) >= 1
    shares = host.fleet_root / "shares"
    return resolved.is_relative_to(shares) and len(resolved.relative_to(shares).parts) >= 2


_ID_XATTR = "user.winsim.id"


def file_identity(local: Path, create: bool = False) -> dict[str, Any]:
    """What identifies a sandbox file across renames but not across delete-and-create.

    Inode numbers alone do not: Linux hands a freed inode to the next file created. So the file
    also gets a random token in an extended attribute (``user.winsim.id``), which a rename keeps
    and a new file lacks; where the filesystem has no user xattrs, the inode is all there is.
    """
    identity: dict[str, Any] = {"ino": local.stat().st_ino}
    token = _read_token(local)
    if token is None and create:
        candidate = os.urandom(8).hex()
        with contextlib.suppress(OSError):
            os.setxattr(local, _ID_XATTR, candidate.encode())
            token = candidate
    if token:
        identity["token"] = token
    return identity


def _read_token(local: Path) -> str | None:
    try:
        return os.getxattr(local, _ID_XATTR).decode()
    except OSError:
        return None


def _same_file(entry: dict[str, Any], local: Path) -> bool:
    if entry.get("token"):
        return _read_token(local) == entry["token"]
    return local.stat().st_ino == entry.get("ino")


def _collapse(rest: str) -> list[str]:
    """Path components after the root with ``.`` dropped and ``..`` applied (never above the root)."""
    parts: list[str] = []
    for part in rest.split("\\"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return parts


# ------------------------------------------------------------------- encodings
# cp1252 as Windows (MultiByteToWideChar) has it: the five bytes Python's codec leaves undefined map to
# the C1 control characters of the same value.
_CP1252_HOLES = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _decode_ansi(data: bytes) -> str:
    out: list[str] = []
    start = 0
    for index, byte in enumerate(data):
        if byte in _CP1252_HOLES:
            out.append(data[start:index].decode("cp1252"))
            out.append(chr(byte))
            start = index + 1
    out.append(data[start:].decode("cp1252"))
    return "".join(out)


def _encode_single_byte(text: str, codec: str, best_fit: bool) -> bytes:
    """Encode like .NET's ANSI/OEM/ASCII encoders: best fit (ANSI only) or ``?``; ``??`` beyond the BMP."""
    out = bytearray()
    for char in text:
        if codec == "cp1252" and ord(char) in _CP1252_HOLES:
            out.append(ord(char))
            continue
        try:
            out += char.encode(codec)
            continue
        except UnicodeEncodeError:
            pass
        if ord(char) > 0xFFFF:
            out += b"??"  # the fallback sees two UTF-16 units and replaces each
            continue
        fit = b"?"
        if best_fit:
            base = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in base if not unicodedata.combining(c))
            if len(base) == 1:
                with contextlib.suppress(UnicodeEncodeError):
                    fit = base.encode(codec)
        out += fit
    return bytes(out)


def decode_with_bom(data: bytes, default: str) -> str:
    """Decode as a .NET ``StreamReader`` with BOM detection; ``default`` is ``utf-8`` or ``ansi`` (cp1252)."""
    if data.startswith(b"\xff\xfe\x00\x00"):
        return data[4:].decode("utf-32-le", errors="replace")
    if data.startswith(b"\x00\x00\xfe\xff"):
        return data[4:].decode("utf-32-be", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", errors="replace")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace")
    if default == "ansi":
        return _decode_ansi(data)
    return data.decode("utf-8", errors="replace")


def encode_ps51(text: str, encoding: str) -> bytes:
    """Bytes Windows PowerShell 5.1 writes for ``-Encoding <encoding>`` (Set-Content / Out-File)."""
    name = encoding.replace("-", "").lower()
    if name == "default":
        return _encode_single_byte(text, "cp1252", best_fit=True)
    if name in ("unicode", "string", "unknown"):
        return b"\xff\xfe" + text.encode("utf-16-le", errors="surrogatepass")
    if name == "bigendianunicode":
        return b"\xfe\xff" + text.encode("utf-16-be", errors="surrogatepass")
    if name == "utf8":
        return b"\xef\xbb\xbf" + text.encode("utf-8")  # 5.1's UTF8 always writes a BOM
    if name == "utf32":
        return b"\xff\xfe\x00\x00" + text.encode("utf-32-le")
    if name == "ascii":
        return _encode_single_byte(text, "ascii", best_fit=False)
    if name == "oem":
        return _encode_single_byte(text, "cp437", best_fit=False)
    raise ValueError(f"winsim does not model -Encoding {encoding}")

"""Twin of alteryx_restore_check.ps1 (read an archive on the node: its hash, sidecar, entries' hashes, manifest)."""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._step_error import StepError, failure_class_of


def entry_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """``ZipArchiveEntry.Open()`` read to the end. .NET Framework 4.x (Windows PowerShell 5.1) does not check an
    entry's CRC-32, so neither does this: a damaged entry either fails to inflate (InvalidDataException) or
    reads as different bytes, which only the hash comparison catches."""
    try:
        with zf.open(info) as stream:
            stream._expected_crc = None  # noqa: SLF001  (turn off Python's CRC check, as .NET has none)
            return stream.read()
    except (zlib.error, zipfile.BadZipFile, EOFError) as exc:
        raise WinError(f"Block length does not match with its complement. ({exc})") from exc


def entry_sha256(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """SHA256 of ``ZipArchiveEntry.Open()`` read to the end, in blocks (the script hashes the stream; an entry may be
    larger than memory); no CRC-32 check and the same failure as ``entry_bytes``."""
    digest = hashlib.sha256()
    try:
        with zf.open(info) as stream:
            stream._expected_crc = None  # noqa: SLF001  (turn off Python's CRC check, as .NET has none)
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except (zlib.error, zipfile.BadZipFile, EOFError) as exc:
        raise WinError(f"Block length does not match with its complement. ({exc})") from exc
    return digest.hexdigest()


def run(host, p, ctx):
    result = {"archive": p["Archive"], "archive_sha256": "", "archive_size": 0, "sidecar": None,
              "manifest_copy": None, "manifest": None, "signature": None, "entries": []}
    try:
        if not p["Archive"]:
            # Get-ChildItem -File without -Force: hidden archives are not listed; Sort-Object Name (case-insensitive).
            modes = list(p["Modes"] or [])
            stamp = re.escape(p["Timestamp"]) if p["Timestamp"] else r"\d{8}_\d{6}"
            # -match and -notcontains are case-insensitive.
            pattern = re.compile(r"^ServerBackup_(" + "|".join(modes) + ")_" + stamp + r"\.zip$", re.IGNORECASE)
            excluded = {str(n).lower() for n in p["Exclude"] or []}
            names = [f for f in host.get_child_items(p["BackupPath"], files_only=True)
                     if pattern.match(f.name) and f.name.lower() not in excluded]
            if not names:
                raise StepError("validation", f"No ServerBackup_({'|'.join(modes)})_{p['Timestamp'] or '*'}.zip archive "
                                              f"in {p['BackupPath']}.")
            result["archive"] = host.win_path(sorted(names, key=lambda f: f.name.lower())[-1])
        archive = host.local_path(result["archive"])
        if not archive.is_file():
            raise StepError("validation", f"Archive {result['archive']} not found.")
        result["archive_sha256"] = sha256(archive)
        sidecar = host.local_path(result["archive"] + ".sha256")
        if sidecar.is_file():
            result["sidecar"] = sidecar.read_bytes().decode("utf-8-sig", errors="replace")
        result["archive_size"] = archive.stat().st_size
        copy = host.local_path(result["archive"] + ".manifest.json")
        if copy.is_file():
            # File.ReadAllText: UTF-8 by default, a byte order mark dropped, bad bytes replaced.
            result["manifest_copy"] = copy.read_bytes().decode("utf-8-sig", errors="replace")
        entries = []
        try:
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    if info.filename.endswith("/"):
                        continue
                    entries.append({"name": info.filename, "size": info.file_size,
                                    "sha256": entry_sha256(zf, info)})
                    if info.filename in ("BackupManifest.json", "BackupManifest.json.sig"):
                        # StreamReader.ReadToEnd: UTF-8, a byte order mark dropped, bad bytes replaced.
                        text = entry_bytes(zf, info).decode("utf-8-sig", errors="replace")
                        result["manifest" if info.filename == "BackupManifest.json" else "signature"] = text
        except zipfile.BadZipFile as exc:
            raise WinError(f"End of Central Directory record could not be found. ({exc})") from exc
        result["entries"] = entries
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Cannot read archive {result['archive']}: {exc}", failure_class_of(exc, "validation"),
                            result, changed=False) from exc
    return {"changed": False, "result": result}

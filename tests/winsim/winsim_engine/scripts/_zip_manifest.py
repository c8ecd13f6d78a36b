"""Twin of _zip_manifest.ps1: does an archive's central directory list BackupManifest.json?"""

from __future__ import annotations

import zipfile
from pathlib import Path


def has_manifest(local: Path) -> bool:
    """``Test-ZipManifest``: ZipFile.OpenRead + GetEntry('BackupManifest.json'); false for anything unreadable."""
    try:
        with zipfile.ZipFile(local) as zf:
            return "BackupManifest.json" in zf.namelist()
    except Exception:  # the script's catch takes every error of OpenRead
        return False

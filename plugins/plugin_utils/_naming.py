"""Backup modes and the file names derived from them.

Names embed the mode tag and a local wall-clock timestamp (``YYYYMMDD_HHmmss``). Retention
relies on parsing these names back, so the format here is the single source of truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

MODES: tuple[str, ...] = ("Full", "DatabaseOnly", "ConfigOnly")
MODE_TAGS: dict[str, str] = {"Full": "Full", "DatabaseOnly": "DB", "ConfigOnly": "Config"}

_TAG_TO_MODE = {tag: mode for mode, tag in MODE_TAGS.items()}
_LOOKUP = {key.lower(): mode for mode in MODES for key in (mode, MODE_TAGS[mode])}
_TIMESTAMP_FORMAT = "%Y%m%d_%H%M%S"
# [0-9] rather than \d: \d also matches non-ASCII digits, which strptime would then reject anyway.
_ARCHIVE_RE = re.compile(r"ServerBackup_(Full|DB|Config)_([0-9]{8}_[0-9]{6})\.zip")

ARCHIVE_PREFIX = "ServerBackup_"
SIDECAR_SUFFIX = ".sha256"


@dataclass(frozen=True)
class ArchiveName:
    """A parsed archive file name: the name itself, its canonical mode and its timestamp."""

    name: str
    mode: str
    timestamp: datetime


def normalize_mode(value: str) -> str:
    """Return the canonical mode for ``value`` (a mode or tag, any case, surrounding blanks ignored).

    Raises AlteryxStepError with failure class ``invalid_mode`` for anything else.
    """
    key = value.strip().lower() if isinstance(value, str) else None
    mode = _LOOKUP.get(key) if key else None
    if mode is None:
        raise AlteryxStepError(
            f"Invalid backup mode {value!r}; valid modes are: {', '.join(MODES)}",
            failure_class="invalid_mode",
        )
    return mode


def timestamp_text(when: datetime) -> str:
    """Format ``when`` as ``YYYYMMDD_HHmmss``."""
    return when.strftime(_TIMESTAMP_FORMAT)


def archive_name(mode: str, when: datetime) -> str:
    """Return ``ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip``."""
    return f"{ARCHIVE_PREFIX}{MODE_TAGS[normalize_mode(mode)]}_{timestamp_text(when)}.zip"


def log_name(mode: str, when: datetime) -> str:
    """Return ``BackupLog_{Full|DatabaseOnly|ConfigOnly}_YYYYMMDD_HHmmss.log`` (full mode name)."""
    return f"BackupLog_{normalize_mode(mode)}_{timestamp_text(when)}.log"


def staging_name(mode: str, when: datetime, run_id: str) -> str:
    """Return ``ServerBackup_{tag}_YYYYMMDD_HHmmss.<run_id>.staging`` (the work directory before zipping).

    The run id keeps two runs started in the same second out of each other's folder.
    """
    return f"{ARCHIVE_PREFIX}{MODE_TAGS[normalize_mode(mode)]}_{timestamp_text(when)}.{run_id}.staging"


def sidecar_name(archive: str) -> str:
    """Return the checksum sidecar name for ``archive`` (``<archive>.sha256``)."""
    return archive + SIDECAR_SUFFIX


def parse_archive_name(name: str) -> ArchiveName | None:
    """Parse one of our archive names; return None for anything else, including impossible dates."""
    if not isinstance(name, str):
        return None
    match = _ARCHIVE_RE.fullmatch(name)
    if match is None:
        return None
    try:
        when = datetime.strptime(match.group(2), _TIMESTAMP_FORMAT)
    except ValueError:
        return None
    # strptime accepts some single-digit fields; the round trip keeps the match strict.
    if timestamp_text(when) != match.group(2):
        return None
    return ArchiveName(name=name, mode=_TAG_TO_MODE[match.group(1)], timestamp=when)

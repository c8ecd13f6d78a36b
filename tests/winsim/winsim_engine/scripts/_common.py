"""Helpers shared by the script twins."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from ..host import Host
from . import ScriptFailure


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def utc_iso(epoch: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if epoch is None else epoch, UTC).isoformat()


def require_admin(host: Host) -> None:
    if not host.state().get("admin", True):
        raise ScriptFailure("The backup needs administrator rights on the host: connect as an administrator or use "
                            "become.", "validation")


def refresh_heartbeat(host: Host, lock_path: str) -> None:
    if not lock_path:
        return
    lock = host.local_path(lock_path)
    if lock.is_file():
        data = json.loads(lock.read_text())
        data["heartbeat_utc"] = utc_iso()
        lock.write_text(json.dumps(data))


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())

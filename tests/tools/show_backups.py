"""Print what a demo run produced: every archive in the fleet with its size and SHA256 (``make demo``)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path


def main(fleet: str) -> int:
    archives = sorted(Path(fleet).rglob("ServerBackup_*.zip"))
    if not archives:
        print("no backup archive was produced", file=sys.stderr)
        return 1
    for archive in archives:
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        host = archive.relative_to(Path(fleet)).parts[1]
        windows = "D:\\" + "\\".join(archive.relative_to(Path(fleet) / "hosts" / host / "drives" / "D").parts)
        print(f"{host}: {windows}")
        print(f"  local file: {archive}")
        print(f"  size:       {archive.stat().st_size} bytes")
        print(f"  sha256:     {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "demo"))

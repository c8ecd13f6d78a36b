"""Twin of _run_log.ps1: append the run's pending log lines, best effort."""

from __future__ import annotations

from typing import Any

from ..host import Host, WinError


def add_run_log(host: Host, p: dict[str, Any]) -> None:
    """``Add-RunLog $RunLogPath $RunLogText``: never raises."""
    path, text = p.get("RunLogPath", ""), p.get("RunLogText", "")
    if not path or not text:
        return
    try:
        log = host.local_path(path)
        log.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        host.check_space(log, len(data))
        with open(log, "ab") as fh:
            fh.write(data)
    except (WinError, OSError):  # the script's catch { }
        pass

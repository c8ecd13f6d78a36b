"""Twin of _invoke_native.ps1: run a native program (AlteryxService.exe, mongodump.exe) with stdout and stderr apart."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from .. import alteryx
from ..host import Host, WinError

ALTERYX_MISSING = "is Alteryx Server installed on this node?"


def invoke_native(host: Host, file_path: str, argument: str) -> dict[str, Any]:
    """``Invoke-Native $FilePath $Argument`` -> ``{exit_code, stdout, stderr}``.

    The script checks the path first (``Test-Path``): a missing executable is a terminating error.
    """
    if not host.local_path(file_path).is_file():
        raise WinError(f"{file_path} not found: {ALTERYX_MISSING}")
    run = alteryx.run_service_exe(host, argument)
    # PowerShell hands native output over line by line; the script joins the lines with LF.
    return {"exit_code": run.rc, "stdout": "\n".join(run.stdout.splitlines()),
            "stderr": "\n".join(run.stderr.splitlines())}


def join_native_argument(arguments: list[str]) -> str:
    """``Join-NativeArgument``: the command line CommandLineToArgvW splits back into ``arguments``."""
    quoted = []
    for arg in arguments:
        if arg and not re.search(r'[\s"]', arg):
            quoted.append(arg)
            continue
        escaped = re.sub(r'(\\*)"', lambda m: m.group(1) * 2 + '\\"', arg)
        escaped = re.sub(r"(\\+)$", lambda m: m.group(1) * 2, escaped)
        quoted.append(f'"{escaped}"')
    return " ".join(quoted)


def invoke_native_watched(host: Host, file_path: str, arguments: list[str], on_wait: Callable[[], None],
                          every_seconds: int, missing: str = ALTERYX_MISSING) -> dict[str, Any]:
    """``Invoke-NativeWatched``: the same result; ``on_wait`` runs every ``every_seconds`` while the process runs.

    ``Process.WaitForExit(ms)`` returns as soon as the process ends, so the twin waits on a thread the same way.
    """
    if not host.local_path(file_path).is_file():
        raise WinError(f"{file_path} not found: {missing}")
    command_line = join_native_argument(arguments)
    outcome: dict[str, Any] = {}

    def native() -> None:
        try:
            outcome["run"] = alteryx.run_native(host, file_path, command_line)
        except Exception as exc:  # noqa: BLE001  (re-raised in the caller's thread, as the script would see it)
            outcome["error"] = exc

    process = threading.Thread(target=native, name="native", daemon=True)
    process.start()
    while True:
        process.join(max(1, every_seconds))
        if not process.is_alive():
            break
        on_wait()
    if "error" in outcome:
        raise outcome["error"]
    run = outcome["run"]
    return {"exit_code": run.rc, "stdout": "\n".join(run.stdout.splitlines()),
            "stderr": "\n".join(run.stderr.splitlines())}

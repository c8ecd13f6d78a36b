"""Twin of _invoke_native.ps1: run AlteryxService.exe with stdout and stderr kept apart."""

from __future__ import annotations

from typing import Any

from .. import alteryx
from ..host import Host, WinError


def invoke_native(host: Host, file_path: str, argument: str) -> dict[str, Any]:
    """``Invoke-Native $FilePath $Argument`` -> ``{exit_code, stdout, stderr}``.

    The script checks the path first (``Test-Path``): a missing executable is a terminating error.
    """
    if not host.local_path(file_path).is_file():
        raise WinError(f"{file_path} not found: is Alteryx Server installed on this node?")
    run = alteryx.run_service_exe(host, argument)
    # PowerShell hands native output over line by line; the script joins the lines with LF.
    return {"exit_code": run.rc, "stdout": "\n".join(run.stdout.splitlines()),
            "stderr": "\n".join(run.stderr.splitlines())}

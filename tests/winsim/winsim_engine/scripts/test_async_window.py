"""Twin of a test-only script (``# alteryx.server: test_async_window``): a dump window in miniature.

The script (see ``tests/winsim/tests/playbooks/async_window.yml``)::

    param([string]$DumpPath, [string]$FinallyPath, [double]$Seconds)
    Stop-Service -Name AlteryxService
    try {
        & 'C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe' "emongodump=$DumpPath"
        Start-Sleep -Seconds $Seconds
    }
    finally {
        Start-Service -Name AlteryxService
        Set-Content -LiteralPath $FinallyPath -Value 'finally ran'
    }
    $Ansible.Result = @{ dumped = $true }

Used by ``test_async_connection.py`` to show what the async watchdog's kill leaves behind: the
``finally`` never runs (the service stays stopped, no marker) while the native emongodump child
outlives the job and finishes its dump.
"""

from __future__ import annotations

import time
from typing import Any

from .. import alteryx
from ..host import Host


def run(host: Host, parameters: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """Stop the service, dump, sleep; start the service and leave a marker in ``finally``."""
    alteryx.set_service_state(host, alteryx.SERVICE, "stopped")
    try:
        alteryx.run_service_exe(host, f"emongodump={parameters['DumpPath']}")
        time.sleep(float(parameters.get("Seconds") or 0))
    finally:
        alteryx.set_service_state(host, alteryx.SERVICE, "running")
        host.write_bytes(host.local_path(parameters["FinallyPath"]), b"finally ran\r\n")
    return {"result": {"dumped": True}}

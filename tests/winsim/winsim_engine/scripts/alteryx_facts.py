"""Twin of alteryx_facts.ps1 (read-only inventory of the node)."""

from __future__ import annotations

from datetime import datetime

from .. import alteryx
from ..host import WinError
from . import ScriptFailure
from ._common import utc_iso
from ._invoke_native import invoke_native

# Win32_Service.State and .StartMode as CIM reports them.
CIM_STATES = {"running": "Running", "stopped": "Stopped", "start_pending": "Start Pending",
              "stop_pending": "Stop Pending", "paused": "Paused"}
CIM_START_MODES = {"auto": "Auto", "manual": "Manual", "disabled": "Disabled"}


def run(host, p, ctx):
    name = p["ServiceName"]
    try:
        svc = alteryx.service(host, name)
    except WinError:  # Get-CimInstance returns nothing
        raise ScriptFailure(f"Service {name} is not installed on {host.state()['hostname']}; is this an Alteryx "
                            "Server node?", "validation", changed=False) from None
    state = host.state()
    exe = svc["path"].strip('"')
    install_dir = exe.rsplit("\\", 2)[0]
    override = "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml"
    configs = []
    for rel in ("bin\\server\\config\\alteryx.config", "bin\\config\\alteryx.config"):
        path = host.local_path(f"{install_dir}\\{rel}")
        if path.exists():
            configs.append({"path": f"{install_dir}\\{rel}", "last_write_utc": utc_iso(path.stat().st_mtime)})
    version = invoke_native(host, exe, "getversion")
    return {"changed": False, "result": {
        "computer_name": state["hostname"],
        "is_admin": bool(state.get("admin", True)),
        "service": {"name": svc["name"], "state": CIM_STATES.get(alteryx.service_status(host, name), "Unknown"),
                    "start_mode": CIM_START_MODES.get(svc.get("start_mode", "auto"), "Auto"),
                    "username": svc.get("username", "LocalSystem"), "path": exe},
        "install_dir": install_dir,
        "version": version["stdout"].strip(),
        "version_stderr": version["stderr"],
        "install_time_utc": utc_iso(float(state["install_time"])),
        "default_settings_xml": host.read_all_text(f"{install_dir}\\bin\\RuntimeData\\RuntimeSettings.xml"),
        "override_settings_xml": host.read_all_text(override) if host.local_path(override).exists() else None,
        "alteryx_config": configs,
        "legacy_settings_present": host.local_path("C:\\ProgramData\\Alteryx\\RuntimeSettings.22_2_legacy.xml").exists(),
        "keys_present": host.local_path("C:\\ProgramData\\Alteryx\\Keys").exists(),
        "local_time": datetime.now().strftime("%Y-%m-%dT%H:%M:%S"),
    }}

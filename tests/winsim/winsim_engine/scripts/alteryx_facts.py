"""Twin of alteryx_facts.ps1 (read-only inventory of the node)."""

from __future__ import annotations

from datetime import datetime

from .. import alteryx
from ..host import WinError
from . import ScriptFailure
from ._common import utc_iso


def run(host, parameters, ctx):
    name = parameters.get("ServiceName") or "AlteryxService"
    try:
        svc = alteryx.service(host, name)
    except WinError as exc:
        raise ScriptFailure(f"Service {name} is not installed on {host.state()['hostname']}; is this an Alteryx "
                            "Server node?", "validation") from exc
    state = host.state()
    exe = svc["path"].strip('"')
    install_dir = exe.rsplit("\\", 2)[0]
    override = host.local_path("C:\\ProgramData\\Alteryx\\RuntimeSettings.xml")
    configs = []
    for rel in ("bin\\server\\config\\alteryx.config", "bin\\config\\alteryx.config"):
        path = host.local_path(f"{install_dir}\\{rel}")
        if path.is_file():
            configs.append({"path": f"{install_dir}\\{rel}", "last_write_utc": utc_iso(path.stat().st_mtime)})
    _, version = alteryx.service_exe(host, "getversion")
    return {"changed": False, "result": {
        "computer_name": state["hostname"],
        "is_admin": bool(state.get("admin", True)),
        "service": {"name": svc["name"], "state": svc["state"], "start_mode": svc.get("start_mode", "auto"),
                    "username": svc.get("username", "LocalSystem"), "path": exe},
        "install_dir": install_dir,
        "version": version,
        "install_time_utc": utc_iso(float(state["install_time"])),
        "default_settings_xml": host.local_path(f"{install_dir}\\bin\\RuntimeData\\RuntimeSettings.xml").read_text(),
        "override_settings_xml": override.read_text() if override.is_file() else None,
        "alteryx_config": configs,
        "legacy_settings_present": host.local_path("C:\\ProgramData\\Alteryx\\RuntimeSettings.22_2_legacy.xml").exists(),
        "keys_present": host.local_path("C:\\ProgramData\\Alteryx\\Keys").is_dir(),
        "local_time": datetime.now().strftime("%Y-%m-%dT%H:%M:%S"),
    }}

"""Twin of alteryx_facts.ps1 (read-only inventory of the node; secrets in RuntimeSettings.xml redacted on the host)."""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree.ElementTree import ParseError, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .. import alteryx
from ..host import WinError
from . import ScriptFailure
from ._common import utc_iso
from ._invoke_native import invoke_native

# Win32_Service.State and .StartMode as CIM reports them.
CIM_STATES = {"running": "Running", "stopped": "Stopped", "start_pending": "Start Pending",
              "stop_pending": "Stop Pending", "paused": "Paused"}
CIM_START_MODES = {"auto": "Auto", "manual": "Manual", "disabled": "Disabled"}

# $SecretPattern and $Redacted of the script (PowerShell's -match is case-insensitive).
SECRET_PATTERN = "Pass(word|wd|phrase)|Pwd|Secret|Token|Key|Encrypt|Credential|Connection|Certificate|Hash|Salt|Signature"
REDACTED = "[redacted on host]"
# The XmlException .NET Framework's XmlReader throws for a <!DOCTYPE> under DtdProcessing.Prohibit (Xml_DtdIsProhibitedEx).
DTD_PROHIBITED = ("For security reasons DTD is prohibited in this XML document. To enable DTD processing set the "
                  "DtdProcessing property on XmlReaderSettings to Parse and pass the settings to XmlReader.Create method.")


class XmlException(Exception):
    """``System.Xml.XmlException`` (the base exception of the MethodInvocationException ``Load`` throws)."""

    def __init__(self, message: str, line: int = 0, position: int = 0) -> None:
        super().__init__(message)
        self.line_number = line
        self.line_position = position


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def read_settings(host, path: str) -> str:
    """``Read-Settings $Path``: parse without DTD processing, drop comments/PIs, redact secret-named values."""
    text = host.read_all_text(path)
    try:  # XmlReader (DtdProcessing Prohibit, IgnoreComments, IgnoreProcessingInstructions) -> XmlDocument.Load
        root = fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        raise XmlException(DTD_PROHIBITED) from None
    except ParseError as exc:
        line, column = exc.position
        raise XmlException(f"{str(exc).split(':')[0].capitalize()}. Line {line}, position {column + 1}.", line,
                           column + 1) from None
    for element in list(root.iter()):
        for name, value in element.attrib.items():
            if re.search(SECRET_PATTERN, _local(name), re.IGNORECASE) and value.strip():
                element.set(name, REDACTED)
        if re.search(SECRET_PATTERN, _local(element.tag), re.IGNORECASE) and "".join(element.itertext()).strip():
            for child in list(element):  # InnerText = ... replaces all children with one text node
                element.remove(child)
            element.text = REDACTED
    return tostring(root, encoding="unicode")


WINDOWS_CAPTION = "Microsoft Windows Server 2019 Standard"


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
    override_exists = host.local_path(override).exists()
    override_empty = override_exists and not host.read_all_text(override).strip()
    layer = f"{install_dir}\\bin\\RuntimeData\\RuntimeSettings.xml"
    try:
        default_xml = read_settings(host, layer)
        layer = override
        override_xml = read_settings(host, override) if override_exists and not override_empty else None
    except XmlException as xml_error:
        # Only the position of a syntax error: XmlException's text can quote a fragment of the (secret) content.
        why = ("it declares a DTD (<!DOCTYPE ...>), which is refused: no entity expansion or external entities are "
               "processed" if re.search(r"\bDTD\b", str(xml_error), re.IGNORECASE) else
               f"it is not well-formed XML (line {xml_error.line_number}, position {xml_error.line_position})")
        raise ScriptFailure(f"Cannot read RuntimeSettings.xml layer {layer} safely: {why}", "validation",
                            changed=False) from None
    configs = []
    for rel in ("bin\\server\\config\\alteryx.config", "bin\\config\\alteryx.config"):
        path = host.local_path(f"{install_dir}\\{rel}")
        if path.exists():
            configs.append({"path": f"{install_dir}\\{rel}", "last_write_utc": utc_iso(path.stat().st_mtime)})
    version = invoke_native(host, exe, "getversion")
    return {"changed": False, "result": {
        "computer_name": state["hostname"],
        "windows_version": state.get("windows_version", WINDOWS_CAPTION),  # Win32_OperatingSystem.Caption
        "current_user": f"{state['hostname']}\\{state.get('connection_user', 'Administrator')}",
        "is_admin": bool(state.get("admin", True)),
        "service": {"name": svc["name"], "state": CIM_STATES.get(alteryx.service_status(host, name), "Unknown"),
                    "start_mode": CIM_START_MODES.get(svc.get("start_mode", "auto"), "Auto"),
                    "username": svc.get("username", "LocalSystem"), "path": exe},
        "install_dir": install_dir,
        "version": version["stdout"].strip(),
        "version_stderr": version["stderr"],
        "install_time_utc": utc_iso(float(state["install_time"])),
        "default_settings_xml": default_xml,
        "override_settings_xml": override_xml,
        "override_path": override,
        "override_exists": override_exists,
        "override_empty": override_empty,
        "alteryx_config": configs,
        "legacy_settings_present": host.local_path("C:\\ProgramData\\Alteryx\\RuntimeSettings.22_2_legacy.xml").exists(),
        "keys_present": host.local_path("C:\\ProgramData\\Alteryx\\Keys").exists(),
        "local_time": datetime.now().strftime("%Y-%m-%dT%H:%M:%S"),
    }}

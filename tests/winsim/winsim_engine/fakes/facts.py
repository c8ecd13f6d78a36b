"""ansible.windows.setup: Windows facts of a simulated host (what gather_facts runs).

Subsets follow setup.ps1 (min, network, hardware, external and their members, ``!`` to
exclude, unknown names warn); values are plausible for a Windows Server VM and derived from
the host's state (hostname, admin rights) so they are stable. ``fact_path`` reads ``*.json``
local facts (``*.ps1`` facts cannot run and are skipped with a warning). Overrides come from
an optional ``os`` entry in state.json (``distribution``, ``version``, ``domain``...).
Not modelled: WinRM certificate facts, facter, timeouts of slow subsets.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from ..host import Host, WinError
from . import Context, Result, fake

GROUPS = {
    "min": ["date_time", "distribution", "dns", "env", "local", "platform", "powershell_version", "user"],
    "network": ["all_ipv4_addresses", "all_ipv6_addresses", "interfaces", "windows_domain", "winrm"],
    "hardware": ["bios", "memory", "processor", "uptime", "virtual"],
    "external": ["facter"],
}
ALL = sorted({name for members in GROUPS.values() for name in members})
USER = "ansible"
OS_DEFAULTS = {
    "distribution": "Microsoft Windows Server 2022 Standard",
    "version": "10.0.20348.0",
    "domain": "corp.example.com",
    "memory_mb": 16384,
    "vcpus": 4,
    "boot_seconds_ago": 3 * 86400,
}


def selected_subsets(gather_subset: list[str]) -> tuple[set[str], list[str]]:
    """Resolve ``gather_subset`` like setup.ps1; returns the subsets and the warnings."""
    actual, explicit, exclude, warnings = set(ALL), set(), set(), []
    for item in gather_subset:
        if item.startswith("!"):
            item = item[1:]
            if item == "all":
                exclude |= set(ALL) - set(GROUPS["min"])
            elif item in GROUPS:
                exclude |= set(GROUPS[item])
            elif item in ALL:
                exclude.add(item)
        elif item == "all":
            explicit |= set(ALL)
        elif item in GROUPS:
            explicit |= set(GROUPS[item])
        elif item in ALL:
            explicit.add(item)
        else:
            warnings.append(f"invalid value {item} specified in gather_subset")
    return (actual - exclude) | explicit, warnings


@fake("ansible.windows.setup")
def setup(host: Host, params: dict, ctx: Context) -> Result:
    gather_subset = list(params.get("gather_subset") or ["all"])
    subsets, warnings = selected_subsets(gather_subset)
    state = host.state()
    info = {**OS_DEFAULTS, **(state.get("os") or {})}
    facts: dict[str, Any] = {"gather_subset": gather_subset, "module_setup": True}
    hostname = str(state.get("hostname") or host.name).upper()
    seed = hashlib.sha256(hostname.encode()).digest()
    ipv4 = f"10.20.{seed[0]}.{max(seed[1], 2) % 250 + 2}"
    ipv6 = "fe80::" + ":".join(f"{seed[i]:02x}{seed[i + 1]:02x}" for i in range(2, 10, 2))
    mac = ":".join(f"{b:02X}" for b in (0x00, 0x15, 0x5D, seed[3], seed[4], seed[5]))
    domain = info["domain"]
    admin = bool(state.get("admin", True))
    machine_sid = f"S-1-5-21-{int.from_bytes(seed[6:10], 'big')}-{int.from_bytes(seed[10:14], 'big')}-" \
                  f"{int.from_bytes(seed[14:18], 'big')}"
    now = time.time()
    version = info["version"]

    if subsets & {"all_ipv4_addresses", "all_ipv6_addresses"}:
        facts["ansible_ip_addresses"] = [ipv4, ipv6]
    if "bios" in subsets:
        facts.update(ansible_bios_date="11/16/2023", ansible_bios_version="Hyper-V UEFI Release v4.1",
                     ansible_product_name="Virtual Machine", ansible_product_serial=f"0000-{seed[20]:04d}-{seed[21]:04d}",
                     ansible_product_uuid="-".join([seed[22:26].hex(), seed[26:28].hex(), seed[28:30].hex(),
                                                    seed[30:32].hex(), seed[0:6].hex()]).upper())
    if "date_time" in subsets:
        facts["ansible_date_time"] = _date_time(now)
    if "distribution" in subsets:
        install = float(state.get("install_time", now - 90 * 86400)) - 30 * 86400
        facts.update(
            ansible_distribution=info["distribution"] if admin else None,
            ansible_distribution_version=version, ansible_distribution_major_version=version.split(".")[0],
            ansible_os_family="Windows", ansible_os_name=info["distribution"] if admin else None,
            ansible_os_product_type="server", ansible_os_installation_type="Server",
            ansible_os_install_date=datetime.fromtimestamp(install, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if "env" in subsets:
        facts["ansible_env"] = _env(hostname, domain, int(info["vcpus"]))
    if "interfaces" in subsets:
        facts["ansible_interfaces"] = [{
            "connection_name": "Ethernet", "default_gateway": f"10.20.{seed[0]}.1", "dns_domain": domain,
            "interface_index": 6, "interface_name": "Microsoft Hyper-V Network Adapter",
            "ipv4": {"address": ipv4, "prefix": "24"}, "ipv6": {"address": ipv6, "prefix": "64"},
            "macaddress": mac, "mtu": 1500, "speed": 10000,
        }]
    if "local" in subsets and params.get("fact_path"):
        _local_facts(host, params["fact_path"], facts, warnings)
    if "memory" in subsets:
        total = int(info["memory_mb"])
        facts.update(ansible_memtotal_mb=total, ansible_memfree_mb=total * 5 // 8, ansible_swaptotal_mb=0,
                     ansible_pagefiletotal_mb=4096 if admin else None, ansible_pagefilefree_mb=3900 if admin else None)
    if "platform" in subsets:
        facts.update(
            ansible_domain=domain, ansible_fqdn=f"{hostname.lower()}.{domain}", ansible_hostname=hostname,
            ansible_netbios_name=hostname[:15], ansible_kernel=version, ansible_nodename=f"{hostname.lower()}.{domain}",
            ansible_machine_id=machine_sid, ansible_owner_name="Alteryx Operations", ansible_system="Win32NT",
            ansible_system_description="", ansible_system_vendor="Microsoft Corporation",
            ansible_architecture="64-bit" if admin else None, ansible_owner_contact="",
            ansible_reboot_pending=bool(state.get("reboot_pending", False)), ansible_architecture2="x86_64")
    if "powershell_version" in subsets:
        facts["ansible_powershell_version"] = 5
    if "processor" in subsets:
        vcpus = int(info["vcpus"])
        facts.update(ansible_processor=[x for i in range(vcpus) for x in (
            str(i), "GenuineIntel", "Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz")],
            ansible_processor_count=1, ansible_processor_vcpus=vcpus, ansible_processor_cores=vcpus,
            ansible_processor_threads_per_core=1)
    if "uptime" in subsets:
        boot = now - float(info["boot_seconds_ago"])
        facts.update(ansible_lastboot=datetime.fromtimestamp(boot, UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
                     ansible_uptime_seconds=round(now - boot))
    if "user" in subsets:
        facts.update(ansible_user_dir=f"C:\\Users\\{USER}", ansible_user_gecos="", ansible_user_id=USER,
                     ansible_user_sid=f"{machine_sid}-1001")
    if "windows_domain" in subsets:
        facts.update(ansible_windows_domain=domain, ansible_windows_domain_member=True,
                     ansible_windows_domain_role="Member server")
    if "virtual" in subsets:
        facts.update(ansible_virtualization_role="guest", ansible_virtualization_type="Hyper-V")
    result: Result = {"changed": False, "ansible_facts": facts}
    if warnings:
        result["warnings"] = warnings
    return result


def _date_time(now: float) -> dict[str, Any]:
    local = datetime.fromtimestamp(now, UTC)  # the simulated hosts run on UTC
    return {
        "date": local.strftime("%Y-%m-%d"), "day": local.strftime("%d"), "epoch": str(int(now)),
        "epoch_local": str(int(now)), "epoch_int": int(now), "hour": local.strftime("%H"),
        "iso8601": local.strftime("%Y-%m-%dT%H:%M:%SZ"), "iso8601_basic": local.strftime("%Y%m%dT%H%M%S%f"),
        "iso8601_basic_short": local.strftime("%Y%m%dT%H%M%S"),
        "iso8601_micro": local.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "minute": local.strftime("%M"),
        "month": local.strftime("%m"), "second": local.strftime("%S"), "time": local.strftime("%H:%M:%S"),
        "tz": "UTC", "tz_offset": "+00:00", "weekday": local.strftime("%A"),
        "weekday_number": local.strftime("%w"), "weeknumber": local.strftime("%W"), "year": local.strftime("%Y"),
    }


def _env(hostname: str, domain: str, vcpus: int) -> dict[str, str]:
    profile = f"C:\\Users\\{USER}"
    return {
        "ALLUSERSPROFILE": "C:\\ProgramData", "APPDATA": f"{profile}\\AppData\\Roaming",
        "CommonProgramFiles": "C:\\Program Files\\Common Files", "COMPUTERNAME": hostname[:15],
        "ComSpec": "C:\\Windows\\system32\\cmd.exe", "HOMEDRIVE": "C:", "HOMEPATH": f"\\Users\\{USER}",
        "LOCALAPPDATA": f"{profile}\\AppData\\Local", "NUMBER_OF_PROCESSORS": str(vcpus), "OS": "Windows_NT",
        "Path": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;"
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0;C:\\Program Files\\Alteryx\\bin",
        "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC;.CPL",
        "PROCESSOR_ARCHITECTURE": "AMD64", "ProgramData": "C:\\ProgramData", "ProgramFiles": "C:\\Program Files",
        "ProgramFiles(x86)": "C:\\Program Files (x86)", "PSModulePath": "C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules",
        "PUBLIC": "C:\\Users\\Public", "SystemDrive": "C:", "SystemRoot": "C:\\Windows",
        "TEMP": "C:\\Windows\\Temp", "TMP": "C:\\Windows\\Temp", "USERDNSDOMAIN": domain.upper(),
        "USERDOMAIN": domain.split(".")[0].upper(), "USERNAME": USER, "USERPROFILE": profile, "windir": "C:\\Windows",
    }


def _local_facts(host: Host, fact_path: str, facts: dict[str, Any], warnings: list[str]) -> None:
    try:
        folder = host.local_path(fact_path)
    except WinError:
        folder = None
    if folder is None or not folder.is_dir():
        warnings.append(f"Non existing path was set for local facts - {fact_path}")
        return
    for entry in sorted(folder.iterdir()):
        if entry.suffix == ".json" and entry.is_file():
            try:
                facts[f"ansible_{entry.stem}"] = json.loads(entry.read_text(encoding="utf-8-sig"))
            except ValueError as exc:
                warnings.append(f"Error when collecting local facts: {entry.name}: {exc}")
        elif entry.suffix == ".ps1" and entry.is_file():
            warnings.append(f"winsim cannot run local fact script {entry.name}; skipped")

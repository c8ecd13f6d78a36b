"""Build simulated Alteryx Server fleets: host folders that look like real servers, and an inventory."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import yaml

GIB = 1024**3
DEFAULT_VERSION = "2023.1.1.247"
SHARE_SERVER = "fileserver"
SHARE_NAME = "backups"


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2])


def _xml(sections: dict[str, dict[str, str]]) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<SystemSettings>"]
    for section, values in sections.items():
        lines.append(f"  <{section}>")
        lines.extend(f"    <{k}>{v}</{k}>" if v != "" else f"    <{k} />" for k, v in values.items())
        lines.append(f"  </{section}>")
    lines.append("</SystemSettings>")
    return "\n".join(lines) + "\n"


DEFAULT_SETTINGS = {
    "Controller": {"ControllerEnabled": "False", "EmbeddedMongoDBEnabled": "True", "EmbeddedMongoDBRootPath": "",
                   "EmbeddedMongoDBPort": "27018", "MongoDBEnabled": "False", "WebInterfaceEnabled": "False",
                   "GalleryEnabled": "False", "LoggingPath": "C:\\ProgramData\\Alteryx\\Service\\"},
    "Engine": {"NumThreads": "4", "SortJoinMemory": "1024", "TempFilePath": "C:\\ProgramData\\Alteryx\\Engine\\"},
    "Environment": {"WorkerEnabled": "False", "SetupType": "Complete"},
    "Gallery": {"BaseAddress": "http://localhost/gallery/", "LoggingPath": "C:\\ProgramData\\Alteryx\\Gallery\\Logs"},
    "Worker": {"UseLocalServer": "True", "ServerName": "", "NumThreads": "2"},
}


def _override_settings(role: str, controller_name: str, mongo: str, version: str, cluster_has: dict) -> dict:
    settings: dict[str, dict[str, str]] = {"Controller": {}, "Environment": {}, "Worker": {}}
    if role == "controller":
        settings["Controller"] = {
            "ControllerEnabled": "True",
            "ServerSecretEncrypted": "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA" + "x" * 40,
            "StorageKeysEncrypted": "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA" + "k" * 40,
            "WebInterfaceEnabled": "False" if cluster_has["ui"] else "True",
            "GalleryEnabled": "False" if cluster_has["ui"] else "True",
        }
        if mongo == "self-managed":
            settings["Controller"].update({
                "EmbeddedMongoDBEnabled": "False", "MongoDBEnabled": "True",
                "MongoDBServerName": "127.0.0.1:27017", "MongoDBDatabaseName": "AlteryxService",
                "MongoDBUserName": "alteryx", "MongoDBPasswordEncrypted": "AQAAANCMnd8BFdERjHoAwE/Cl+sB" + "p" * 30,
            })
            if _version_tuple(version) >= (2022, 3):
                settings["Controller"]["AdvancedMongoConnectionEncrypted"] = "AQAAANCMnd8BFdERjHoAwE/" + "c" * 30
        settings["Environment"] = {"WorkerEnabled": "False" if cluster_has["workers"] else "True",
                                   "SetupType": "Complete"}
    elif role == "worker":
        settings["Environment"] = {"WorkerEnabled": "True", "SetupType": "Worker"}
        settings["Worker"] = {"UseLocalServer": "False", "ServerName": f"http://{controller_name}:80/AlteryxService/"}
    else:
        settings["Controller"] = {"WebInterfaceEnabled": "True", "GalleryEnabled": "True"}
        settings["Environment"] = {"WorkerEnabled": "False", "SetupType": "Gallery"}
        settings["Worker"] = {"UseLocalServer": "False", "ServerName": f"http://{controller_name}:80/AlteryxService/"}
    settings["Worker"].update({"ExecuteUserName": "svc-runas", "ExecuteDomain": "CORP",
                               "ExecutePasswordEncrypted": "AQAAANCMnd8BFdERjHoAwE/" + "r" * 24})
    return {k: v for k, v in settings.items() if v}


def build_host(root: Path, name: str, role: str, *, controller_name: str, mongo: str, version: str,
               cluster_has: dict, seed: int) -> None:
    """Write one host folder: drives, Alteryx trees, state.json."""
    c_drive = root / "drives" / "C"
    (root / "drives" / "D").mkdir(parents=True, exist_ok=True)
    install = c_drive / "Program Files" / "Alteryx"
    data = c_drive / "ProgramData" / "Alteryx"
    for folder in (c_drive / "Windows" / "Temp", c_drive / "Users" / "ansible", install / "bin" / "RuntimeData",
                   data / "Engine", data / "Service" / "Logs", data / "Gallery" / "Logs"):
        folder.mkdir(parents=True, exist_ok=True)
    install_time = time.time() - 90 * 86400
    (install / "bin" / "AlteryxService.exe").write_bytes(b"MZ winsim AlteryxService.exe\n")
    (install / "bin" / "RuntimeData" / "RuntimeSettings.xml").write_text(_xml(DEFAULT_SETTINGS))
    (data / "RuntimeSettings.xml").write_text(_xml(_override_settings(role, controller_name, mongo, version,
                                                                      cluster_has)))
    (data / "Engine" / "SystemAlias.xml").write_text(
        '<?xml version="1.0"?>\n<AliasConfig>\n  <Alias name="Warehouse" type="odbc">DSN=warehouse</Alias>\n'
        "</AliasConfig>\n")
    (data / "Engine" / "SystemConnections.xml").write_text(
        '<?xml version="1.0"?>\n<Connections>\n  <Connection name="Sales" driver="SQL Server" />\n'
        "</Connections>\n")
    keys = data / "Keys"
    keys.mkdir(exist_ok=True)
    (keys / "alteryx.key").write_bytes(hashlib.sha256(f"{name}-key".encode()).digest() * 4)
    config_dir = install / "bin" / ("server/config" if _version_tuple(version) >= (2020, 1) else "config")
    config_dir.mkdir(parents=True, exist_ok=True)
    config = config_dir / "alteryx.config"
    config.write_text('<?xml version="1.0"?>\n<configuration>\n  <appSettings />\n</configuration>\n')
    modified = install_time + (86400 if role == "controller" else 0)
    os.utime(config, (modified, modified))
    if role == "controller" and _version_tuple(version) >= (2022, 3):
        (data / "RuntimeSettings.22_2_legacy.xml").write_text(_xml({"Controller": {"ControllerEnabled": "True"}}))
    if role == "controller" and mongo == "embedded":
        mongo_dir = data / "Service" / "Persistence" / "MongoDB"
        mongo_dir.mkdir(parents=True, exist_ok=True)
        for index in range(4):
            (mongo_dir / f"collection-{index}-{seed}.wt").write_bytes(os.urandom(256 * 1024))
        (mongo_dir / "WiredTiger").write_text("WiredTiger\nWiredTiger 10.0.0\n")
    token_length = 64 if _version_tuple(version) >= (2021, 4) else 40
    rng_hex = hashlib.sha256(f"{name}-{seed}".encode()).hexdigest() * 2
    state: dict[str, Any] = {
        "hostname": name.upper(),
        "version": version,
        "install_dir": "C:\\Program Files\\Alteryx",
        "install_time": install_time,
        "admin": True,
        "roles": {"controller": role == "controller",
                  "worker": role == "worker" or (role == "controller" and not cluster_has["workers"]),
                  "ui": role == "ui" or (role == "controller" and not cluster_has["ui"])},
        "services": {"AlteryxService": {
            "state": "running", "start_mode": "auto", "display_name": "AlteryxService",
            "path": "\"C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe\"",
            "username": "CORP\\svc-alteryx" if role == "controller" else "LocalSystem",
            "description": "Alteryx Service", "stop_delay": 0.2, "start_delay": 0.2}},
        "processes": [],
        "disks": {"C": {"size": 100 * GIB}, "D": {"size": 200 * GIB}},
        "secrets": {"server_secret": rng_hex[:token_length].upper(),
                    "emongo_password": rng_hex[10:42], "emongo_admin_password": rng_hex[42:74]},
        "mongo": {"type": mongo if role == "controller" else "none", "seed": seed, "documents": 60,
                  "dump_seconds": 0.3},
        "counters": {},
    }
    (root / "state.json").write_text(json.dumps(state, indent=1, sort_keys=True))
    (root / "journal.jsonl").write_text("")


def new_fleet(directory: str | os.PathLike[str], *, workers: int = 0, ui: int = 0, clusters: int = 1,
              mongo: str = "embedded", version: str = DEFAULT_VERSION) -> Path:
    """Create a fleet of simulated hosts under ``directory`` and return its inventory path."""
    base = Path(directory).resolve()
    (base / "hosts").mkdir(parents=True, exist_ok=True)
    (base / "shares" / SHARE_SERVER / SHARE_NAME).mkdir(parents=True, exist_ok=True)
    groups: dict[str, dict[str, Any]] = {"alteryx_controller": {"hosts": {}}, "alteryx_workers": {"hosts": {}},
                                         "alteryx_ui": {"hosts": {}}}
    cluster_groups: dict[str, Any] = {}
    seed = 1
    for cluster in range(1, clusters + 1):
        prefix = "" if clusters == 1 else f"c{cluster}-"
        controller = f"{prefix}controller"
        members = [(controller, "controller")]
        members += [(f"{prefix}worker{i}", "worker") for i in range(1, workers + 1)]
        members += [(f"{prefix}ui{i}", "ui") for i in range(1, ui + 1)]
        cluster_name = f"cluster{cluster}"
        cluster_groups[cluster_name] = {"hosts": {}, "vars": {"alteryx_cluster": cluster_name}}
        for name, role in members:
            root = base / "hosts" / name
            build_host(root, name, role, controller_name=controller, mongo=mongo, version=version,
                       cluster_has={"workers": workers > 0, "ui": ui > 0}, seed=seed)
            seed += 1
            group = {"controller": "alteryx_controller", "worker": "alteryx_workers", "ui": "alteryx_ui"}[role]
            groups[group]["hosts"][name] = {"winsim_root": str(root)}
            cluster_groups[cluster_name]["hosts"][name] = None
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "alteryx_sim.windows.winsim",
                "ansible_shell_type": "powershell",
                "ansible_host": "127.0.0.1",
                "ansible_user": "winsim",
            },
            "children": {**groups, "alteryx_clusters": {"children": cluster_groups}},
        }
    }
    path = base / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return path

"""Build simulated Alteryx Server fleets: host folders that look like real servers, and an inventory."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import yaml

from .host import encode_ps51, file_identity
from .mongodump import DEFAULT_PATH as MONGODUMP_PATH

GIB = 1024**3
DEFAULT_VERSION = "2023.1.1.247"
SHARE_SERVER = "fileserver"
SHARE_NAME = "backups"

# How the override RuntimeSettings.xml (C:\ProgramData\Alteryx\, the file System Settings rewrites)
# is encoded. Which encoding a real Alteryx System Settings writes is not documented and could not be
# established. The default is UTF-8 *with* a BOM and CRLF line ends -- what .NET's
# ``XmlDocument.Save`` writes for an ``encoding="utf-8"`` declaration (``Encoding.UTF8`` emits a
# preamble) and what Notepad wrote before Windows 10 1903: a BOM trips readers that assume plain
# UTF-8/ASCII (``json.loads``, ``bytes.decode('ascii')``, expat fed a str that starts with U+FEFF).
# The harsher UTF-16LE is one option away rather than the default, because existing winsim tests
# (tests/winsim/tests/playbooks/journal.yml) ``b64decode`` the slurped file as UTF-8, which a real
# UTF-16 file would fail as well.
#   utf-8-bom  UTF-8 with BOM, declaration encoding="utf-8" (default)
#   utf-16     UTF-16LE with BOM, declaration encoding="utf-16" (.NET XmlWriter with Encoding.Unicode,
#              or the file after an admin's 5.1 ``Out-File`` / ``>``)
#   utf-8      UTF-8 without BOM, declaration encoding="utf-8"
#   ansi       cp1252 bytes under an unchanged encoding="utf-8" declaration: the file after an admin
#              edit through Windows PowerShell 5.1 ``Get-Content | Set-Content`` (ANSI by default);
#              ``[IO.File]::ReadAllText`` then reads U+FFFD for every non-ASCII character
# The installer-shipped defaults layer (bin\RuntimeData\) stays UTF-8 without BOM. The override also
# carries a non-ASCII value (Engine/LogFilePath) so that the encoding matters.
SETTINGS_ENCODINGS = ("utf-8-bom", "utf-16", "utf-8", "ansi")
DEFAULT_SETTINGS_ENCODING = "utf-8-bom"
NON_ASCII_LOG_PATH = "C:\\ProgramData\\Alteryx\\Engine\\Journal d\u2019exécution"

# Items seeded with NTFS attributes on every host (Windows path -> attributes). C:\ProgramData is
# Hidden on every Windows installation; the hidden key file sits in a folder the backup must copy, so a
# script that lists without ``Get-ChildItem -Force`` silently leaves it out.
SEEDED_ATTRIBUTES = {
    "C:\\ProgramData": ["Hidden"],
    "C:\\ProgramData\\Alteryx\\Keys\\recovery.key": ["Hidden"],
}


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".")[:2])


def _xml(sections: dict[str, dict[str, str]], declared: str = "utf-8", newline: str = "\n") -> str:
    lines = [f'<?xml version="1.0" encoding="{declared}"?>', "<SystemSettings>"]
    for section, values in sections.items():
        lines.append(f"  <{section}>")
        lines.extend(f"    <{k}>{v}</{k}>" if v != "" else f"    <{k} />" for k, v in values.items())
        lines.append(f"  </{section}>")
    lines.append("</SystemSettings>")
    return newline.join(lines) + newline


def encode_settings(sections: dict[str, dict[str, str]], encoding: str) -> bytes:
    """The bytes of a RuntimeSettings.xml written in ``encoding`` (one of SETTINGS_ENCODINGS), CRLF line ends."""
    if encoding == "utf-16":
        return b"\xff\xfe" + _xml(sections, "utf-16", "\r\n").encode("utf-16-le")
    if encoding == "utf-8":
        return _xml(sections, "utf-8", "\r\n").encode("utf-8")
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + _xml(sections, "utf-8", "\r\n").encode("utf-8")
    if encoding == "ansi":
        return encode_ps51(_xml(sections, "utf-8", "\r\n"), "Default")
    raise ValueError(f"unknown settings encoding {encoding!r}; expected one of {', '.join(SETTINGS_ENCODINGS)}")


DEFAULT_SETTINGS = {
    # A real installer's defaults layer: the embedded MongoDB is off until the override turns it on.
    "Controller": {"ControllerEnabled": "False", "EmbeddedMongoDBEnabled": "False", "EmbeddedMongoDBRootPath": "",
                   "EmbeddedMongoDBPort": "27018", "MongoDBEnabled": "False", "WebInterfaceEnabled": "False",
                   "GalleryEnabled": "False", "LoggingPath": "C:\\ProgramData\\Alteryx\\Service\\"},
    "Engine": {"NumThreads": "4", "SortJoinMemory": "1024", "TempFilePath": "C:\\ProgramData\\Alteryx\\Engine\\"},
    "Environment": {"WorkerEnabled": "False", "SetupType": "Complete"},
    "Gallery": {"BaseAddress": "http://localhost/gallery/", "LoggingPath": "C:\\ProgramData\\Alteryx\\Gallery\\Logs"},
    "Worker": {"UseLocalServer": "True", "ServerName": "", "NumThreads": "2"},
}


PERSISTENCE_TYPES = ("embedded", "self-managed", "sqlite")
DEFAULT_MONGO_SERVER = "127.0.0.1:27017"
SQLITE_PATH = "C:\\ProgramData\\Alteryx\\Service\\Persistence"
# The SQLite persistence of a Scheduler-only controller: database file -> tables with their row counts. The
# service holds every database open without sharing while it runs (state.persistence.open_files).
SQLITE_DATABASES = {"AlteryxService.db": {"AS_Applications": 12, "AS_Queue": 5, "AS_Results": 40, "AS_Schedules": 7}}
# A hidden file in the persistence folder: a copy without -Force would miss it.
SQLITE_HIDDEN_FILE = "persistence.lock"


def _override_settings(role: str, controller_name: str, mongo: str, version: str, cluster_has: dict,
                       mongo_server: str = DEFAULT_MONGO_SERVER) -> dict:
    settings: dict[str, dict[str, str]] = {"Controller": {}, "Environment": {}, "Worker": {}}
    if role == "controller":
        settings["Controller"] = {
            "ControllerEnabled": "True",
            "ServerSecretEncrypted": "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA" + "x" * 40,
            "StorageKeysEncrypted": "AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA" + "k" * 40,
            "WebInterfaceEnabled": "False" if cluster_has["ui"] else "True",
            "GalleryEnabled": "False" if cluster_has["ui"] else "True",
        }
        if mongo == "embedded":
            settings["Controller"]["EmbeddedMongoDBEnabled"] = "True"
        if mongo == "self-managed":
            settings["Controller"].update({
                "EmbeddedMongoDBEnabled": "False", "MongoDBEnabled": "True",
                "MongoDBServerName": mongo_server, "MongoDBDatabaseName": "AlteryxService",
                "MongoDBUserName": "alteryx", "MongoDBPasswordEncrypted": "AQAAANCMnd8BFdERjHoAwE/Cl+sB" + "p" * 30,
            })
            if _version_tuple(version) >= (2022, 3):
                settings["Controller"]["AdvancedMongoConnectionEncrypted"] = "AQAAANCMnd8BFdERjHoAwE/" + "c" * 30
        settings["Environment"] = {"WorkerEnabled": "False" if cluster_has["workers"] else "True",
                                   "SetupType": "Complete"}
        if mongo == "sqlite":
            # A Scheduler-only installation: no Gallery, no MongoDB of any kind, SQLite persistence.
            settings["Controller"].update({"EmbeddedMongoDBEnabled": "False", "MongoDBEnabled": "False",
                                           "SQLitePath": SQLITE_PATH, "WebInterfaceEnabled": "False",
                                           "GalleryEnabled": "False"})
            settings["Environment"]["SetupType"] = "SchedulerOnly"
    elif role == "worker":
        settings["Environment"] = {"WorkerEnabled": "True", "SetupType": "Worker"}
        settings["Worker"] = {"UseLocalServer": "False", "ServerName": f"http://{controller_name}:80/AlteryxService/"}
    else:
        settings["Controller"] = {"WebInterfaceEnabled": "True", "GalleryEnabled": "True"}
        settings["Environment"] = {"WorkerEnabled": "False", "SetupType": "Gallery"}
        settings["Worker"] = {"UseLocalServer": "False", "ServerName": f"http://{controller_name}:80/AlteryxService/"}
    settings["Worker"].update({"ExecuteUserName": "svc-runas", "ExecuteDomain": "CORP",
                               "ExecutePasswordEncrypted": "AQAAANCMnd8BFdERjHoAwE/" + "r" * 24})
    settings["Engine"] = {"LogFilePath": NON_ASCII_LOG_PATH}
    return {k: v for k, v in settings.items() if v}


def build_host(root: Path, name: str, role: str, *, controller_name: str, mongo: str, version: str,
               cluster_has: dict, seed: int, settings_encoding: str = DEFAULT_SETTINGS_ENCODING,
               mongo_server: str = DEFAULT_MONGO_SERVER) -> None:
    """Write one host folder: drives, Alteryx trees, state.json.

    ``mongo`` is the controller's persistence (PERSISTENCE_TYPES); ``mongo_server`` the ``host:port`` a
    self-managed controller's MongoDBServerName names (where its mongodump.exe really connects).
    """
    if mongo not in PERSISTENCE_TYPES:
        raise ValueError(f"unknown persistence {mongo!r}; expected one of {', '.join(PERSISTENCE_TYPES)}")
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
    (data / "RuntimeSettings.xml").write_bytes(encode_settings(
        _override_settings(role, controller_name, mongo, version, cluster_has, mongo_server), settings_encoding))
    (data / "Engine" / "SystemAlias.xml").write_text(
        '<?xml version="1.0"?>\n<AliasConfig>\n  <Alias name="Warehouse" type="odbc">DSN=warehouse</Alias>\n'
        "</AliasConfig>\n")
    (data / "Engine" / "SystemConnections.xml").write_text(
        '<?xml version="1.0"?>\n<Connections>\n  <Connection name="Sales" driver="SQL Server" />\n'
        "</Connections>\n")
    keys = data / "Keys"
    keys.mkdir(exist_ok=True)
    (keys / "alteryx.key").write_bytes(hashlib.sha256(f"{name}-key".encode()).digest() * 4)
    (keys / "recovery.key").write_bytes(hashlib.sha256(f"{name}-recovery".encode()).digest() * 2)
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
    persistence = _build_persistence(c_drive, role, mongo, seed)
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
                  "ui": role == "ui" or (role == "controller" and not cluster_has["ui"] and mongo != "sqlite")},
        "services": {"AlteryxService": {
            "state": "running", "start_mode": "auto", "display_name": "AlteryxService",
            "path": "\"C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe\"",
            "username": "CORP\\svc-alteryx" if role == "controller" else "LocalSystem",
            "description": "Alteryx Service", "stop_delay": 0.2, "start_delay": 0.2}},
        "processes": [],
        "disks": {"C": {"size": 100 * GIB}, "D": {"size": 200 * GIB}},
        "secrets": {"server_secret": rng_hex[:token_length].upper(),
                    "emongo_password": rng_hex[10:42], "emongo_admin_password": rng_hex[42:74]},
        "mongo": {"type": mongo if role == "controller" and mongo != "sqlite" else "none", "seed": seed,
                  "documents": 60, "dump_seconds": 0.3},
        "persistence": persistence,
        "counters": {},
        "attributes": {**_seeded_attributes(c_drive), **persistence.pop("attributes", {})},
    }
    (root / "state.json").write_text(json.dumps(state, indent=1, sort_keys=True))
    (root / "journal.jsonl").write_text("")


def _build_persistence(c_drive: Path, role: str, mongo: str, seed: int) -> dict[str, Any]:
    """The controller's persistence on disk and its ``state.persistence`` record.

    self-managed: mongodump.exe and mongorestore.exe of MongoDB Database Tools at their default paths. sqlite: real
    SQLite databases (python sqlite3) in the SQLite folder, held open by the service, and a hidden lock file.
    """
    if role != "controller":
        return {"type": "none", "path": ""}
    if mongo == "self-managed":
        exe = c_drive.joinpath(*MONGODUMP_PATH.split("\\")[1:])
        exe.parent.mkdir(parents=True, exist_ok=True)
        exe.write_bytes(b"MZ winsim mongodump.exe (MongoDB Database Tools 100.9.4)\n")
        exe.with_name("mongorestore.exe").write_bytes(b"MZ winsim mongorestore.exe (MongoDB Database Tools 100.9.4)\n")
        return {"type": "self-managed", "path": ""}
    if mongo == "embedded":
        return {"type": "embedded", "path": "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB"}
    folder = c_drive.joinpath(*SQLITE_PATH.split("\\")[1:])
    folder.mkdir(parents=True, exist_ok=True)
    open_files = []
    for database, tables in SQLITE_DATABASES.items():
        with sqlite3.connect(folder / database) as db:
            for table, rows in tables.items():
                db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT, payload BLOB)")
                db.executemany(f"INSERT INTO {table} (name, payload) VALUES (?, ?)",
                               [(f"{table}-{n}", hashlib.sha256(f"{seed}-{table}-{n}".encode()).digest() * 8)
                                for n in range(rows)])
        db.close()
        open_files.append(f"{SQLITE_PATH}\\{database}")
    hidden = folder / SQLITE_HIDDEN_FILE
    hidden.write_text(f"locked by AlteryxService {seed}\n")
    win_hidden = f"{SQLITE_PATH}\\{SQLITE_HIDDEN_FILE}"
    return {"type": "sqlite", "path": SQLITE_PATH, "open_files": open_files,
            "attributes": {win_hidden.lower(): {"attrs": ["Hidden"], **file_identity(hidden, create=True)}}}


def _seeded_attributes(c_drive: Path) -> dict[str, Any]:
    """The ``attributes`` table of state.json (see ``Host.set_attributes``) for SEEDED_ATTRIBUTES."""
    table = {}
    for win_path, attrs in SEEDED_ATTRIBUTES.items():
        local = c_drive.joinpath(*win_path.split("\\")[1:])
        table[win_path.lower()] = {"attrs": sorted(attrs), **file_identity(local, create=True)}
    return table


def new_fleet(directory: str | os.PathLike[str], *, workers: int = 0, ui: int = 0, clusters: int = 1,
              mongo: str = "embedded", version: str = DEFAULT_VERSION,
              settings_encoding: str = DEFAULT_SETTINGS_ENCODING, mongo_server: str = DEFAULT_MONGO_SERVER) -> Path:
    """Create a fleet of simulated hosts under ``directory`` and return its inventory path.

    ``mongo`` is the controllers' persistence (PERSISTENCE_TYPES); a self-managed controller names
    ``mongo_server`` (``host:port``) as its MongoDBServerName. ``settings_encoding`` is how each override
    RuntimeSettings.xml is written (SETTINGS_ENCODINGS).
    """
    if settings_encoding not in SETTINGS_ENCODINGS:
        raise ValueError(f"unknown settings encoding {settings_encoding!r}; expected one of "
                         f"{', '.join(SETTINGS_ENCODINGS)}")
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
                       cluster_has={"workers": workers > 0, "ui": ui > 0}, seed=seed,
                       settings_encoding=settings_encoding, mongo_server=mongo_server)
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


def cli(argv: list[str] | None = None) -> int:
    """``winsim new DIR [--workers N] [--ui N] [--clusters N] [--mongo M] [--mongo-server H:P] [--version V]
    [--settings-encoding E]``; ``winsim tick HOST_ROOT...``; ``winsim mongo HOST_ROOT show|drop|delete|set [DB.COLL] [...]``;
    ``winsim acl HOST_ROOT WINDOWS_PATH`` (the path's access rules, ``Host.access_rules``)."""
    parser = argparse.ArgumentParser(prog="winsim", description="Simulated Alteryx Server hosts for tests.")
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="create a fleet and its inventory")
    new.add_argument("directory")
    new.add_argument("--workers", type=int, default=0)
    new.add_argument("--ui", type=int, default=0)
    new.add_argument("--clusters", type=int, default=1)
    new.add_argument("--mongo", choices=PERSISTENCE_TYPES, default="embedded")
    new.add_argument("--mongo-server", default=DEFAULT_MONGO_SERVER,
                     help="host:port of a self-managed MongoDB (default: %(default)s)")
    new.add_argument("--version", default=DEFAULT_VERSION)
    new.add_argument("--settings-encoding", choices=SETTINGS_ENCODINGS, default=DEFAULT_SETTINGS_ENCODING,
                     help="encoding of the override RuntimeSettings.xml (default: %(default)s)")
    tick = sub.add_parser("tick", help="fire the scheduled tasks that came due on hosts (winsim has no daemon)")
    tick.add_argument("hosts", nargs="+", metavar="HOST_ROOT", help="a host folder, <fleet>/hosts/<name>")
    mongo = sub.add_parser("mongo", help="show or change what a controller's embedded MongoDB holds")
    mongo.add_argument("host", metavar="HOST_ROOT", help="a host folder, <fleet>/hosts/<name>")
    mongo.add_argument("action", choices=("show", "drop", "delete", "set"))
    mongo.add_argument("namespace", nargs="?", default="", metavar="DB.COLL")
    mongo.add_argument("extra", nargs="*", metavar="COUNT|FIELD=VALUE")
    acl = sub.add_parser("acl", help="show the access rules of a path on a host, as Get-Acl would")
    acl.add_argument("host", metavar="HOST_ROOT", help="a host folder, <fleet>/hosts/<name>")
    acl.add_argument("path", metavar="WINDOWS_PATH", help="e.g. D:\\Alteryx\\Backups or \\\\fileserver\\backups")
    args = parser.parse_args(argv)
    if args.command == "acl":
        from .host import Host

        print(json.dumps(Host(args.host).access_rules(args.path), indent=1, sort_keys=True))
        return 0
    if args.command == "mongo":
        from .emongo_data import cli as mongo_cli

        print(json.dumps(mongo_cli(args.host, args.action, args.namespace, args.extra), indent=1, sort_keys=True))
        return 0
    if args.command == "tick":
        from .host import Host
        from .scheduler import tick as tick_host

        print(json.dumps({root: tick_host(Host(root)) for root in args.hosts}, indent=1, sort_keys=True))
        return 0
    inventory = new_fleet(args.directory, workers=args.workers, ui=args.ui, clusters=args.clusters,
                          mongo=args.mongo, version=args.version, settings_encoding=args.settings_encoding,
                          mongo_server=args.mongo_server)
    print(inventory)
    return 0

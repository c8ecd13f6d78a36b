"""The Alteryx Server model of a simulated host: services, workflows, AlteryxService.exe and its data.

Timings are real seconds (small by default) so that async polling and crash tests behave
like a slow host; every transition is journalled as a host event.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

import bson
from bson import json_util

from .host import DiskFullError, Host, WinError

SERVICE = "AlteryxService"
ENGINE_PROCESS = "AlteryxEngineCmd.exe"
DATABASES = {
    "AlteryxGallery": ["users", "appInfos", "collections", "subscriptions", "auditEvents"],
    "AlteryxService": ["AS_Applications", "AS_Queue", "AS_Results", "AS_Schedules"],
    "AlteryxGallery_Lucene": ["LuceneIndexes"],
}


# ---------------------------------------------------------------- services
def service(host: Host, name: str = SERVICE) -> dict[str, Any]:
    """Return a copy of a service's record (raises WinError when it does not exist)."""
    services = host.state()["services"]
    for key, record in services.items():
        if key.lower() == name.lower():
            return {"name": key, **record}
    raise WinError(f"Cannot find any service with service name '{name}'.")


def set_service_state(host: Host, name: str, target: str, timeout: float | None = None) -> dict[str, Any]:
    """Move a service to ``running`` or ``stopped`` like the SCM does, honouring delays and hangs.

    Raises WinError with a timeout message when the transition does not finish within
    ``timeout`` seconds (a hung stop never finishes).
    """
    record = service(host, name)
    if record["state"] == target:
        return record
    pending = "stop_pending" if target == "stopped" else "start_pending"
    delay = float(record.get("stop_delay" if target == "stopped" else "start_delay", 0.1))
    hangs = bool(record.get("hang_stop" if target == "stopped" else "hang_start"))
    _update_service(host, record["name"], state=pending)
    host.event(f"service_{pending}", service=record["name"])
    if hangs:
        wait = float(timeout if timeout is not None else 30)
        time.sleep(min(wait, 5))
        raise WinError(f"Service '{record['name']}' did not reach state {target} within {wait:g} seconds "
                       f"(it is {pending})")
    if timeout is not None and delay > timeout:
        time.sleep(timeout)
        raise WinError(f"Service '{record['name']}' did not reach state {target} within {timeout:g} seconds")
    time.sleep(delay)
    _update_service(host, record["name"], state=target)
    host.event(f"service_{target}", service=record["name"])
    return service(host, name)


def _update_service(host: Host, name: str, **fields: Any) -> None:
    with host.locked_state() as state:
        state["services"][name].update(fields)


# --------------------------------------------------------------- processes
def running_processes(host: Host, name: str | None = None) -> list[dict[str, Any]]:
    """Processes alive now; services contribute their own (AlteryxServerHost.exe, mongod.exe)."""
    now = time.time()
    state = host.state()
    procs = [p for p in state.get("processes", []) if float(p.get("ends_at", now + 1)) > now]
    alteryx = state["services"].get(SERVICE, {})
    if alteryx.get("state") == "running":
        procs.append({"name": "AlteryxService.exe", "pid": 1100, "owner": "NT AUTHORITY\\SYSTEM"})
        if state.get("roles", {}).get("ui"):
            procs.append({"name": "AlteryxServerHost.exe", "pid": 1200, "owner": "NT AUTHORITY\\SYSTEM"})
        if state.get("mongo", {}).get("type") == "embedded":
            procs.append({"name": "mongod.exe", "pid": 1300, "owner": "NT AUTHORITY\\SYSTEM"})
    if name:
        procs = [p for p in procs if p["name"].lower() == name.lower()]
    return procs


def kill_processes(host: Host, name: str) -> int:
    """Stop every process called ``name``; returns how many were killed."""
    now = time.time()
    killed = 0
    with host.locked_state() as state:
        for proc in state.get("processes", []):
            if proc["name"].lower() == name.lower() and float(proc.get("ends_at", now + 1)) > now:
                proc["ends_at"] = now
                killed += 1
    if killed:
        host.event("processes_killed", name=name, count=killed)
    return killed


# ------------------------------------------------------ AlteryxService.exe
def service_exe(host: Host, argument: str) -> tuple[int, str]:
    """Run ``AlteryxService.exe <argument>``; returns (exit code, stdout) as the real binary prints them.

    The exit code is as unreliable as the real one: failures of emongodump still return 0.
    """
    verb, _, value = argument.partition("=")
    verb = verb.strip().lower()
    state = host.state()
    host.event("alteryxservice_exe", verb=verb)
    if not state.get("admin", True):
        return 1, "Error: this command requires administrator privileges."
    if verb == "getversion":
        return 0, state["version"]
    if verb == "getserversecret":
        return 0, state["secrets"]["server_secret"]
    if verb == "setserversecret":
        with host.locked_state() as st:
            st["secrets"]["server_secret"] = value
        return 0, "Server secret set."
    if verb == "getemongopassword":
        secrets = state["secrets"]
        return 0, f"Non-Admin: {secrets['emongo_password']}\nAdmin: {secrets['emongo_admin_password']}"
    if verb == "start":
        set_service_state(host, SERVICE, "running")
        return 0, "AlteryxService started."
    if verb == "stop":
        set_service_state(host, SERVICE, "stopped")
        return 0, "AlteryxService stopped."
    if verb == "emongodump":
        return emongodump(host, value)
    if verb == "emongorestore":
        return emongorestore(host, value)
    return 1, f"Unknown command: {argument}"


def emongodump(host: Host, target: str) -> tuple[int, str]:
    """Dump the seeded embedded MongoDB as mongodump does, into ``target``."""
    state = host.state()
    if state.get("mongo", {}).get("type") != "embedded":
        return 0, "EMongoDump failed: embedded MongoDB is not enabled on this node."
    if service(host)["state"] != "stopped":
        return 0, ("EMongoDump failed: unable to start embedded MongoDB; the data folder is locked by "
                   "another mongod (stop AlteryxService first).")
    try:
        folder = host.local_path(target)
    except WinError as exc:
        return 0, f"Mongodump failed: 1 ({exc})"
    if not folder.parent.is_dir():
        return 0, f"Mongodump failed: 1 (cannot create directory {target})"
    folder.mkdir(exist_ok=True)
    log_lines: list[str] = []
    time.sleep(float(state["mongo"].get("dump_seconds", 0.2)))
    try:
        for database, collections in dataset(state).items():
            for collection, docs in collections.items():
                log_lines.append(f"{_stamp()}\twriting {database}.{collection} to {target}\\{database}\\{collection}.bson")
                data = b"".join(bson.encode(doc) for doc in docs)
                host.write_bytes(folder / database / f"{collection}.bson", data)
                metadata = json_util.dumps({"indexes": [{"v": 2, "key": {"_id": 1}, "name": "_id_"}],
                                                 "uuid": f"{abs(hash((database, collection))):032x}",
                                                 "collectionName": collection})
                host.write_bytes(folder / database / f"{collection}.metadata.json", metadata.encode())
                log_lines.append(f"{_stamp()}\tdone dumping {database}.{collection} ({len(docs)} documents)")
    except DiskFullError as exc:
        log_lines.append(f"{_stamp()}\tFailed: error writing data: {exc}")
        (folder / "mongoDump.log").write_text("\n".join(log_lines) + "\n")
        host.event("emongodump", target=target, ok=False)
        return 0, "Mongodump failed: 14"
    (folder / "mongoDump.log").write_text("\n".join(log_lines) + "\n")
    host.event("emongodump", target=target, ok=True)
    return 0, f"Starting embedded MongoDB dump to {target}\nEMongoDump completed."


def emongorestore(host: Host, value: str) -> tuple[int, str]:
    """Restore a dump folder into a new data folder and write mongoRestore.log."""
    source, _, target = value.partition(",")
    if service(host)["state"] != "stopped":
        return 0, "EMongoRestore failed: stop AlteryxService first."
    src = host.local_path(source.strip())
    dest = host.local_path(target.strip())
    if not src.is_dir():
        return 0, f"EMongoRestore failed: source {source} does not exist"
    if dest.exists() and any(dest.iterdir()):
        return 0, f"EMongoRestore failed: target {target} is not empty"
    restored = 0
    for bson_file in src.rglob("*.bson"):
        restored += len(bson.decode_all(bson_file.read_bytes()))
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "WiredTiger").write_text("restored\n")
    (src / "mongoRestore.log").write_text(
        f"{_stamp()}\t{restored} document(s) restored successfully. 0 document(s) failed to restore.\n")
    host.event("emongorestore", source=source, target=target, documents=restored)
    return 0, "EMongoRestore completed."


# ----------------------------------------------------------------- dataset
def dataset(state: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The host's seeded MongoDB content, deterministic for its seed."""
    rng = random.Random(int(state["mongo"].get("seed", 1)))
    per_collection = int(state["mongo"].get("documents", 60))
    base = datetime(2025, 1, 1, tzinfo=UTC)
    data: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for database, collections in DATABASES.items():
        data[database] = {}
        for index, collection in enumerate(collections):
            count = max(1, per_collection - 7 * index)
            data[database][collection] = [
                {
                    "_id": bson.ObjectId(f"{index:04x}{n:08x}{rng.getrandbits(48):012x}"),
                    "name": f"{collection}-{n}",
                    "owner": f"user{rng.randrange(40)}@example.com",
                    "created": base.replace(day=1 + n % 28),
                    "payload": "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(400)),
                }
                for n in range(count)
            ]
    return data


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"

"""restore.yml round trips for every persistence type, on winsim, with real data compared after the restore.

Embedded MongoDB: emongodump dumps what the live data folder holds and emongorestore loads the dump's BSON into the
new folder (winsim_engine.emongo_data), so a restored node serves exactly the backed-up documents. Self-managed
MongoDB: the controller's mongodump.exe / mongorestore.exe talk to an nx-27017 server on loopback (with a SCRAM
login), so documents really leave and come back. SQLite: the service holds its databases open; the files are
put back byte for byte while it is stopped.
"""

from __future__ import annotations

import gzip
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import bson
import pytest
from bson import json_util
from conftest import Fleet
from mongo_server import MongoTestServer, canary_password

from winsim_engine import emongo_data
from winsim_engine.fleet import SQLITE_PATH
from winsim_engine.host import Host

P = "ansible.windows.win_powershell:"
USER = "alteryx"
PASSWORD = canary_password()
COUNTS = {"AlteryxGallery": {"users": 9, "apps": 5}, "AlteryxService": {"AS_Queue": 4}}


def _full_backup(fleet: Fleet, **extra) -> Path:
    # The secrets' export (and its encryption) is not what these tests are about.
    run = fleet.playbook("playbooks/backup_full.yml", extra={"alteryx_backup_export_secrets": False, **extra})
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return archive


def _dumped(archive: Path) -> dict[str, dict[str, list[dict]]]:
    """The documents of the archive's MongoDB dump, per database and collection (plain or --gzip)."""
    content: dict[str, dict[str, list[dict]]] = {}
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            parts = name.split("/")
            if len(parts) != 3 or parts[0] != "MongoDB" or not parts[2].endswith((".bson", ".bson.gz")):
                continue
            data = zf.read(name)
            collection = parts[2].removesuffix(".gz").removesuffix(".bson")
            content.setdefault(parts[1], {})[collection] = bson.decode_all(
                gzip.decompress(data) if name.endswith(".gz") else data)
    return content


def _docs(content: dict[str, dict[str, list[dict]]]) -> dict[str, dict[str, list[str]]]:
    """Every document as canonical extended JSON (keys sorted, through BSON: a datetime as BSON stores it),
    each collection's documents sorted: equal when the databases hold the same documents."""
    return {db: {c: sorted(json_util.dumps(bson.decode(bson.encode(d)), sort_keys=True) for d in docs)
                 for c, docs in colls.items()} for db, colls in content.items()}


# ------------------------------------------------------------------------------------------------ embedded
def test_embedded_round_trip_brings_back_every_document(fleet: Fleet) -> None:
    archive = _full_backup(fleet)
    backed_up = _dumped(archive)
    host = Host(fleet.host())
    assert _docs(emongo_data.live_content(host)) == _docs(backed_up)  # the dump is what the node served
    # After the backup: a collection dropped, documents deleted and altered.
    emongo_data.drop_collection(host, "AlteryxGallery", "users")
    emongo_data.delete_documents(host, "AlteryxService", "AS_Queue", 5)
    emongo_data.set_field(host, "AlteryxGallery", "appInfos", "owner", "intruder@example.com")
    assert _docs(emongo_data.live_content(host)) != _docs(backed_up)
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "DatabaseOnly"})
    assert run.rc == 0, run.output
    assert _docs(emongo_data.live_content(host)) == _docs(backed_up)
    # A second backup of the restored node dumps the same documents again.
    for old in fleet.archives():
        old.unlink()
        Path(f"{old}.sha256").unlink(missing_ok=True)
    assert _docs(_dumped(_full_backup(fleet))) == _docs(backed_up)
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_embedded_failed_documents_keep_the_changed_live_data(fleet: Fleet) -> None:
    _full_backup(fleet)
    host = Host(fleet.host())
    emongo_data.drop_collection(host, "AlteryxGallery", "users")
    live = emongo_data.live_content(host)
    fleet.set_state(mongo={**fleet.state()["mongo"], "restore_failed_documents": 2})
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "DatabaseOnly"})
    assert run.rc != 0
    assert "2 document(s) failed to restore" in run.output
    assert emongo_data.live_content(host) == live
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_winsim_cli_changes_the_embedded_data(fleet: Fleet) -> None:
    from winsim_engine.fleet import cli

    host = Host(fleet.host())
    before = [d["_id"] for d in emongo_data.live_content(host)["AlteryxGallery"]["users"]]
    assert cli(["mongo", str(fleet.host()), "delete", "AlteryxGallery.users", "3"]) == 0
    assert [d["_id"] for d in emongo_data.live_content(host)["AlteryxGallery"]["users"]] == before[3:]
    assert cli(["mongo", str(fleet.host()), "set", "AlteryxGallery.users", "owner=x@example.com"]) == 0
    assert {d["owner"] for d in emongo_data.live_content(host)["AlteryxGallery"]["users"]} == {"x@example.com"}
    assert cli(["mongo", str(fleet.host()), "drop", "AlteryxGallery.users"]) == 0
    assert "users" not in emongo_data.live_content(host)["AlteryxGallery"]


# ------------------------------------------------------------------------------------------- self-managed
@pytest.fixture
def scram() -> Iterator[MongoTestServer]:
    """A fresh server (per test: restores change it) with a SCRAM login, seeded with COUNTS."""
    with MongoTestServer(users={USER: PASSWORD}) as srv:
        with srv.client(USER, PASSWORD) as client:
            for database, collections in COUNTS.items():
                for collection, count in collections.items():
                    client[database][collection].insert_many(
                        [{"name": f"{collection}-{n}", "n": n, "owner": f"user{n}@example.com"} for n in range(count)])
        yield srv


def _server_content(srv: MongoTestServer) -> dict[str, dict[str, list[dict]]]:
    with srv.client(USER, PASSWORD) as client:
        return {db: {c: list(client[db][c].find()) for c in client[db].list_collection_names()}
                for db in client.list_database_names() if db not in ("admin", "local", "config")
                and client[db].list_collection_names()}


def _self_managed(tmp_path: Path, srv: MongoTestServer) -> Fleet:
    return Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server=f"{srv.host}:{srv.port}")


SECRET = {"alteryx_backup_mongodb_password": PASSWORD}


def test_self_managed_round_trip_brings_back_every_document(tmp_path: Path, scram: MongoTestServer) -> None:
    fleet = _self_managed(tmp_path, scram)
    archive = _full_backup(fleet, **SECRET)
    backed_up = _dumped(archive)
    assert _docs(_server_content(scram)) == _docs(backed_up)
    with scram.client(USER, PASSWORD) as client:
        client["AlteryxGallery"]["users"].drop()
        client["AlteryxService"]["AS_Queue"].update_many({}, {"$set": {"owner": "intruder@example.com"}})
        client["AlteryxGallery"]["apps"].insert_one({"name": "added after the backup"})
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "DatabaseOnly", **SECRET},
                         verbosity=3)
    assert run.rc == 0, run.output
    assert _docs(_server_content(scram)) == _docs(backed_up)
    assert PASSWORD not in run.output
    assert not [p for p in fleet.host().rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]
    [started] = [e for e in fleet.journal() if e.get("event") == "native_process" and e.get("image") == "mongorestore.exe"]
    assert "--drop" in started["command_line"] and "--gzip" in started["command_line"]
    assert PASSWORD not in started["command_line"] and "--config=" in started["command_line"]
    # (The restore's safety backup runs mongodump, with a private folder of its own.)
    assert [e["event"] for e in fleet.journal() if e.get("event", "").startswith("private_folder")
            and "alteryx-mongorestore-" in e["path"]] == ["private_folder", "private_folder_removed"]
    assert not list(fleet.backups_dir().glob("MongoDB_DUMP_*"))
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    calls = fleet.calls()
    assert calls.index(P + "alteryx_restore_check") < calls.index(P + "alteryx_restore_database")


def test_self_managed_without_drop_keeps_the_old_data_and_fails(tmp_path: Path, scram: MongoTestServer) -> None:
    fleet = _self_managed(tmp_path, scram)
    _full_backup(fleet, **SECRET)
    with scram.client(USER, PASSWORD) as client:
        client["AlteryxService"]["AS_Queue"].update_many({}, {"$set": {"owner": "changed@example.com"}})
    before = _docs(_server_content(scram))
    run = fleet.playbook("playbooks/restore.yml", extra={
        "alteryx_restore_scope": "DatabaseOnly", "alteryx_restore_mongodb_drop": False, **SECRET})
    assert run.rc != 0
    assert "is not sound" in run.output and "failure_class: mongodb" in run.output
    assert "duplicate key error" in run.output
    assert _docs(_server_content(scram)) == before  # mongorestore only inserts: nothing was replaced
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_self_managed_wrong_password_is_refused_before_any_stop(tmp_path: Path, scram: MongoTestServer) -> None:
    fleet = _self_managed(tmp_path, scram)
    _full_backup(fleet, **SECRET)
    fleet.reset_journal()
    wrong = "Wrong-" + PASSWORD
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "DatabaseOnly",
                                                         "alteryx_restore_mongodb_password": wrong})
    assert run.rc != 0
    assert "failure_class: mongodb" in run.output
    assert wrong not in run.output and PASSWORD not in run.output
    assert not [c for c in fleet.calls() if "service_state" in c or "restore_database" in c]
    assert not [e for e in fleet.journal() if e.get("event") in ("service_stop_pending", "service_stopped")]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


# --------------------------------------------------------------------------------------------------- SQLite
def _sqlite_folder(fleet: Fleet) -> Path:
    return fleet.host() / "drives" / "C" / Path(*SQLITE_PATH.split("\\")[1:])


def _rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        rows = {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in tables}  # noqa: S608
    db.close()
    return rows


def test_sqlite_round_trip_puts_the_files_back_byte_for_byte(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="sqlite")
    _full_backup(fleet)
    database = _sqlite_folder(fleet) / "AlteryxService.db"
    original, rows = database.read_bytes(), _rows(database)
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM AS_Schedules")
        db.execute("UPDATE AS_Queue SET name = 'changed'")
    db.close()
    changed = database.read_bytes()
    assert _rows(database) != rows
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "DatabaseOnly"})
    assert run.rc == 0, run.output
    assert database.read_bytes() == original and _rows(database) == rows
    [safety] = list(database.parent.glob("AlteryxService.db.pre-restore-*"))
    assert safety.read_bytes() == changed
    # The hidden lock file came back hidden.
    assert fleet.state()["attributes"][f"{SQLITE_PATH}\\persistence.lock".lower()]["attrs"] == ["Hidden"]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    calls = fleet.calls()
    assert calls.index(P + "alteryx_service_state") < calls.index(P + "alteryx_restore_config")


def test_sqlite_files_held_open_by_the_running_service_are_not_overwritten(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="sqlite")
    archive = _full_backup(fleet)
    database = _sqlite_folder(fleet) / "AlteryxService.db"
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM AS_Queue")
    db.close()
    before = database.read_bytes()
    play = tmp_path / "restore_sqlite.yml"
    play.write_text(
        "- hosts: controller\n  gather_facts: false\n  tasks:\n"
        "    - alteryx.server.alteryx_restore_check:\n"
        f"        archive: '{_win(fleet, archive)}'\n"
        "      register: checked\n"
        "    - alteryx.server.alteryx_restore_sqlite:\n"
        "        archive: '{{ checked.archive }}'\n        manifest: '{{ checked.manifest }}'\n        run_id: r1\n")
    run = fleet.playbook(str(play))
    assert run.rc != 0
    assert "because it is being used by another process" in run.output
    assert "failure_class: storage" in run.output
    assert database.read_bytes() == before
    assert not list(database.parent.glob("*.pre-restore-*"))


def _win(fleet: Fleet, path: Path) -> str:
    return Host(fleet.host()).win_path(path)

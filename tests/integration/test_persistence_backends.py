"""alteryx_mongodump and alteryx_sqlite_backup run by a real ansible-playbook against winsim controllers.

The self-managed controller's mongodump.exe connects for real to an nx-27017 server on loopback that the test
seeds; the SQLite controller holds its databases open while its service runs.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import bson
import pymongo
import pytest
import yaml
from conftest import Fleet

from winsim_engine.fleet import SQLITE_PATH
from winsim_engine.mongo_nx import nx_server, seed

COUNTS = {"AlteryxGallery": {"users": 11, "appInfos": 4}, "AlteryxService": {"AS_Queue": 6, "AS_Schedules": 2},
          "AlteryxGallery_Lucene": {"LuceneIndexes": 3}}
CANARY = "Canary-7f3b'pw\"x y%z"
DUMP = "D:\\Staging\\MongoDB"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with nx_server() as address:
        seed(address, COUNTS)
        yield address


def _playbook(tmp_path: Path, module: str, args: dict) -> Path:
    """A play that runs ``module`` on the controller and saves its registered result to ``result.json``."""
    play = [{"name": "persistence", "hosts": "controller", "gather_facts": False, "tasks": [
        {"name": "dump", "register": "dump", "ignore_errors": True, f"alteryx.server.{module}": args},
        {"name": "save", "delegate_to": "localhost",
         "vars": {"ansible_connection": "local", "ansible_shell_type": "sh",
                  "ansible_python_interpreter": sys.executable},
         "ansible.builtin.copy": {"content": "{{ dump | to_json }}", "dest": str(tmp_path / "result.json")}},
    ]}]
    path = tmp_path / f"{module}.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return path


def _result(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "result.json").read_text())


def _server_counts(address: str) -> dict[str, dict[str, int]]:
    with pymongo.MongoClient(f"mongodb://{address}/", serverSelectionTimeoutMS=3000) as client:
        return {db: {c: client[db][c].count_documents({}) for c in client[db].list_collection_names()}
                for db in client.list_database_names() if db not in ("admin", "local", "config")}


def test_mongodump_counts_equal_the_servers_with_zero_downtime(tmp_path: Path, server: str) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server=server)
    playbook = _playbook(tmp_path, "alteryx_mongodump", {
        "dump_path": DUMP, "facts": {"mongodb": {"server": server, "user": ""}}, "poll_interval": 0.2})
    run = fleet.playbook(str(playbook))
    assert run.rc == 0, run.output
    result = _result(tmp_path)
    assert result["failed"] is False and result["changed"] is True
    dumped = {d["name"]: {c["name"]: c["documents"] for c in d["collections"]} for d in result["databases"]}
    assert dumped == _server_counts(server)
    assert result["transitions"] == [] and result["downtime_seconds"] == 0 and result["final_state"] == "running"
    dump = fleet.host() / "drives" / "D" / "Staging" / "MongoDB"
    users = bson.decode_all(gzip.decompress((dump / "AlteryxGallery" / "users.bson.gz").read_bytes()))
    assert len(users) == COUNTS["AlteryxGallery"]["users"]  # --gzip is the default
    assert {f["path"] for f in result["files"]} >= {"mongoDump.log", "AlteryxGallery\\users.bson.gz"}
    assert not [e for e in fleet.journal() if e.get("event") in ("service_stop_pending", "service_stopped")]


def test_canary_password_never_leaves_the_config_file(tmp_path: Path, server: str) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server=server)
    playbook = _playbook(tmp_path, "alteryx_mongodump", {
        "dump_path": DUMP, "facts": {"mongodb": {"server": server, "user": "alteryx"}},
        "password": CANARY, "poll_interval": 0.2})
    run = fleet.playbook(str(playbook), verbosity=4)
    # nx-27017 knows no SCRAM, so the login fails: a failed dump is a failed task, never a success.
    result = _result(tmp_path)
    assert result["failed"] is True and result["failure_class"] == "mongodb" and result["exit_code"] == 5
    assert "AuthenticationFailed" in result["msg"]
    assert CANARY not in run.output
    journal = (fleet.host() / "journal.jsonl").read_text()
    assert CANARY not in journal
    [started] = [e for e in fleet.journal() if e.get("event") == "native_process"]
    assert "--username=alteryx" in started["command_line"] and "--config=" in started["command_line"]
    calls = [e for e in fleet.journal() if e["kind"] == "call"
             and e.get("call") == "ansible.windows.win_powershell:alteryx_dump_window"]
    assert calls and all(c["args"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" for c in calls)  # carried no_log
    for path in (fleet.host() / "drives").rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path
    assert not list((fleet.host() / "drives" / "C" / "Windows" / "Temp").glob("alteryx-mongodump-*"))


def test_password_in_the_connection_string_is_refused_before_any_host_call(tmp_path: Path, server: str) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server=server)
    playbook = _playbook(tmp_path, "alteryx_mongodump", {
        "dump_path": DUMP, "connection_string": f"mongodb://alteryx:{CANARY}@{server}/"})
    run = fleet.playbook(str(playbook), verbosity=2)
    result = _result(tmp_path)
    assert result["failure_class"] == "validation" and "holds a password" in result["msg"]
    assert not fleet.calls()
    assert CANARY not in run.output.replace(f"alteryx:{CANARY}@", "")  # only the task's own args may show it


def test_sqlite_backup_copies_while_stopped_and_starts_again(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="sqlite")
    playbook = _playbook(tmp_path, "alteryx_sqlite_backup", {
        "dump_path": DUMP, "source_path": SQLITE_PATH, "poll_interval": 0.2})
    run = fleet.playbook(str(playbook))
    assert run.rc == 0, run.output
    result = _result(tmp_path)
    assert [t["state"] for t in result["transitions"]] == ["stopped", "running"]
    assert result["final_state"] == "running" and result["databases"] == []
    source = fleet.host() / "drives" / "C" / "ProgramData" / "Alteryx" / "Service" / "Persistence"
    copied = fleet.host() / "drives" / "D" / "Staging" / "MongoDB"
    assert {f["path"] for f in result["files"]} == {p.name for p in source.iterdir()}
    for item in source.iterdir():
        assert (copied / item.name).read_bytes() == item.read_bytes()
    events = [e["event"] for e in fleet.journal() if e.get("kind") == "event"
              and e["event"] in ("service_stopped", "service_running")]
    assert events == ["service_stopped", "service_running"]


def test_sqlite_copy_of_a_running_service_fails(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="sqlite")
    playbook = _playbook(tmp_path, "alteryx_sqlite_backup", {
        "dump_path": DUMP, "stop_service": False, "poll_interval": 0.2})
    run = fleet.playbook(str(playbook))
    assert "fatal: [controller]" in run.stdout and "...ignoring" in run.stdout
    result = _result(tmp_path)
    assert result["failed"] is True and result["failure_class"] == "mongodb"
    assert "because it is being used by another process" in result["msg"]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"

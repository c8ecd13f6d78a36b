"""alteryx_mongodump and alteryx_sqlite_backup run by a real ansible-playbook against winsim controllers.

The self-managed controller's mongodump.exe connects for real to an nx-27017 server on loopback that the test
seeds (with SCRAM logins where a password is involved, tests/tools/mongo_server.py); the SQLite controller holds
its databases open while its service runs.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import bson
import pymongo
import pytest
import yaml
from conftest import Fleet
from mongo_server import MongoTestServer

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


@pytest.fixture(scope="module")
def scram() -> Iterator[MongoTestServer]:
    """A server that requires a SCRAM login as ``alteryx`` with the canary password, seeded with COUNTS."""
    with MongoTestServer(users={"alteryx": CANARY}) as srv:
        with srv.client("alteryx", CANARY) as client:
            for database, collections in COUNTS.items():
                for collection, count in collections.items():
                    client[database][collection].insert_many([{"n": n} for n in range(count)])
        yield srv


def _scram_args(srv: MongoTestServer, password: str, **extra) -> dict:
    return {"dump_path": DUMP, "facts": {"mongodb": {"server": f"{srv.host}:{srv.port}", "user": "alteryx"}},
            "password": password, "poll_interval": 0.2, **extra}


def _files_holding(root: Path, secret: str) -> list[Path]:
    """Every file under ``root`` (drives, journal, state) whose bytes hold ``secret``."""
    return [p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def _kill_controller(proc: subprocess.Popen) -> None:
    """SIGKILL ansible-playbook and its workers, as a controller that dies does.

    ansible-core 2.19 workers call setsid() (WorkerProcess._detach), so killing the process group leaves the
    worker running its task to the end - polls and cleanup included. The async job the winsim connection
    started is the worker's child in a session of its own and survives, as a detached Windows job would.
    """
    workers = [int(stat.split()[0]) for stat in (_read(p) for p in Path("/proc").glob("[0-9]*/stat"))
               if stat and int(stat.rsplit(")", 1)[1].split()[1]) == proc.pid]
    os.killpg(proc.pid, signal.SIGKILL)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process ended while listed
        return ""


def test_right_password_dumps_over_scram_and_never_shows_it(tmp_path: Path, scram: MongoTestServer) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server=f"{scram.host}:{scram.port}")
    run = fleet.playbook(str(_playbook(tmp_path, "alteryx_mongodump", _scram_args(scram, CANARY))), verbosity=4)
    assert run.rc == 0, run.output
    result = _result(tmp_path)
    assert result["failed"] is False, result
    with scram.client("alteryx", CANARY) as client:
        expected = {db: {c: client[db][c].count_documents({}) for c in client[db].list_collection_names()}
                    for db in COUNTS}
    assert {d["name"]: {c["name"]: c["documents"] for c in d["collections"]} for d in result["databases"]} == expected
    assert CANARY not in run.output
    [started] = [e for e in fleet.journal() if e.get("event") == "native_process"]
    assert "--username=alteryx" in started["command_line"] and "--config=" in started["command_line"]
    calls = [e for e in fleet.journal() if e["kind"] == "call"
             and e.get("call") == "ansible.windows.win_powershell:alteryx_dump_window"]
    assert calls and all(c["args"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" for c in calls)  # carried no_log
    assert _files_holding(fleet.host(), CANARY) == []
    assert not list((fleet.host() / "drives" / "C" / "Windows" / "Temp").glob("alteryx-mongodump-*"))


def test_password_never_rests_on_disk_when_the_controller_dies(tmp_path: Path, scram: MongoTestServer) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server=f"{scram.host}:{scram.port}")
    fleet.set_state(mongo={**fleet.state()["mongo"], "dump_seconds": 2})
    proc = fleet.start(str(_playbook(tmp_path, "alteryx_mongodump", _scram_args(scram, CANARY))))
    deadline = time.time() + 60
    while time.time() < deadline and not any(e.get("event") == "async_job_started" for e in fleet.journal()):
        time.sleep(0.05)
    _kill_controller(proc)  # no poll and no async_status cleanup will ever come
    proc.communicate()
    [started] = [e for e in fleet.journal() if e.get("event") == "async_job_started"]
    deadline = time.time() + 60
    while time.time() < deadline and not any(e.get("event") == "async_job_finished" for e in fleet.journal()):
        time.sleep(0.1)
    [finished] = [e for e in fleet.journal() if e.get("event") == "async_job_finished"]
    assert finished["failed"] is False
    # The job's results file stays where the wrapper wrote it, in the connecting user's profile on C:.
    assert started["results_file"].startswith("C:\\Users\\ansible\\.ansible_async\\")
    results = fleet.host() / "drives" / "C" / "Users" / "ansible" / ".ansible_async" / started["jid"]
    assert results.is_file(), [e.get("event") or e.get("call") for e in fleet.journal()]
    module_args = json.loads(results.read_text(encoding="utf-8-sig"))["invocation"]["module_args"]
    assert module_args["sensitive_parameters"][0]["value"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "Password" not in module_args["parameters"]
    assert _files_holding(fleet.host(), CANARY) == []  # results file, dump, journal, state: nowhere


def test_wrong_password_fails_before_the_service_is_touched(tmp_path: Path, scram: MongoTestServer) -> None:
    fleet = Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server=f"{scram.host}:{scram.port}")
    wrong = CANARY + "-wrong"
    run = fleet.playbook(str(_playbook(tmp_path, "alteryx_mongodump",
                                       _scram_args(scram, wrong, stop_service=True))), verbosity=4)
    result = _result(tmp_path)
    assert result["failed"] is True and result["failure_class"] == "mongodb" and result["exit_code"] == 5
    assert "refused the login of user 'alteryx'" in result["msg"] and "check alteryx_backup_mongodb_username" in \
        result["msg"] and "The service was not stopped" in result["msg"]
    assert not [c for c in fleet.calls() if c.startswith("ansible.windows.win_powershell")]
    assert not [e for e in fleet.journal() if str(e.get("event", "")).startswith("service_")]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert wrong not in run.output and _files_holding(fleet.host(), wrong) == []


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

"""alteryx_dump_window.ps1's mongodump and copy methods through the win_powershell fake, and mongodump.exe itself.

mongodump.exe connects for real to an nx-27017 server on loopback; the SQLite controller holds its databases
open while the service runs, as Windows would.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import pytest
from winsim_testlib import journal

from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text, sensitive_parameters
from winsim_engine import alteryx, argspec, fakes, mongodump
from winsim_engine.fleet import SQLITE_DATABASES, SQLITE_HIDDEN_FILE, new_fleet
from winsim_engine.host import Host
from winsim_engine.mongo_nx import free_port, nx_server, seed
from winsim_engine.scripts._invoke_native import join_native_argument

SCRIPT = script_text("alteryx_dump_window")
COUNTS = {"AlteryxGallery": {"users": 7, "appInfos": 3}, "AlteryxService": {"AS_Queue": 4}}
CANARY = "Can4ry-'pw\" %s"  # quotes, a space and a percent sign: every quoting rule at once
DUMP = "D:\\Dump\\MongoDB"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with nx_server() as address:
        seed(address, COUNTS)
        yield address


@pytest.fixture
def self_managed(tmp_path: Path, server: str) -> Host:
    inventory = new_fleet(tmp_path / "managed", mongo="self-managed", mongo_server=server)
    return Host(inventory.parent / "hosts" / "controller")


@pytest.fixture
def sqlite_host(tmp_path: Path) -> Host:
    inventory = new_fleet(tmp_path / "sqlite", mongo="sqlite")
    return Host(inventory.parent / "hosts" / "controller")


def window(host: Host, **parameters: Any) -> dict:
    """The host call as run_script makes it: ``Password`` travels in sensitive_parameters."""
    secrets = sensitive_parameters({"Password": parameters.pop("Password", "")})
    module_args = {"script": SCRIPT, "parameters": {"DumpPath": DUMP, "HeartbeatSeconds": 1, **parameters},
                   "depth": RESULT_DEPTH, **({"sensitive_parameters": secrets} if secrets else {})}
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params, fakes.Context(host=host, key="t"))


def mongodump_args(server: str, **extra: Any) -> dict:
    return {"Method": "mongodump", "MongodumpPath": mongodump.DEFAULT_PATH, "Uri": f"mongodb://{server}/",
            "StopService": False, **extra}


def events(host: Host, name: str) -> list[dict]:
    return [e for e in journal(host) if e.get("event") == name]


def test_fleet_builds_each_persistence_from_a_real_settings_shape(self_managed: Host, sqlite_host: Host, server: str):
    assert self_managed.local_path(mongodump.DEFAULT_PATH).is_file()
    override = self_managed.local_path("C:\\ProgramData\\Alteryx\\RuntimeSettings.xml").read_bytes().decode("utf-8-sig")
    assert f"<MongoDBServerName>{server}</MongoDBServerName>" in override
    defaults = self_managed.local_path("C:\\Program Files\\Alteryx\\bin\\RuntimeData\\RuntimeSettings.xml").read_text()
    assert "<EmbeddedMongoDBEnabled>False</EmbeddedMongoDBEnabled>" in defaults  # as a real installer ships it
    settings = sqlite_host.local_path("C:\\ProgramData\\Alteryx\\RuntimeSettings.xml").read_bytes().decode("utf-8-sig")
    for element in ("<SetupType>SchedulerOnly</SetupType>", "<EmbeddedMongoDBEnabled>False</EmbeddedMongoDBEnabled>",
                    "<MongoDBEnabled>False</MongoDBEnabled>",
                    "<SQLitePath>C:\\ProgramData\\Alteryx\\Service\\Persistence</SQLitePath>"):
        assert element in settings
    database = sqlite_host.local_path("C:\\ProgramData\\Alteryx\\Service\\Persistence\\AlteryxService.db")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM AS_Results").fetchone()[0] == SQLITE_DATABASES["AlteryxService.db"][
            "AS_Results"]
    db.close()
    assert sqlite_host.state()["mongo"]["type"] == "none" and sqlite_host.state()["persistence"]["type"] == "sqlite"


def test_embedded_controller_turns_the_embedded_mongodb_on_in_its_override(tmp_path: Path):
    inventory = new_fleet(tmp_path / "fleet", workers=1)
    hosts = inventory.parent / "hosts"
    override = (hosts / "controller" / "drives/C/ProgramData/Alteryx/RuntimeSettings.xml").read_bytes().decode("utf-8-sig")
    worker = (hosts / "worker1" / "drives/C/ProgramData/Alteryx/RuntimeSettings.xml").read_bytes().decode("utf-8-sig")
    assert "<EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled>" in override
    assert "EmbeddedMongoDBEnabled" not in worker  # the defaults (False) apply to a worker


def test_mongodump_writes_the_genuine_layout_and_its_log(self_managed: Host, server: str):
    reply = window(self_managed, **mongodump_args(server))
    assert reply["failed"] is False, reply
    result = reply["result"]
    assert result["exe_exit_code"] == 0 and result["method"] == "mongodump"
    assert result["transitions"] == [] and result["final_state"] == "Running"  # zero downtime by default
    dump = self_managed.local_path(DUMP)
    docs = bson.decode_all((dump / "AlteryxGallery" / "users.bson").read_bytes())
    assert [d["n"] for d in docs] == list(range(7))
    assert json.loads((dump / "AlteryxGallery" / "users.metadata.json").read_text())["collectionName"] == "users"
    log = (dump / "mongoDump.log").read_text()
    assert result["dump_log"] == log
    assert "\twriting AlteryxGallery.users to D:\\Dump\\MongoDB\\AlteryxGallery\\users.bson" in log
    assert "\tdone dumping AlteryxService.AS_Queue (4 documents)" in log
    assert "admin" not in {f["path"].split("\\")[0] for f in result["files"]}  # nx has an empty admin
    assert {f["path"] for f in result["files"]} >= {"AlteryxGallery\\users.bson", "mongoDump.log"}


def test_gzip_and_one_run_per_database(self_managed: Host, server: str):
    reply = window(self_managed, **mongodump_args(server, Gzip=True, Databases=["AlteryxService"]))
    assert reply["failed"] is False, reply
    files = {f["path"] for f in reply["result"]["files"]}
    assert files == {"AlteryxService\\AS_Queue.bson.gz", "AlteryxService\\AS_Queue.metadata.json.gz", "mongoDump.log"}
    data = gzip.decompress(self_managed.local_path(DUMP + "\\AlteryxService\\AS_Queue.bson.gz").read_bytes())
    assert len(bson.decode_all(data)) == 4
    [run] = events(self_managed, "native_process")
    assert "--db=AlteryxService" in run["command_line"] and "--gzip" in run["command_line"]


def test_password_travels_only_in_a_private_config_file_that_is_deleted(self_managed: Host, server: str):
    # nx-27017 knows no SCRAM, so the login fails: the point here is where the password went.
    reply = window(self_managed, **mongodump_args(server, Username="alteryx", Password=CANARY))
    assert reply["failed"] is False  # the script never judges; the exit code and log tell the controller
    result = reply["result"]
    assert result["exe_exit_code"] == 1
    assert "Failed: can't create session" in result["dump_log"] and "(AuthenticationFailed)" in result["dump_log"]
    [run] = events(self_managed, "native_process")
    line = run["command_line"]
    assert CANARY not in line and "--password" not in line
    assert line.startswith(f'"{mongodump.DEFAULT_PATH}" --config=C:\\Windows\\Temp\\alteryx-mongodump-')
    assert "--username=alteryx" in line and "--authenticationDatabase=admin" in line
    [folder] = events(self_managed, "private_folder")
    assert folder["inheritance_protected"] is True
    assert [a["sid"] for a in folder["allow"]] == ["current user", "S-1-5-32-544"]
    assert [e["path"] for e in events(self_managed, "private_folder_removed")] == [folder["path"]]
    assert not self_managed.local_path(folder["path"]).exists()
    for path in self_managed.root.rglob("*"):  # the drives, state.json and the journal
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_config_file_quotes_the_password_for_yaml(self_managed: Host, server: str, monkeypatch: pytest.MonkeyPatch):
    seen: dict[str, str] = {}
    original = mongodump._read_config

    def spy(host: Host, path: str) -> dict[str, str]:
        seen.update(original(host, path))
        return seen

    monkeypatch.setattr(mongodump, "_read_config", spy)
    window(self_managed, **mongodump_args(server, Username="alteryx", Password=CANARY))
    assert seen == {"password": CANARY}


def test_oplog_on_a_standalone_server_fails_like_mongodump(self_managed: Host, server: str):
    result = window(self_managed, **mongodump_args(server, Oplog=True))["result"]
    assert result["exe_exit_code"] == 1
    assert "\tFailed: error getting oplog start: error getting recent oplog entry" in result["dump_log"]


def test_unreachable_server_fails_with_exit_code_one(self_managed: Host):
    result = window(self_managed, **mongodump_args(f"127.0.0.1:{free_port()}"))["result"]
    assert result["exe_exit_code"] == 1
    assert "Failed: can't create session: could not connect to server" in result["dump_log"]


def test_missing_mongodump_fails_the_window_with_mongodb_and_a_hint(self_managed: Host, server: str):
    reply = window(self_managed, **mongodump_args(server, MongodumpPath="C:\\Tools\\mongodump.exe"))
    assert reply["failed"] is True
    assert reply["result"]["failure_class"] == "mongodb"
    assert "C:\\Tools\\mongodump.exe not found: install MongoDB Database Tools 100.x" in reply["result"]["message"]


def test_stop_service_for_external_db_stops_and_starts(self_managed: Host, server: str):
    result = window(self_managed, **mongodump_args(server, StopService=True))["result"]
    assert [t["state"] for t in result["transitions"]] == ["Stopped", "Running"]
    assert result["final_state"] == "Running" and result["exe_exit_code"] == 0


@pytest.mark.parametrize(("argv", "message"), [
    (["--bogus"], 'unknown option "bogus"'),
    (["--out"], "expected argument for flag `--out'"),
    (["--db=AlteryxGallery", "--oplog"], "--oplog mode only supported on full dumps"),
    (["--config=C:\\nope.yml"], "error opening file with --config"),
])
def test_mongodump_refuses_bad_command_lines(self_managed: Host, argv: list[str], message: str):
    run = mongodump.run(self_managed, f'"{mongodump.DEFAULT_PATH}" {join_native_argument(argv)}')
    assert run.rc == 1 and run.stdout == ""
    assert "\tFailed: " in run.stderr and message in run.stderr


def test_mongodump_config_accepts_only_its_three_keys(self_managed: Host, server: str):
    config = self_managed.local_path("C:\\Windows\\Temp\\bad.yml")
    config.write_text("password: x\nusername: y\n")
    run = mongodump.run(self_managed, f'"{mongodump.DEFAULT_PATH}" --config=C:\\Windows\\Temp\\bad.yml '
                                      f'--uri=mongodb://{server}/ --out=D:\\x')
    assert run.rc == 1 and "field username not found" in run.stderr


def test_mongodump_accepts_password_on_the_command_line_and_journals_it(self_managed: Host, server: str):
    # Real mongodump takes --password; the journal then shows it, as Windows' process list would.
    run = mongodump.run(self_managed, f'"{mongodump.DEFAULT_PATH}" --uri=mongodb://{server}/ --username=u '
                                      f'--password=visible-secret --out=D:\\x')
    assert run.rc == 1  # nx-27017 refuses the login
    assert "visible-secret" in events(self_managed, "native_process")[-1]["command_line"]


@pytest.mark.parametrize("argument", ["plain", "with space", 'quo"te', "trail\\", "trail space\\", "", 'a\\"b'])
def test_command_line_joining_round_trips(argument: str):
    from winsim_engine.fakes.commands import split_command_line

    assert split_command_line(join_native_argument(["x", argument, "y"])) == ["x", argument, "y"]


def test_unknown_program_is_not_simulated(self_managed: Host):
    with pytest.raises(Exception, match="winsim has no model of the program"):
        alteryx.run_native(self_managed, "C:\\Windows\\notepad.exe", "")


# --------------------------------------------------------------------------------------------- SQLite copy

def test_copy_while_stopped_copies_every_file_byte_for_byte(sqlite_host: Host):
    reply = window(sqlite_host, Method="copy", SourcePath="C:\\ProgramData\\Alteryx\\Service\\Persistence")
    assert reply["failed"] is False, reply
    result = reply["result"]
    assert [t["state"] for t in result["transitions"]] == ["Stopped", "Running"]
    source = sqlite_host.local_path("C:\\ProgramData\\Alteryx\\Service\\Persistence")
    copied = {f["path"] for f in result["files"]}
    assert copied == {"AlteryxService.db", SQLITE_HIDDEN_FILE}  # the hidden file too (-Force)
    for name in copied:
        assert sqlite_host.local_path(f"{DUMP}\\{name}").read_bytes() == (source / name).read_bytes()


def test_copy_while_running_is_refused_as_windows_does(sqlite_host: Host):
    reply = window(sqlite_host, Method="copy", SourcePath="C:\\ProgramData\\Alteryx\\Service\\Persistence",
                   StopService=False)
    assert reply["failed"] is True
    assert reply["result"]["failure_class"] == "mongodb"
    assert reply["result"]["message"] == (
        "copy failed: The process cannot access the file "
        "'C:\\ProgramData\\Alteryx\\Service\\Persistence\\AlteryxService.db' because it is being used by another "
        "process.")
    assert reply["result"]["final_state"] == "Running"


def test_copy_of_a_missing_folder_fails_with_mongodb(sqlite_host: Host):
    reply = window(sqlite_host, Method="copy", SourcePath="C:\\Nowhere")
    assert reply["failed"] is True and reply["result"]["failure_class"] == "mongodb"
    assert "Cannot find path 'C:\\Nowhere' because it does not exist." in reply["result"]["message"]
    assert reply["result"]["final_state"] == "Running"  # started again in finally

"""The backup role on every persistence type: a self-managed MongoDB (a real SCRAM-authenticated wire-protocol server
on loopback, checked from the controller before anything stops, dumped with no downtime) and a Scheduler-only
controller on SQLite (copied while the service is stopped)."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Fleet
from mongo_server import MongoTestServer, canary_password, seed

FULL = "playbooks/backup_full.yml"
DB = "playbooks/backup_database.yml"
CLUSTER = ["ui1", "worker1", "controller"]


@pytest.fixture
def password() -> str:
    return canary_password()


@pytest.fixture
def mongo(password: str) -> Iterator[tuple[MongoTestServer, dict]]:
    server = MongoTestServer(users={"alteryx": password}).start()
    try:
        counts = seed(server.uri_without_password, username="alteryx", password=password)
        yield server, counts
    finally:
        server.stop()


@pytest.fixture
def self_managed(tmp_path: Path, mongo) -> Fleet:
    server, _counts = mongo
    return Fleet(tmp_path / "fleet", workers=1, ui=1, mongo="self-managed", mongo_server=f"127.0.0.1:{server.port}")


def give_password(fleet: Fleet, password: str) -> None:
    """As an administrator would (a vaulted group_vars file next to the inventory), not on the command line, which
    ansible-playbook itself echoes at -vvvv."""
    (fleet.root / "group_vars").mkdir(exist_ok=True)
    (fleet.root / "group_vars" / "all.yml").write_text(json.dumps({"alteryx_backup_mongodb_password": password}))


def stops(fleet: Fleet, name: str) -> list[dict]:
    return [e for e in fleet.journal(name) if e.get("event") == "service_stop_pending"]


def manifest(archive: Path) -> dict:
    return json.loads(zipfile.ZipFile(archive).read("BackupManifest.json"))


def everything_on_the_hosts(fleet: Fleet) -> Iterator[bytes]:
    for path in (fleet.root / "hosts").rglob("*"):
        if path.is_file():
            yield path.read_bytes()


def test_self_managed_full_backup_has_no_downtime_and_the_server_counts(self_managed, mongo, password):
    _server, counts = mongo
    give_password(self_managed, password)
    run = self_managed.playbook(FULL, verbosity=4)
    assert run.rc == 0, run.output[-3000:]
    for name in CLUSTER:
        assert stops(self_managed, name) == [], f"{name} was stopped for a self-managed dump"
    [archive] = self_managed.archives()
    info = manifest(archive)
    assert info["MongoDBInformation"]["DeploymentType"] == "self-managed"
    assert info["MongoDBInformation"]["BackupMethod"].startswith("mongodump")
    dumped = {d["Name"]: {c["Name"]: c["Documents"] for c in d["Collections"]}
              for d in info["Extensions"]["MongoDB"]["Databases"]}
    assert dumped == counts, "the manifest counts are the server's"
    # The canary password is nowhere: not in -vvvv output, not in any file of any simulated host (journal included).
    assert password not in run.output
    assert not any(password.encode() in data for data in everything_on_the_hosts(self_managed))


def test_wrong_password_fails_before_anything_stops(self_managed):
    run = self_managed.playbook(FULL, extra={"alteryx_backup_mongodb_password": "not-the-password"})
    assert run.rc != 0 and "failure_class=mongodb" in run.output
    text = " ".join(run.output.split())
    assert "alteryx_backup_mongodb_password" in text, "the message says which variable to fix"
    assert "not-the-password" not in run.output
    for name in CLUSTER:
        assert stops(self_managed, name) == [], name
    assert self_managed.everything_published() == []
    assert not [e for e in self_managed.journal() if "mongodump" in json.dumps(e).lower()
                and e.get("kind") == "event"]


def test_unreachable_server_fails_before_anything_stops(self_managed, mongo, password):
    server, _counts = mongo
    server.stop()
    run = self_managed.playbook(DB, extra={"alteryx_backup_mongodb_password": password,
                                           "alteryx_backup_stop_service_for_external_db": True})
    assert run.rc != 0 and "failure_class=mongodb" in run.output
    for name in CLUSTER:
        assert stops(self_managed, name) == [], name


def test_stop_service_for_external_db_stops_the_cluster_in_order(self_managed, password):
    run = self_managed.playbook(DB, extra={"alteryx_backup_mongodb_password": password,
                                           "alteryx_backup_stop_service_for_external_db": True})
    assert run.rc == 0, run.output[-3000:]
    times = {name: stops(self_managed, name)[0]["t"] for name in CLUSTER}
    assert times["ui1"] < times["worker1"] < times["controller"]
    for name in CLUSTER:
        assert self_managed.state(name)["services"]["AlteryxService"]["state"] == "running"


@pytest.mark.parametrize("playbook", [FULL, DB])
def test_sqlite_controller_copies_its_databases_while_stopped(tmp_path, playbook):
    fleet = Fleet(tmp_path / "fleet", mongo="sqlite")
    run = fleet.playbook(playbook)
    assert run.rc == 0, run.output[-3000:]
    assert len(stops(fleet, "controller")) == 1
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    [archive] = fleet.archives()
    info = manifest(archive)
    assert info["MongoDBInformation"]["DeploymentType"] == "sqlite"
    source = fleet.host() / "drives" / "C" / "ProgramData" / "Alteryx" / "Service" / "Persistence"
    with zipfile.ZipFile(archive) as zf:
        for database in source.glob("*.db"):
            [entry] = [n for n in zf.namelist() if n.endswith("/" + database.name)]
            copy = tmp_path / database.name
            copy.write_bytes(zf.read(entry))
            assert copy.read_bytes() == database.read_bytes()
            with sqlite3.connect(copy) as db:
                assert db.execute("select count(*) from sqlite_master").fetchone()[0] > 0


def test_a_full_archive_without_its_database_is_a_failure(tmp_path):
    """A self-managed controller whose dump step is skipped must not publish a Full archive without a database."""
    fleet = Fleet(tmp_path / "fleet", mongo="self-managed", mongo_server="127.0.0.1:9")
    run = fleet.playbook(FULL, extra={"alteryx_backup_mongodb_type": "embedded"})
    # Overriding the detection to embedded makes emongodump run against a node with no embedded MongoDB: it fails
    # as a MongoDB failure and nothing is published, never a "successful" Full archive without a database.
    assert run.rc != 0 and "failure_class=mongodb" in run.output
    assert fleet.everything_published() == []

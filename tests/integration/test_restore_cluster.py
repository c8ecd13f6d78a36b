"""restore.yml on a simulated cluster: the safety backup and the restore each stop Server UI -> workers -> controller
and start controller -> workers -> Server UI (read from the hosts' journals); every node's files come back byte for
byte, the controller's database too; a worker failing mid-restore still leaves every node running."""

from __future__ import annotations

import bson
import pytest
from conftest import SECRETS_KEY, Fleet

from winsim_engine import emongo_data
from winsim_engine.host import Host

P = "ansible.windows.win_powershell:"
KEY = {"alteryx_restore_secrets_key": str(SECRETS_KEY)}
CLUSTER = ["ui1", "worker1", "worker2", "controller"]
WORKERS = ["worker1", "worker2"]
ALTERYX = ("drives", "C", "ProgramData", "Alteryx")
# Files every node's backup holds (the controller's also its database), changed after the backup.
FILES = ("RuntimeSettings.xml", "Engine/SystemAlias.xml", "Engine/SystemConnections.xml", "Keys/alteryx.key")


@pytest.fixture
def cluster(tmp_path) -> Fleet:
    return Fleet(tmp_path / "fleet", workers=2, ui=1)


def _file(fleet: Fleet, name: str, relative: str):
    return fleet.host(name).joinpath(*ALTERYX, *relative.split("/"))


def _snapshot(fleet: Fleet) -> dict[tuple[str, str], bytes]:
    return {(name, rel): _file(fleet, name, rel).read_bytes() for name in CLUSTER for rel in FILES}


def _back_up_then_change(fleet: Fleet):
    """A Full backup of the cluster, then every node's files and the controller's data changed."""
    run = fleet.playbook("playbooks/backup_full.yml")
    assert run.rc == 0, run.output
    files = _snapshot(fleet)
    data = _documents(fleet)
    for name in CLUSTER:
        settings = _file(fleet, name, "RuntimeSettings.xml")
        settings.write_bytes(settings.read_bytes().replace(b"<Engine>", b"<Engine><NumThreads>16</NumThreads>"))
        _file(fleet, name, "Engine/SystemAlias.xml").write_text("<AliasConfig />\n")
        _file(fleet, name, "Keys/alteryx.key").write_bytes(b"a key made after the backup")
        _file(fleet, name, "Engine/SystemConnections.xml").unlink()
    emongo_data.drop_collection(Host(fleet.host()), *_a_collection(data))
    for name in CLUSTER:
        fleet.reset_journal(name)
    return files, data


def _documents(fleet: Fleet) -> dict[str, dict[str, list[bytes]]]:
    """What the controller's embedded MongoDB holds, each document as its BSON bytes (as a dump writes it)."""
    content = emongo_data.live_content(Host(fleet.host()))
    return {db: {c: [bson.encode(d) for d in docs] for c, docs in colls.items()} for db, colls in content.items()}


def _a_collection(data) -> tuple[str, str]:
    database = sorted(data)[0]
    return database, sorted(data[database])[0]


def _events(fleet: Fleet, name: str, event: str, after: float = 0.0, before: float = float("inf")) -> list[float]:
    return [e["t"] for e in fleet.journal(name) if e.get("event") == event and after < e["t"] < before]


def _call_times(fleet: Fleet, name: str, call: str) -> list[float]:
    return [e["t"] for e in fleet.journal(name) if e.get("kind") == "call" and e["call"] == P + call]


def _assert_order(fleet: Fleet, after: float, before: float) -> None:
    """Between ``after`` and ``before``: stops Server UI -> workers -> controller, starts controller -> workers ->
    Server UI (a start counts from its start_pending, a node is up at its last service_running)."""
    def down(name: str) -> float:
        return _events(fleet, name, "service_stop_pending", after, before)[0]

    def starting(name: str) -> float:
        return _events(fleet, name, "service_start_pending", after, before)[-1]

    def up(name: str) -> float:
        return _events(fleet, name, "service_running", after, before)[-1]

    assert all(down("ui1") < down(w) for w in WORKERS), "the Server UI node stops before the workers"
    assert all(down(w) < down("controller") for w in WORKERS), "the workers stop before the controller"
    assert all(up("controller") <= starting(w) for w in WORKERS), "the controller runs before the workers start"
    assert all(up(w) <= starting("ui1") for w in WORKERS), "the workers run before the Server UI node starts"


def _assert_all_running(fleet: Fleet) -> None:
    for name in CLUSTER:
        assert fleet.state(name)["services"]["AlteryxService"]["state"] == "running", name


def test_a_cluster_is_restored_in_order_byte_for_byte(cluster):
    files, data = _back_up_then_change(cluster)
    originals = {name: cluster.archives(name) for name in CLUSTER}
    run = cluster.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "Full"})
    assert run.rc == 0, run.output[-6000:]
    # The safety backups are one backup run in the cluster's order, ended (finalize) before the restore stops anything.
    safety_end = max(_call_times(cluster, name, "alteryx_finalize")[-1] for name in CLUSTER)
    _assert_order(cluster, 0.0, safety_end)
    dump = _events(cluster, "controller", "emongodump")
    assert len(dump) == 1 and dump[0] < safety_end
    # The restore: its own stops, after every safety backup, in order.
    _assert_order(cluster, safety_end, float("inf"))
    restore = _events(cluster, "controller", "emongorestore")
    assert len(restore) == 1 and restore[0] > max(_events(cluster, w, "service_stop_pending", safety_end)[0]
                                                  for w in [*WORKERS, "ui1"])
    # Each node restored its own newest archive (the safety backups are in PreRestore, not chosen) ...
    for name in CLUSTER:
        assert cluster.archives(name) == originals[name], name
        [safety] = list((cluster.backups_dir(name) / "PreRestore").glob("ServerBackup_Full_*.zip"))
        assert (cluster.backups_dir(name) / "PreRestore" / (safety.name + ".sha256")).is_file()
    # ... and every file is back byte for byte, the controller's data as it was backed up, every service running.
    assert _snapshot(cluster) == files
    assert _documents(cluster) == data
    _assert_all_running(cluster)
    for name in CLUSTER:
        assert not cluster.state(name).get("scheduled_tasks"), f"{name} kept a safety net"
    # The token is set on the controller only, while it is stopped (winsim refuses it on a running service).
    assert P + "alteryx_restore_secret" in cluster.calls("controller")
    assert all(P + "alteryx_restore_secret" not in cluster.calls(n) for n in ["ui1", *WORKERS])


def test_a_worker_failing_mid_restore_leaves_every_node_running(cluster):
    files, _data = _back_up_then_change(cluster)
    # The worker's disk fills while its files are written back: the controller and the others are down by then.
    cluster.faults([{"call": P + "alteryx_restore_config", "occurrence": 1, "kind": "disk_full"}], name="worker1")
    run = cluster.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "Full"})
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert "Restore of worker1 failed in 'Put the configuration files of the archive back' " \
           "[failure_class=storage, exit_code=4]" in text, text[-4000:]
    # Every node this run stopped is started again, in order, and none keeps a safety net.
    safety_end = max(_call_times(cluster, name, "alteryx_finalize")[-1] for name in CLUSTER)
    _assert_order(cluster, safety_end, float("inf"))
    _assert_all_running(cluster)
    # The others were restored; the worker kept what it had (its safety copies name the way back).
    for name in ("ui1", "worker2", "controller"):
        assert all(_file(cluster, name, rel).read_bytes() == files[(name, rel)] for rel in FILES), name
    assert _file(cluster, "worker1", "Engine/SystemAlias.xml").read_text() == "<AliasConfig />\n"
    assert "PreRestore" in text and "Running the same command again is safe" in text

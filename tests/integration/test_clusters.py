"""Multi-node clusters on winsim: the cross-host order of stops, dump and starts (read from the hosts' journals),
every node running again after a fault at any node and step, many clusters side by side, --limit and misfits."""

from __future__ import annotations

import os
import signal
import time
import zipfile

import pytest
from conftest import Fleet

from winsim_engine import scheduler
from winsim_engine.host import Host

FULL = "playbooks/backup_full.yml"
DB = "playbooks/backup_database.yml"
P = "ansible.windows.win_powershell:"
CLUSTER = ["ui1", "worker1", "worker2", "controller"]


@pytest.fixture
def cluster(tmp_path) -> Fleet:
    return Fleet(tmp_path / "fleet", workers=2, ui=1)


def events(fleet: Fleet, name: str, event: str) -> list[float]:
    return [e["t"] for e in fleet.journal(name) if e.get("event") == event]


def downtime(fleet: Fleet, name: str) -> tuple[float, float]:
    """When the node's service began to stop and when it was running again (the last start)."""
    return events(fleet, name, "service_stop_pending")[0], events(fleet, name, "service_running")[-1]


def assert_all_running(fleet: Fleet, names: list[str]) -> None:
    """Every node runs again, and no safety net is left behind (each start removed its node's net)."""
    for name in names:
        state = fleet.state(name)
        states = {k: v["state"] for k, v in state["services"].items()}
        assert states == {"AlteryxService": "running"}, f"{name}: {states}"
        assert not state.get("scheduled_tasks"), f"{name} kept a safety net: {state['scheduled_tasks']}"


def assert_cluster_order(fleet: Fleet, ui: str, workers: list[str], controller: str) -> None:
    ui_down, ui_up = downtime(fleet, ui)
    worker_times = [downtime(fleet, w) for w in workers]
    ctrl_down, ctrl_up = downtime(fleet, controller)
    dump = events(fleet, controller, "emongodump")[0]
    assert all(ui_down < down for down, _ in worker_times), "Server UI stops before the workers"
    assert all(down < ctrl_down for down, _ in worker_times), "workers stop before the controller"
    assert ctrl_down < dump < ctrl_up, "the dump runs while the controller is down"
    worker_starts = [events(fleet, w, "service_start_pending")[-1] for w in workers]
    assert all(ctrl_up <= start for start in worker_starts), "the controller runs before the workers start"
    assert all(up <= events(fleet, ui, "service_start_pending")[-1] for _, up in worker_times), \
        "the workers run before the Server UI starts"
    assert ui_up >= ctrl_up


def test_full_backup_of_a_cluster_stops_and_starts_in_order(cluster):
    run = cluster.playbook(FULL, extra={"alteryx_backup_network_paths": ["\\\\fileserver\\backups"]})
    assert run.rc == 0, run.output
    for name in ("ui1", "worker1", "worker2"):
        registered = [e for e in cluster.journal(name) if e.get("event") == "scheduled_task_registered"]
        assert registered and registered[0]["t"] < events(cluster, name, "service_stop_pending")[0], \
            f"{name}: the safety net is registered before the stop"
    assert not [e for e in cluster.journal("controller") if e.get("event") == "scheduled_task_registered"]
    assert_cluster_order(cluster, "ui1", ["worker1", "worker2"], "controller")
    assert_all_running(cluster, CLUSTER)
    for name in CLUSTER:
        [archive] = cluster.archives(name)
        names = zipfile.ZipFile(archive).namelist()
        assert "Config/RuntimeSettings.xml" in names and "BackupManifest.json" in names
        assert any(n.startswith("MongoDB/") for n in names) is (name == "controller"), name
        assert (cluster.share_dir(name) / archive.name).is_file(), "copies go to <share>\\<cluster>\\<host>"
    assert "not in this run" not in run.output


def test_database_only_stops_the_cluster_and_archives_the_controller(cluster):
    run = cluster.playbook(DB)
    assert run.rc == 0, run.output
    assert_cluster_order(cluster, "ui1", ["worker1", "worker2"], "controller")
    assert [a.name.startswith("ServerBackup_DB_") for a in cluster.archives()] == [True]
    assert all(cluster.archives(n) == [] for n in ("ui1", "worker1", "worker2"))
    assert_all_running(cluster, CLUSTER)


def test_config_only_touches_no_service(cluster):
    run = cluster.playbook("playbooks/backup_config.yml")
    assert run.rc == 0, run.output
    for name in CLUSTER:
        assert not events(cluster, name, "service_stop_pending"), name
        assert len(cluster.archives(name)) == 1


# A fault at each node and step: (host, call, occurrence of that call on the host, kind).
FAULTS = {
    "ui stop fails": ("ui1", P + "alteryx_service_state", 1, "fail"),
    "worker stop fails": ("worker2", P + "alteryx_service_state", 1, "fail"),
    "dump window fails": ("controller", P + "alteryx_dump_window", 1, "fail"),
    "worker start fails once": ("worker1", P + "alteryx_service_state", 2, "fail"),
    "ui start fails once": ("ui1", P + "alteryx_service_state", 2, "fail"),
    "worker archive fails": ("worker1", P + "alteryx_archive", 1, "fail"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_anywhere_ends_with_every_node_running(cluster, fault):
    host, call, occurrence, kind = FAULTS[fault]
    cluster.faults([{"call": call, "occurrence": occurrence, "kind": kind}], name=host)
    run = cluster.playbook(FULL)
    assert run.rc != 0
    assert_all_running(cluster, CLUSTER)
    assert f"{host}" in run.output and "failed" in run.output
    if fault in ("ui stop fails", "worker stop fails"):
        # The controller was never stopped and made no archive; its message names the node that failed.
        assert not events(cluster, "controller", "service_stop_pending")
        assert cluster.archives("controller") == []
        assert f"called off for cluster cluster1: {host} failed in" in run.output
    if fault == "dump window fails":
        # The window failed before it stopped the controller: the others were stopped for it and started again.
        assert cluster.archives("controller") == []
        for name in ("ui1", "worker1", "worker2"):
            assert events(cluster, name, "service_stop_pending") and events(cluster, name, "service_running"), name
    for name in CLUSTER:
        assert cluster.staging_dirs(name) == [], f"{name} left a staging folder"


def test_three_clusters_run_side_by_side_each_in_its_own_order(tmp_path):
    fleet = Fleet(tmp_path / "fleet", workers=1, ui=1, clusters=3)
    run = fleet.playbook(FULL, extra={"alteryx_backup_network_paths": ["\\\\fileserver\\backups"]})
    assert run.rc == 0, run.output
    windows = []
    for c in (1, 2, 3):
        assert_cluster_order(fleet, f"c{c}-ui1", [f"c{c}-worker1"], f"c{c}-controller")
        windows.append(downtime(fleet, f"c{c}-controller"))
        assert (fleet.share() / f"cluster{c}" / f"c{c}-controller").is_dir()
    latest_stop = max(down for down, _ in windows)
    earliest_start = min(up for _, up in windows)
    assert latest_stop < earliest_start, "the controllers' dump windows overlap: the clusters ran concurrently"


@pytest.mark.parametrize("policy", ["warn", "fail"])
def test_limit_to_the_controller(cluster, policy):
    run = cluster.playbook(FULL, limit="controller", extra={"alteryx_backup_partial_cluster": policy})
    assert "ui1, worker1, worker2 are in the inventory but not in this run (--limit)" in run.output
    for name in ("ui1", "worker1", "worker2"):
        assert cluster.journal(name) == [], f"{name} was not touched"
    if policy == "warn":
        assert run.rc == 0, run.output
        assert len(cluster.archives()) == 1
    else:
        assert run.rc != 0 and "failure_class=validation" in run.output
        assert not events(cluster, "controller", "service_stop_pending")
        assert cluster.everything_published() == []


def test_a_worker_of_another_controller_fails_the_cluster_before_any_stop(cluster):
    settings = cluster.host("worker2") / "drives" / "C" / "ProgramData" / "Alteryx" / "RuntimeSettings.xml"
    data = settings.read_bytes()
    assert b"http://controller:80/" in data
    settings.write_bytes(data.replace(b"http://controller:80/", b"http://prod-controller:80/"))
    run = cluster.playbook(FULL)
    assert run.rc != 0 and "failure_class=validation" in run.output
    assert "worker2 connects to controller 'prod-controller'" in run.output
    for name in CLUSTER:
        assert not events(cluster, name, "service_stop_pending"), name
    assert cluster.everything_published() == []


def test_an_unreachable_node_holds_its_cluster_back(cluster):
    cluster.faults([{"call": P + "alteryx_facts", "occurrence": 1, "kind": "refused"}], name="worker1")
    run = cluster.playbook(FULL)
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert ("cluster cluster1 is not backed up because worker1 failed in 'Read the Alteryx installation': lost the "
            "connection to the host") in text
    assert "Nothing of this cluster was stopped" in text
    for name in CLUSTER:
        assert not events(cluster, name, "service_stop_pending"), name
    assert_all_running(cluster, CLUSTER)


def test_killing_the_controller_mid_cluster_leaves_no_node_down(cluster):
    """ansible-playbook dies while the workers and the Server UI node are down and the controller dumps: the dump job
    starts the controller by itself, and each stopped node's safety net starts it after the bounded time."""
    state = cluster.state()
    state["mongo"]["dump_seconds"] = 4
    cluster.set_state(**state)
    net = 8
    proc = cluster.start(FULL, extra={"alteryx_backup_safety_net_seconds": net})
    try:
        deadline = time.time() + 120
        while not events(cluster, "controller", "service_stopped"):  # the window stopped it; the dump takes 4 s
            assert time.time() < deadline and proc.poll() is None, "the dump window never started"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    killed_at = time.time()
    down = ("ui1", "worker1", "worker2")
    for name in down:
        assert cluster.state(name)["services"]["AlteryxService"]["state"] == "stopped", f"{name} was down at the kill"
    time.sleep(max(0.0, max(e["at"] for name in down for e in cluster.journal(name)
                            if e.get("event") == "scheduled_task_registered") - time.time()) + 0.5)
    for name in (*down, "controller"):
        deadline = time.time() + 20
        while True:
            scheduler.tick(Host(cluster.host(name)))
            if cluster.state(name)["services"]["AlteryxService"]["state"] == "running":
                break
            assert time.time() < deadline, f"{name} stayed down"
            time.sleep(0.5)
    for name in down:
        [fired] = [e for e in cluster.journal(name) if e.get("event") == "scheduled_task_fired"]
        assert fired["t"] <= killed_at + net + 1, f"{name}: the net fired within its bounded time"

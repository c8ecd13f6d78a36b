"""restore.yml for disaster recovery onto a freshly built host with another name, and run again after a failure."""

from __future__ import annotations

import shutil

import bson
import yaml
from conftest import SECRETS_KEY, Fleet

from winsim_engine import emongo_data
from winsim_engine.fleet import DEFAULT_VERSION, build_host
from winsim_engine.host import Host

P = "ansible.windows.win_powershell:"
KEY = {"alteryx_restore_secrets_key": str(SECRETS_KEY)}
ALTERYX = ("drives", "C", "ProgramData", "Alteryx")
FILES = ("RuntimeSettings.xml", "Engine/SystemAlias.xml", "Engine/SystemConnections.xml", "Keys/alteryx.key",
         "Keys/recovery.key")
OLD_ADDRESS = b"http://controller.corp.example/gallery/"
NEW_ADDRESS = b"http://alteryx-dr.corp.example/gallery/"


def _file(fleet: Fleet, relative: str, name: str = "controller"):
    return fleet.host(name).joinpath(*ALTERYX, *relative.split("/"))


def _files(fleet: Fleet, name: str = "controller") -> dict[str, bytes]:
    return {rel: _file(fleet, rel, name).read_bytes() for rel in FILES}


def _documents(fleet: Fleet, name: str = "controller") -> dict[str, dict[str, list[bytes]]]:
    """What the node's embedded MongoDB holds, each document as its BSON bytes."""
    content = emongo_data.live_content(Host(fleet.host(name)))
    return {db: {c: [bson.encode(d) for d in docs] for c, docs in colls.items()} for db, colls in content.items()}


def _full_backup(fleet: Fleet):
    run = fleet.playbook("playbooks/backup_full.yml")
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return archive


def _name_the_old_host(fleet: Fleet) -> None:
    """The Gallery's public address and an SMTP relay on the old host (winsim's settings name no host)."""
    settings = _file(fleet, "RuntimeSettings.xml")
    gallery = (b"  <Gallery>\r\n    <BaseAddress>" + OLD_ADDRESS + b"</BaseAddress>\r\n"
               b"    <SmtpServer>controller.corp.example</SmtpServer>\r\n  </Gallery>\r\n")
    settings.write_bytes(settings.read_bytes().replace(b"</SystemSettings>", gallery + b"</SystemSettings>"))


def _recovery_site(tmp_path) -> Fleet:
    """A fresh single-controller host named alteryx-dr, with keys, token and data of its own."""
    site = Fleet(tmp_path / "dr")
    shutil.rmtree(site.host("controller"))
    build_host(site.host("alteryx-dr"), "alteryx-dr", "controller", controller_name="alteryx-dr", mongo="embedded",
               version=DEFAULT_VERSION, cluster_has={"workers": False, "ui": False}, seed=42)
    inventory = yaml.safe_load(site.inventory.read_text())
    groups = inventory["all"]["children"]
    groups["alteryx_controller"]["hosts"] = {"alteryx-dr": {"winsim_root": str(site.host("alteryx-dr"))}}
    groups["alteryx_clusters"]["children"]["cluster1"]["hosts"] = {"alteryx-dr": None}
    site.inventory.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return site


def test_disaster_recovery_onto_a_new_host_renames_sets_the_token_and_runs(fleet, tmp_path):
    _name_the_old_host(fleet)
    archive = _full_backup(fleet)
    files, documents = _files(fleet), _documents(fleet)
    token = fleet.state()["secrets"]["server_secret"]
    site = _recovery_site(tmp_path)
    assert _files(site, "alteryx-dr") != files and site.state("alteryx-dr")["secrets"]["server_secret"] != token
    # The archive and its sidecar are all the new host gets (copied from the share or a disk).
    target = site.backups_dir("alteryx-dr")
    target.mkdir(parents=True)
    for path in (archive, archive.with_name(archive.name + ".sha256")):
        shutil.copy2(path, target / path.name)

    run = site.playbook("playbooks/restore.yml", extra=KEY)
    assert run.rc == 0, run.output[-6000:]
    text = " ".join(run.output.split())
    restored = _files(site, "alteryx-dr")
    # The settings name the new host where they named the old one, every other byte as backed up (BOM, CRLF, ...).
    assert restored.pop("RuntimeSettings.xml") == files.pop("RuntimeSettings.xml").replace(OLD_ADDRESS, NEW_ADDRESS)
    assert restored == files
    # What the rename does not touch, and what a backup cannot bring to a new host, is said.
    assert "RuntimeSettings.xml still names CONTROLLER in SmtpServer" in text
    assert "DPAPI" in text and "Encryption Key Transfer Process" in text
    # The old controller's token and database, and the service runs.
    state = site.state("alteryx-dr")
    assert state["secrets"]["server_secret"] == token
    assert _documents(site, "alteryx-dr") == documents
    assert state["services"]["AlteryxService"]["state"] == "running"
    calls = site.calls("alteryx-dr")
    assert calls.index(P + "alteryx_restore_config") < calls.index(P + "alteryx_restore_secret") \
        < calls.index(P + "alteryx_restore_rename")
    assert token not in run.output


def test_a_failed_restore_runs_again_with_the_same_command(fleet):
    archive = _full_backup(fleet)
    files, documents = _files(fleet), _documents(fleet)
    for rel in ("Engine/SystemAlias.xml", "Keys/alteryx.key"):
        _file(fleet, rel).write_bytes(b"changed after the backup")
    settings = _file(fleet, "RuntimeSettings.xml")
    settings.write_bytes(settings.read_bytes().replace(b"<Engine>", b"<Engine><NumThreads>16</NumThreads>"))
    data = emongo_data.live_content(Host(fleet.host()))
    database = sorted(data)[0]
    emongo_data.delete_documents(Host(fleet.host()), database, sorted(data[database])[0], 3)
    fleet.reset_journal()
    # The disk fills while the files go back: the database is restored by then, the files not.
    fleet.faults([{"call": P + "alteryx_restore_config", "occurrence": 1, "kind": "disk_full"}])
    command = {**KEY}
    first = fleet.playbook("playbooks/restore.yml", extra=command)
    assert first.rc != 0
    text = " ".join(first.output.split())
    assert "[failure_class=storage, exit_code=4]" in text, text[-4000:]
    assert "Running the same command again is safe" in text
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert _file(fleet, "Engine/SystemAlias.xml").read_bytes() == b"changed after the backup"

    second = fleet.playbook("playbooks/restore.yml", extra=command)
    assert second.rc == 0, second.output[-6000:]
    # The same archive both times (the safety backups went to PreRestore), and everything is back.
    assert fleet.archives() == [archive]
    assert f"Full restore of controller from D:\\Alteryx\\Backups\\{archive.name} succeeded" in \
        " ".join(second.output.split())
    safety = sorted((fleet.backups_dir() / "PreRestore").glob("ServerBackup_Full_*.zip"))
    assert len(safety) == 2
    assert _files(fleet) == files
    assert _documents(fleet) == documents
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert fleet.calls().count(P + "alteryx_restore_secret") == 2  # read the .cms, then set: second run only


def test_an_extra_var_that_would_mix_the_safety_backup_with_the_archives_is_refused(fleet):
    _full_backup(fleet)
    before = _files(fleet)
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_backup_local_path": "D:\\Alteryx\\Backups"})
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert "alteryx_backup_local_path is given as an extra var" in text and "[failure_class=validation" in text
    assert _files(fleet) == before and len(fleet.archives()) == 1
    assert not [c for c in fleet.calls() if "service_state" in c or "restore_config" in c]

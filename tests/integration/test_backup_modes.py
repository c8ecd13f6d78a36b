"""Each backup mode end to end against a simulated single-node server."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile

import pytest
from conftest import MODE_TAGS, zip_names

from winsim_engine.alteryx import DATABASES

MONGO = {"MongoDB/mongoDump.log"} | {
    f"MongoDB/{db}/{coll}{suffix}" for db, colls in DATABASES.items() for coll in colls
    for suffix in (".bson", ".metadata.json")
}
CONFIG = {
    "Config/RuntimeSettings.xml", "Config/Engine/SystemAlias.xml", "Config/Engine/SystemConnections.xml",
    "Config/Keys/alteryx.key", "Config/Keys/recovery.key", "Config/alteryx.config", "Config/RuntimeSettings.22_2_legacy.xml",
    "Secrets/ControllerToken.cms", "Secrets/MongoPasswords.cms",  # encrypted to conftest's SECRETS_CERT
}
MATRIX = {
    "Full": MONGO | CONFIG | {"BackupManifest.json"},
    "DatabaseOnly": MONGO | {"BackupManifest.json"},
    "ConfigOnly": CONFIG | {"BackupManifest.json"},
}
PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "DatabaseOnly": "playbooks/backup_database.yml",
             "ConfigOnly": "playbooks/backup_config.yml"}


def _logs(fleet, mode):
    """The run's host log files, wherever the log folder is configured."""
    return sorted((fleet.host() / "drives").rglob(f"BackupLog_{mode}_*.log"))


@pytest.mark.parametrize("mode", list(MATRIX))
def test_mode_produces_exactly_the_matrix_and_verifiable_hashes(fleet, mode):
    run = fleet.playbook(PLAYBOOKS[mode], extra={"alteryx_backup_network_paths": ["\\\\fileserver\\backups"]})
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    assert re.fullmatch(rf"ServerBackup_{MODE_TAGS[mode]}_\d{{8}}_\d{{6}}\.zip", archive.name)
    assert zip_names(archive) == MATRIX[mode]
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("BackupManifest.json"))
        # The spec's BackedUpFiles lists the config and secret files (folders as Type=Directory entries); the dump
        # files are in Extensions.MongoDB.DumpFiles. Every file of the archive is in exactly one of them.
        entries = [f for f in manifest["BackedUpFiles"] if f.get("Type") != "Directory"]
        entries += manifest["Extensions"]["MongoDB"]["DumpFiles"]
        listed = {f["RelativePathInArchive"]: f["SHA256"] for f in entries}
        assert len(listed) == len(entries)
        assert set(listed) == MATRIX[mode] - {"BackupManifest.json"}
        for name, digest in listed.items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest, name
    assert manifest["BackupMetadata"]["BackupMode"] == mode
    assert manifest["MongoDBInformation"]["Included"] is (mode != "ConfigOnly")
    if mode == "DatabaseOnly":
        assert manifest["BackedUpFiles"] == [] and manifest["ControllerSettings"] is None
    else:
        assert manifest["ControllerSettings"]["ControllerTokenExported"] is True
    assert manifest["SystemInformation"].get("ServiceNotStopped") is (True if mode == "ConfigOnly" else None)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert (archive.parent / (archive.name + ".sha256")).read_text() == f"{digest}  {archive.name}\n"
    network = fleet.share_dir() / archive.name
    assert hashlib.sha256(network.read_bytes()).hexdigest() == digest
    assert (network.parent / (archive.name + ".sha256")).read_text() == f"{digest}  {archive.name}\n"
    # The manifest copy beside each archive carries the archive's own SHA256.
    for folder in (archive.parent, network.parent):
        beside = json.loads((folder / (archive.name + ".manifest.json")).read_text(encoding="utf-8"))
        assert beside["ArchiveInformation"]["SHA256"] == digest
    assert not list(fleet.backups_dir().glob("*.staging")), "staging folder left behind"
    assert not (fleet.backups_dir() / ".alteryx_backup.lock").exists()
    [log] = _logs(fleet, mode)
    lines = log.read_text().splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(DEBUG|INFO|WARNING|ERROR|SUCCESS)\] ", line) for line in lines)
    assert "[SUCCESS]" in lines[-1]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


@pytest.mark.parametrize("mode", ["Full", "DatabaseOnly"])
def test_only_the_dump_runs_while_the_service_is_down(fleet, mode):
    assert fleet.playbook(PLAYBOOKS[mode]).rc == 0
    journal = fleet.journal()
    stop = next(i for i, e in enumerate(journal) if e.get("event") == "service_stopped")
    start = next(i for i, e in enumerate(journal) if e.get("event") == "service_running")
    inside = journal[stop + 1:start]
    assert inside, "the dump must run inside the window"
    for entry in inside:
        allowed = (entry.get("event") in ("alteryxservice_exe", "emongodump", "service_start_pending")
                   or entry.get("call") == "ansible.windows.async_status"
                   # what the connection received for those polls (the bytes journal)
                   or (entry.get("kind") == "received" and entry.get("what") == "ansible.windows.async_status"))
        assert allowed, f"{entry} ran while the service was down"
    assert [e.get("event") for e in inside if e["kind"] == "event"].count("emongodump") == 1


def test_config_only_never_touches_the_service(fleet):
    assert fleet.playbook(PLAYBOOKS["ConfigOnly"]).rc == 0
    journal = fleet.journal()
    assert not [e for e in journal if str(e.get("event", "")).startswith("service_")]
    assert not [e for e in journal if "service_state" in str(e.get("call")) or "dump" in str(e.get("call"))]


def test_mode_variable_and_short_forms(fleet):
    run = fleet.playbook("playbooks/backup.yml", extra={"alteryx_backup_mode": "config"})
    assert run.rc == 0, run.output
    assert [a.name.split("_")[1] for a in fleet.archives()] == ["Config"]


def test_invalid_mode_fails_before_any_host_call(fleet):
    run = fleet.playbook("playbooks/backup.yml", extra={"alteryx_backup_mode": "Everything"})
    assert run.rc != 0
    assert "invalid_mode" in run.output and "Full" in run.output
    assert "'exit_code': 6" in run.output or "exit_code: 6" in run.output
    assert fleet.journal() == []


def test_check_mode_is_a_dry_run(fleet):
    drives = fleet.host() / "drives"
    before = sorted((p.relative_to(drives), p.stat().st_mtime) for p in drives.rglob("*"))
    run = fleet.playbook(PLAYBOOKS["Full"], check=True, verbosity=1)
    assert run.rc == 0, run.output
    assert "Would stop AlteryxService" in run.output and "Would create and publish" in run.output
    after = sorted((p.relative_to(drives), p.stat().st_mtime) for p in drives.rglob("*"))
    assert before == after, "check mode changed files on the host"
    calls = [e for e in fleet.journal() if e["kind"] == "call"]
    assert calls and all(e["check_mode"] for e in calls)
    assert not [e for e in fleet.journal() if e["kind"] == "event" and e["event"].startswith("service_")]


def test_config_file_settings_apply_and_variables_override_them(fleet, tmp_path):
    config = tmp_path / "backup-config.json"
    config.write_text(json.dumps({"BackupMode": "ConfigOnly", "LocalBackupPath": "D:\\FromFile",
                                  "RetentionDays": {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}}))
    run = fleet.playbook("playbooks/backup.yml", extra={"alteryx_backup_config_file": str(config),
                                                        "alteryx_backup_mode": "DatabaseOnly"})
    assert run.rc == 0, run.output
    made = list((fleet.host() / "drives" / "D" / "FromFile").glob("ServerBackup_*.zip"))
    assert [p.name.split("_")[1] for p in made] == ["DB"]


def test_missing_optional_item_is_a_warning_in_result_and_log(fleet):
    keys = fleet.host() / "drives" / "C" / "ProgramData" / "Alteryx" / "Keys"
    for f in keys.iterdir():
        f.unlink()
    keys.rmdir()
    run = fleet.playbook(PLAYBOOKS["ConfigOnly"], extra={"alteryx_backup_keys_required": False})
    assert run.rc == 0, run.output
    assert "[WARNING]" in run.output and "Keys is missing" in run.output
    [log] = _logs(fleet, "ConfigOnly")
    assert "[WARNING] Optional item C:\\ProgramData\\Alteryx\\Keys is missing" in log.read_text()


def test_missing_required_keys_fail_in_preflight_before_anything_stops(fleet):
    keys = fleet.host() / "drives" / "C" / "ProgramData" / "Alteryx" / "Keys"
    for f in keys.iterdir():
        f.unlink()
    keys.rmdir()
    run = fleet.playbook(PLAYBOOKS["Full"])  # the spec's default: the Keys folder is required
    assert run.rc != 0 and "failure_class=validation" in run.output
    assert not [e for e in fleet.journal() if e.get("event", "").startswith("service_")]
    assert fleet.everything_published() == []

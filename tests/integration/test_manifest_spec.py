"""BackupManifest.json is the spec's data model, in every mode, inside the archive and beside it; a failing network
destination only warns.

Each run goes against winsim with a network destination. The manifest inside the archive must validate against the
shipped schema and have every key path of the spec's example (a copy in tests/unit/.../data) with the same JSON
types - only the values the finished archive alone can give may be null there. The copy published beside the archive
(``<archive>.manifest.json``, locally and on the share) has those filled in, its SHA256 equal to the sidecar's.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import REPO
from jsonschema import Draft202012Validator
from spec_manifest_shape import ARCHIVE_LEVEL, MODE_EMPTY, MODE_NULLS, SPEC_EXAMPLE, shape_problems

SCHEMA = json.loads((REPO / "plugins" / "plugin_utils" / "backup_manifest.schema.json").read_text(encoding="utf-8"))
PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "DatabaseOnly": "playbooks/backup_database.yml",
             "ConfigOnly": "playbooks/backup_config.yml"}
SHARE = "\\\\fileserver\\backups"
def _schema_errors(manifest: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(SCHEMA).iter_errors(manifest)]


def _host_file(fleet, win_path: str) -> Path:
    drive, rest = win_path.split(":", 1)
    return fleet.host() / "drives" / drive.upper() / Path(*rest.strip("\\").split("\\"))


def _without_archive_level(manifest: dict) -> dict:
    stripped = json.loads(json.dumps(manifest))
    for dotted in ARCHIVE_LEVEL | {"Extensions.ArchiveSizeBytes"}:
        *parents, leaf = dotted.split(".")
        node = stripped
        for part in parents:
            node = node[part]
        node[leaf] = None
    return stripped


@pytest.mark.parametrize("mode", list(PLAYBOOKS))
def test_manifest_is_the_specs_data_model_inside_and_beside_the_archive(fleet, mode):
    before = datetime.now(UTC).replace(microsecond=0)
    run = fleet.playbook(PLAYBOOKS[mode], extra={"alteryx_backup_network_paths": [SHARE]})
    assert run.rc == 0, run.output[-3000:]
    after = datetime.now(UTC)
    [archive] = fleet.archives()
    with zipfile.ZipFile(archive) as zf:
        inside = json.loads(zf.read("BackupManifest.json").decode("utf-8"))
        names = set(zf.namelist())
    assert _schema_errors(inside) == []
    assert shape_problems(inside, SPEC_EXAMPLE, nullable=ARCHIVE_LEVEL | MODE_NULLS[mode],
                          may_be_empty=MODE_EMPTY[mode]) == []
    for dotted in ARCHIVE_LEVEL:
        section, *rest = dotted.split(".")
        value = inside[section]
        for part in rest:
            value = value[part]
        assert value is None, f"{dotted} cannot be known inside the archive"

    metadata, system, mongo = inside["BackupMetadata"], inside["SystemInformation"], inside["MongoDBInformation"]
    assert metadata["BackupMode"] == mode
    started = datetime.strptime(metadata["BackupTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before - timedelta(seconds=2) <= started <= after
    galaxy = (REPO / "galaxy.yml").read_text(encoding="utf-8")
    version = re.search(r"^version:\s*(\S+)", galaxy, re.M).group(1)
    assert metadata["BackupVersion"] == metadata["ScriptVersion"] == version
    assert system["ServerHostname"] and system["AlteryxServerVersion"]
    assert system["NodeRole"] == "Controller" and system["IsMultiNode"] is False
    assert inside["ArchiveInformation"]["ArchiveFileName"] == archive.name

    dump_files = inside["Extensions"]["MongoDB"]["DumpFiles"]
    if mode == "ConfigOnly":
        assert system["ServiceNotStopped"] is True
        assert mongo["Included"] is False and dump_files == []
        assert not [n for n in names if n.startswith("MongoDB/")]
    else:
        assert "ServiceNotStopped" not in system
        assert mongo["Included"] is True and mongo["DeploymentType"] == "embedded"
        assert mongo["BackupMethod"] == "AlteryxService.exe emongodump" and mongo["CollectionCount"] > 0
        assert {f["RelativePathInArchive"] for f in dump_files} == {n for n in names if n.startswith("MongoDB/")}
    checks = {c["Check"]: c for c in inside["Extensions"]["ValidationChecks"]}
    assert checks["mongodb_dump"]["Passed"] is True
    assert inside["Errors"] == []
    assert inside["ValidationResults"]["PreBackupChecks"]["SufficientDiskSpace"] is True
    assert inside["ValidationResults"]["PreBackupChecks"]["ServiceAccessible"] is True

    files = [f for f in inside["BackedUpFiles"] if f.get("Type") != "Directory"]
    folders = [f for f in inside["BackedUpFiles"] if f.get("Type") == "Directory"]
    if mode == "DatabaseOnly":
        assert inside["BackedUpFiles"] == [] and inside["ControllerSettings"] is None
    else:
        assert inside["ControllerSettings"]["ControllerTokenExported"] is True
        assert {f["RelativePathInArchive"] for f in files} == {n for n in names if n.startswith(("Config/", "Secrets/"))}
        with zipfile.ZipFile(archive) as zf:
            for entry in files:
                assert hashlib.sha256(zf.read(entry["RelativePathInArchive"])).hexdigest() == entry["SHA256"]
        for entry in files:
            if entry["RelativePathInArchive"].startswith("Secrets/"):
                assert entry["FilePath"].endswith(("getserversecret", "getemongopassword"))
                continue
            # FilePath is the source on the node (not the staging folder), LastModified its last write time.
            source = _host_file(fleet, entry["FilePath"])
            assert source.is_file(), entry["FilePath"]
            assert ".staging" not in entry["FilePath"]
            assert hashlib.sha256(source.read_bytes()).hexdigest() == entry["SHA256"]
            mtime = datetime.fromtimestamp(source.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            assert entry["LastModified"] == mtime
        [keys] = folders
        assert keys["FilePath"] == "C:\\ProgramData\\Alteryx\\Keys\\" and keys["RelativePathInArchive"] == "Config/Keys/"
        assert keys["FileCount"] == len([n for n in names if n.startswith("Config/Keys/")])
        assert inside["EncryptionKeyWarning"]["Message"].startswith("CRITICAL: Encryption keys backed up in Keys folder")

    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    for folder in (archive.parent, fleet.share_dir()):
        sidecar = (folder / (archive.name + ".sha256")).read_text()
        assert sidecar == f"{digest}  {archive.name}\n"
        beside = json.loads((folder / (archive.name + ".manifest.json")).read_text(encoding="utf-8"))
        assert _schema_errors(beside) == []
        assert shape_problems(beside, SPEC_EXAMPLE, nullable=MODE_NULLS[mode],
                              may_be_empty=MODE_EMPTY[mode]) == []
        info = beside["ArchiveInformation"]
        assert info["SHA256"] == sidecar.split()[0] == digest
        assert info["ArchiveSizeMB"] == round(archive.stat().st_size / 1048576, 2)
        assert beside["Extensions"]["ArchiveSizeBytes"] == archive.stat().st_size
        assert info["ArchiveIntegrityVerified"] is True and 0 < info["CompressionRatio"] <= 1.5
        assert all(beside["ValidationResults"]["PostBackupChecks"].values())
        completed = datetime.strptime(beside["BackupMetadata"]["BackupCompletionTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        assert started <= completed.replace(tzinfo=UTC) <= after + timedelta(seconds=1)
        assert 0 <= beside["BackupMetadata"]["DurationSeconds"] <= (after - started).total_seconds() + 1
        # Apart from the archive-level values the copy is the manifest inside the archive.
        assert _without_archive_level(beside) == _without_archive_level(inside)


def test_unreachable_share_warns_and_keeps_the_local_archive_and_the_other_destination(fleet):
    (fleet.root / "shares" / "drserver" / "backups").mkdir(parents=True)
    fleet.set_state(offline_shares={"fileserver": 99})
    run = fleet.playbook(PLAYBOOKS["Full"], extra={"alteryx_backup_network_paths": [SHARE, "\\\\drserver\\backups"]},
                         verbosity=1)
    assert run.rc == 0, run.output[-3000:]
    assert "[WARNING]" in run.output and "fileserver" in run.output
    [archive] = fleet.archives()
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    for suffix in (".sha256", ".manifest.json"):
        assert (archive.parent / (archive.name + suffix)).is_file()
    assert not (fleet.share_dir()).exists() or not list((fleet.share_dir()).iterdir())
    other = fleet.root / "shares" / "drserver" / "backups" / fleet.cluster_of() / "controller"
    assert hashlib.sha256((other / archive.name).read_bytes()).hexdigest() == digest
    assert (other / (archive.name + ".manifest.json")).is_file()
    [log] = (fleet.host() / "drives").rglob("BackupLog_Full_*.log")  # wherever the log folder is configured
    text = log.read_text()
    # The spec's 3 retries after the first try.
    assert all(f"failed on attempt {n} of 4" in text for n in (1, 2, 3, 4)), text
    assert "failed after 4 tries" in text and "the other destinations are kept" in text
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_retention_deletes_the_manifest_copy_with_its_archive(fleet):
    folder = fleet.backups_dir()
    folder.mkdir(parents=True)
    old = folder / f"ServerBackup_Config_{(datetime.now() - timedelta(days=40)).strftime('%Y%m%d_%H%M%S')}.zip"
    with zipfile.ZipFile(old, "w") as zf:
        zf.writestr("BackupManifest.json", "{}")
        zf.writestr("Config/RuntimeSettings.xml", "x" * 4000)
    (folder / (old.name + ".sha256")).write_text(f"{hashlib.sha256(old.read_bytes()).hexdigest()}  {old.name}\n")
    (folder / (old.name + ".manifest.json")).write_text("{}")
    orphan = folder / f"ServerBackup_Config_{(datetime.now() - timedelta(days=90)).strftime('%Y%m%d_%H%M%S')}.zip.manifest.json"
    orphan.write_text("{}")  # no archive: not ours to judge, never deleted
    run = fleet.playbook(PLAYBOOKS["ConfigOnly"])
    assert run.rc == 0, run.output[-3000:]
    assert not old.exists() and not (folder / (old.name + ".sha256")).exists()
    assert not (folder / (old.name + ".manifest.json")).exists()
    assert orphan.exists()
    [new] = fleet.archives()
    assert (folder / (new.name + ".manifest.json")).is_file()

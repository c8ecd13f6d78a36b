"""Host-side ACLs (REQ-SEC-7/8): winsim's DACL model and the twins of _private_acl.ps1, preflight, archive, finalize.

The model: an item's rules are its own DACL, else the nearest ancestor's, else the volume default; a same-volume
move keeps the DACL as it was, a copy (and a move across volumes) inherits at its destination; FAT32/exFAT volumes
have no security at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text
from winsim_engine import argspec, fakes
from winsim_engine.fleet import new_fleet
from winsim_engine.host import DRIVE_DEFAULT_RULES, NO_SECURITY_MESSAGE, SHARE_DEFAULT_RULES, Host, WinError
from winsim_engine.scripts._private_acl import new_restricted_folder, new_restricted_log, restricted_rules

WINSIM_CLI = Path(__file__).resolve().parents[1] / "bin" / "winsim"
ADMINS, SYSTEM = "BUILTIN\\Administrators", "NT AUTHORITY\\SYSTEM"
RUN = "run-acl-1"
LOG = "D:\\Alteryx\\BackupLogs\\BackupLog_Full_1.log"
STAGING = "D:\\Temp\\ServerBackup_Full_1.staging"
LOCAL = "D:\\Alteryx\\Backups"
SHARE = "\\\\fileserver\\backups\\cluster1\\controller"
ARCHIVE = "ServerBackup_Full_1.zip"


@pytest.fixture
def sim(tmp_path: Path) -> Host:
    inventory = new_fleet(tmp_path / "fleet")
    return Host(inventory.parent / "hosts" / "controller")


def identities(host: Host, path: str) -> set[str]:
    return {rule["identity"] for rule in host.access_rules(path)["rules"]}


def rule_pairs(host: Host, path: str) -> set[tuple[str, str]]:
    return {(rule["identity"], rule["rights"]) for rule in host.access_rules(path)["rules"]}


def restricted(host: Host) -> set[str]:
    return {ADMINS, SYSTEM, host.current_user()}


def fat(host: Host, drive: str = "D", system: str = "exFAT") -> None:
    with host.locked_state() as state:
        state["disks"][drive]["file_system"] = system


def powershell(host: Host, name: str, check_mode: bool = False, **parameters: Any) -> dict:
    module_args = {"script": script_text(name), "parameters": parameters, "depth": RESULT_DEPTH}
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params,
                                                            fakes.Context(host=host, check_mode=check_mode, key="t"))


# --- the model ------------------------------------------------------------------------------------

def test_an_item_without_a_dacl_inherits_the_volume_default(sim: Host) -> None:
    sim.local_path("D:\\Data\\file.txt").parent.mkdir(parents=True)
    sim.local_path("D:\\Data\\file.txt").write_text("x")
    rules = sim.access_rules("D:\\Data\\file.txt")
    assert rules["inherited_from"] == "(volume default)" and rules["protected"] is False
    assert {(r["identity"], r["rights"]) for r in rules["rules"]} == set(DRIVE_DEFAULT_RULES)
    assert all(r["inherited"] for r in rules["rules"])
    sim.local_path(SHARE).mkdir(parents=True)
    assert {(r["identity"], r["rights"]) for r in sim.access_rules(SHARE)["rules"]} == set(SHARE_DEFAULT_RULES)


def test_a_protected_folder_passes_its_rules_to_everything_below(sim: Host) -> None:
    assert new_restricted_folder(sim, "D:\\Private\\Deep") is True
    sim.local_path("D:\\Private\\Deep\\sub\\f.bin").parent.mkdir(parents=True)
    sim.local_path("D:\\Private\\Deep\\sub\\f.bin").write_bytes(b"1")
    own = sim.access_rules("D:\\Private\\Deep")
    assert own["protected"] is True and identities(sim, "D:\\Private\\Deep") == restricted(sim)
    below = sim.access_rules("D:\\Private\\Deep\\sub\\f.bin")
    assert below["protected"] is False and below["inherited_from"] == "D:\\Private\\Deep"
    assert identities(sim, "D:\\Private\\Deep\\sub\\f.bin") == restricted(sim)
    # CreateDirectory(path, acl) gives every folder it creates the ACL: the missing parent got it too.
    assert sim.access_rules("D:\\Private")["protected"] is True


def test_create_directory_leaves_an_existing_folder_as_it_was(sim: Host) -> None:
    sim.local_path("D:\\Admins").mkdir()
    assert sim.create_directory("D:\\Admins", restricted_rules(sim)) is False
    assert new_restricted_folder(sim, "D:\\Admins") is False
    assert sim.access_rules("D:\\Admins")["inherited_from"] == "(volume default)"


def test_a_folder_another_run_creates_in_between_is_no_error(sim: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two runs on one host: the other one's CreateDirectory lands between our check and our own create, which
    # .NET's CreateDirectory takes as success (it applies nothing to a folder that exists).
    real_mkdir = Path.mkdir

    def raced(self: Path, *args: Any, **kwargs: Any) -> None:
        real_mkdir(self, parents=True, exist_ok=True)
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", raced)
    assert sim.create_directory("D:\\Raced", restricted_rules(sim)) is False
    assert sim.local_path("D:\\Raced").is_dir()


def test_a_same_volume_move_keeps_the_dacl_and_a_copy_inherits(sim: Host) -> None:
    new_restricted_folder(sim, "D:\\Private")
    sim.local_path("D:\\Private\\a.zip").write_bytes(b"zip")
    sim.local_path("D:\\Open").mkdir()
    # MoveFile keeps the security descriptor: the inherited restricted rules go along (not recomputed).
    sim.move_item("D:\\Private\\a.zip", "D:\\Open\\a.zip")
    assert identities(sim, "D:\\Open\\a.zip") == restricted(sim)
    # The other way round is the classic leak: a file moved into a restricted folder keeps its open rules.
    sim.local_path("D:\\Open\\b.txt").write_text("b")
    sim.move_item("D:\\Open\\b.txt", "D:\\Private\\b.txt")
    assert "BUILTIN\\Users" in identities(sim, "D:\\Private\\b.txt")
    # Setting the folder's DACL again propagates to the kept inherited rules below it.
    sim.set_access_control("D:\\Private", restricted_rules(sim))
    assert identities(sim, "D:\\Private\\b.txt") == restricted(sim)
    sim.copy_file(sim.local_path("D:\\Open\\a.zip"), sim.local_path("D:\\Open\\copy.zip"))
    assert sim.access_rules("D:\\Open\\copy.zip")["inherited_from"] == "(volume default)"


def test_a_move_across_volumes_inherits_at_the_destination(sim: Host) -> None:
    new_restricted_folder(sim, "D:\\Private")
    sim.local_path("D:\\Private\\a.zip").write_bytes(b"zip")
    sim.move_item("D:\\Private\\a.zip", "C:\\Users\\ansible\\a.zip")
    assert sim.access_rules("C:\\Users\\ansible\\a.zip")["inherited_from"] == "(volume default)"


def test_a_file_deleted_and_created_again_loses_its_dacl(sim: Host) -> None:
    sim.local_path("D:\\x.txt").write_text("1")
    sim.set_access_control("D:\\x.txt", restricted_rules(sim))
    assert sim.access_rules("D:\\x.txt")["protected"] is True
    sim.local_path("D:\\x.txt").unlink()
    sim.local_path("D:\\x.txt").write_text("2")
    assert sim.access_rules("D:\\x.txt")["protected"] is False


def test_set_access_control_needs_the_item_and_a_volume_with_security(sim: Host) -> None:
    with pytest.raises(WinError, match="Could not find file"):
        sim.set_access_control("D:\\missing.txt", restricted_rules(sim))
    with pytest.raises(WinError, match="Cannot find path"):
        sim.access_rules("D:\\missing.txt")
    fat(sim)
    sim.local_path("D:\\x.txt").write_text("1")
    with pytest.raises(WinError, match=NO_SECURITY_MESSAGE):
        sim.set_access_control("D:\\x.txt", restricted_rules(sim))
    # CreateDirectory(path, acl) ignores the ACL there silently; New-RestrictedFolder's SetAccessControl does not.
    assert sim.create_directory("D:\\Quiet", restricted_rules(sim)) is True
    assert sim.access_rules("D:\\Quiet")["inherited_from"] == "(no security: exFAT)"
    with pytest.raises(WinError, match=NO_SECURITY_MESSAGE):
        new_restricted_folder(sim, "D:\\Loud")


def test_new_restricted_log_keeps_an_existing_log_as_it_is(sim: Host) -> None:
    new_restricted_log(sim, LOG)
    assert sim.access_rules(LOG)["protected"] is True and sim.local_path(LOG).read_bytes() == b""
    sim.local_path(LOG).unlink()
    sim.local_path(LOG).write_text("admin's\n")
    new_restricted_log(sim, LOG)
    assert sim.access_rules(LOG)["protected"] is False and sim.local_path(LOG).read_text() == "admin's\n"


def test_the_cli_prints_a_paths_rules(sim: Host) -> None:
    new_restricted_folder(sim, "D:\\Private")
    proc = subprocess.run([sys.executable, str(WINSIM_CLI), "acl", str(sim.root), "D:\\Private"],
                          capture_output=True, text=True, check=True)
    shown = json.loads(proc.stdout)
    assert shown["protected"] is True and {r["identity"] for r in shown["rules"]} == restricted(sim)


# --- preflight ------------------------------------------------------------------------------------

def preflight(host: Host, **extra: Any) -> dict:
    params = {"RunId": RUN, "LockPath": LOCAL + "\\.alteryx_backup.lock", "StagingPath": STAGING, "LocalDir": LOCAL,
              "TempDir": "D:\\Temp", "RunLogPath": LOG, "RunLogText": "2024-01-31 02:00:00 [INFO] started\n"}
    return powershell(host, "alteryx_preflight", **{**params, **extra})


def test_preflight_restricts_what_it_creates_and_the_log_before_its_first_line(sim: Host) -> None:
    reply = preflight(sim)
    assert reply["failed"] is False and reply["result"]["lock_taken"] is True
    for path in (STAGING, LOCAL, "D:\\Temp", "D:\\Alteryx\\BackupLogs", LOG):
        assert sim.access_rules(path)["protected"] is True, path
        assert identities(sim, path) == restricted(sim), path
    assert "started" in sim.local_path(LOG).read_text()
    # The lock holds no secret: it keeps the folder's (here restricted, inherited) rules.
    assert sim.access_rules(LOCAL + "\\.alteryx_backup.lock")["protected"] is False


def test_preflight_leaves_existing_folders_but_always_restricts_staging(sim: Host) -> None:
    for folder in (LOCAL, "D:\\Temp", "D:\\Alteryx\\BackupLogs", STAGING):
        sim.local_path(folder).mkdir(parents=True, exist_ok=True)
    assert preflight(sim)["failed"] is False
    for folder in (LOCAL, "D:\\Temp", "D:\\Alteryx\\BackupLogs"):
        assert sim.access_rules(folder)["inherited_from"] == "(volume default)", folder
    assert sim.access_rules(STAGING)["protected"] is True
    assert sim.access_rules(LOG)["protected"] is True


def test_preflight_without_restriction_inherits(sim: Host) -> None:
    assert preflight(sim, RestrictAcls=False)["failed"] is False
    for path in (STAGING, LOCAL, LOG):
        assert sim.access_rules(path)["inherited_from"] == "(volume default)", path


def test_preflight_fails_with_storage_when_the_log_cannot_be_restricted_and_writes_no_line(sim: Host) -> None:
    fat(sim)
    reply = preflight(sim)
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert reply["result"]["message"].startswith(f"Cannot limit access to {LOG} to Administrators, SYSTEM and ")
    assert "alteryx_backup_restrict_acls" in reply["result"]["message"]
    assert not sim.local_path(LOG).exists() or sim.local_path(LOG).read_bytes() == b""
    assert reply["result"]["lock_taken"] is False


def test_preflight_fails_with_storage_when_a_folder_cannot_be_restricted(sim: Host) -> None:
    fat(sim)
    reply = preflight(sim, RunLogText="")  # no log line to write: the backup folder is the first thing restricted
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert reply["result"]["message"].startswith(f"Cannot limit access to {LOCAL} ")


def test_preflight_fails_with_storage_when_staging_cannot_be_restricted(sim: Host) -> None:
    # The backup and temp folders exist (an administrator's, on an exFAT disk): only the staging folder is touched.
    for folder in (LOCAL, "D:\\Temp"):
        sim.local_path(folder).mkdir(parents=True)
    fat(sim)
    reply = preflight(sim, RunLogText="")
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert reply["result"]["message"].startswith(f"Cannot limit access to {STAGING} ")
    assert reply["result"]["lock_taken"] is True  # the role's cleanup releases it


# --- archive --------------------------------------------------------------------------------------

def staged(host: Host) -> None:
    new_restricted_folder(host, STAGING)
    data = b"config"
    host.local_path(STAGING + "\\Config\\RuntimeSettings.xml").parent.mkdir(parents=True)
    host.local_path(STAGING + "\\Config\\RuntimeSettings.xml").write_bytes(data)
    import hashlib

    manifest = {"BackedUpFiles": [{"RelativePathInArchive": "Config/RuntimeSettings.xml",
                                   "SHA256": hashlib.sha256(data).hexdigest()}],
                "Extensions": {"MongoDB": {"DumpFiles": []}}}
    host.local_path(STAGING + "\\BackupManifest.json").write_text(json.dumps(manifest))
    host.local_path(LOCAL).mkdir(parents=True, exist_ok=True)  # an existing, open backup folder
    host.local_path(SHARE).mkdir(parents=True, exist_ok=True)


def archive(host: Host, **extra: Any) -> dict:
    params = {"StagingPath": STAGING, "LocalDir": LOCAL, "ArchiveName": ARCHIVE, "Destinations": [SHARE],
              "Retries": 0, "RetryDelaySeconds": 0, "ManifestCopy": '{"ArchiveSHA256": "@@ARCHIVE_SHA256@@"}',
              "StartedUtc": "2024-01-31T02:00:00Z"}
    return powershell(host, "alteryx_archive", **{**params, **extra})


def test_archive_restricts_the_local_files_and_leaves_the_share_copies_inheriting(sim: Host) -> None:
    staged(sim)
    reply = archive(sim)
    assert reply["failed"] is False, reply
    local = LOCAL + "\\" + ARCHIVE
    for path in (local, local + ".sha256", local + ".manifest.json"):
        assert sim.access_rules(path)["protected"] is True, path
        assert identities(sim, path) == restricted(sim), path
    with zipfile.ZipFile(sim.local_path(local)) as zf:
        assert set(zf.namelist()) == {"BackupManifest.json", "Config/RuntimeSettings.xml"}
    target = SHARE + "\\" + ARCHIVE
    for path in (target, target + ".sha256", target + ".manifest.json"):
        # Copied as .partial (a new file inherits there), then renamed (the rename keeps what it inherited).
        assert sim.access_rules(path)["protected"] is False, path
        assert rule_pairs(sim, path) == set(SHARE_DEFAULT_RULES), path


def test_archive_without_restriction_inherits_the_backup_folders_rules(sim: Host) -> None:
    staged(sim)
    assert archive(sim, RestrictAcls=False)["failed"] is False
    local = LOCAL + "\\" + ARCHIVE
    for path in (local, local + ".sha256", local + ".manifest.json"):
        assert sim.access_rules(path)["protected"] is False, path
        assert rule_pairs(sim, path) == set(DRIVE_DEFAULT_RULES), path


def test_archive_fails_with_storage_and_publishes_nothing_when_the_acl_cannot_be_set(sim: Host) -> None:
    staged(sim)
    fat(sim)
    reply = archive(sim)
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert reply["result"]["message"].startswith(f"Cannot limit access to {LOCAL}\\{ARCHIVE}.partial ")
    assert not [p for p in sim.local_path(LOCAL).iterdir() if p.name.startswith("ServerBackup_")]
    assert not [p for p in sim.local_path(SHARE).iterdir() if p.name.startswith("ServerBackup_")]


# --- finalize -------------------------------------------------------------------------------------

def finalize(host: Host, **extra: Any) -> dict:
    params = {"RunId": RUN, "LockPath": LOCAL + "\\.alteryx_backup.lock", "LogPath": LOG,
              "LogText": "2024-01-31 02:09:00 [SUCCESS] done\n"}
    return powershell(host, "alteryx_finalize", **{**params, **extra})


def test_finalize_creates_a_missing_log_restricted_and_keeps_an_existing_one(sim: Host) -> None:
    assert finalize(sim)["failed"] is False
    assert sim.access_rules(LOG)["protected"] is True and "done" in sim.local_path(LOG).read_text()
    other = "D:\\Logs\\existing.log"
    sim.local_path(other).parent.mkdir(parents=True)
    sim.local_path(other).write_text("earlier\n")
    assert finalize(sim, LogPath=other)["failed"] is False
    assert sim.access_rules(other)["protected"] is False
    assert sim.local_path(other).read_text() == "earlier\n2024-01-31 02:09:00 [SUCCESS] done\n"


def test_finalize_without_restriction_inherits(sim: Host) -> None:
    assert finalize(sim, RestrictAcls=False)["failed"] is False
    assert sim.access_rules(LOG)["inherited_from"] == "(volume default)"


def test_finalize_fails_with_storage_when_a_new_log_cannot_be_restricted(sim: Host) -> None:
    fat(sim)
    reply = finalize(sim)
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert reply["result"]["message"].startswith(f"Cleanup failed: Cannot limit access to {LOG} ")
    assert not sim.local_path(LOG).exists() or sim.local_path(LOG).read_bytes() == b""

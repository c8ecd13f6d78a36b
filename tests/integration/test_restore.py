"""restore.yml on a single simulated node: the archive checked on the node first, ConfigOnly put back byte for byte."""

from __future__ import annotations

import json

import pytest
from conftest import SECRETS_KEY

PROGRAM_DATA = ("drives", "C", "ProgramData", "Alteryx")
P = "ansible.windows.win_powershell:"
# Backups encrypt the controller token to the test certificate (conftest's FAST_VARS): a restore that sets it decrypts.
KEY = {"alteryx_restore_secrets_key": str(SECRETS_KEY)}


def _settings(fleet):
    return fleet.host().joinpath(*PROGRAM_DATA, "RuntimeSettings.xml")


def _full_backup(fleet):
    run = fleet.playbook("playbooks/backup_full.yml")
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return archive


def test_config_only_brings_a_deleted_runtime_settings_back_byte_for_byte(fleet):
    _full_backup(fleet)
    original = _settings(fleet).read_bytes()
    _settings(fleet).unlink()
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "ConfigOnly"})
    assert run.rc == 0, run.output
    assert _settings(fleet).read_bytes() == original
    # A node without its settings is no server to go back to: no safety archive, the per-file safety copies stay.
    assert "WARNING: no safety backup of controller" in " ".join(run.output.split())
    assert not (fleet.backups_dir() / "PreRestore").exists()
    # Files that were still there were kept beside themselves before being overwritten; the deleted one had none.
    keys = fleet.host().joinpath(*PROGRAM_DATA, "Keys")
    assert [p.name for p in keys.glob("alteryx.key.pre-restore-*")]
    assert not list(_settings(fleet).parent.glob("RuntimeSettings.xml.pre-restore-*"))
    # The hidden recovery key was overwritten (attributes cleared for the write) and is hidden again.
    attributes = fleet.state()["attributes"]
    assert attributes["c:\\programdata\\alteryx\\keys\\recovery.key"]["attrs"] == ["Hidden"]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    calls = fleet.calls()
    assert calls.index(P + "alteryx_restore_check") < calls.index(P + "alteryx_restore_config")


# Where the byte flips, and what the refusal may say. In the first local header's modification time the zip still
# reads (readers go by the central directory): only the sidecar's hash catches it. In the middle it lands in an
# entry's data: compressed data that no longer inflates makes the archive unreadable, other data reads as different
# bytes that the hashes catch. Either way it is refused as damaged (validation).
DAMAGED = ["is damaged", "nothing was restored", "its .sha256 sidecar says"]
FLIPS = {
    "header": (lambda data: 10, [DAMAGED]),
    "middle": (lambda data: len(data) // 2, [DAMAGED, ["Cannot read archive", "Block length does not match"]]),
}


@pytest.mark.parametrize("where", list(FLIPS))
def test_a_flipped_byte_is_refused_before_anything_is_touched(fleet, where):
    archive = _full_backup(fleet)
    data = bytearray(archive.read_bytes())
    offset, messages = FLIPS[where]
    data[offset(data)] ^= 0xFF
    archive.write_bytes(bytes(data))
    before = _settings(fleet).read_bytes()
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "ConfigOnly"})
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert "[failure_class=validation, exit_code=3]" in text
    assert any(all(m in text for m in alternative) for alternative in messages), text[-3000:]
    assert _settings(fleet).read_bytes() == before
    assert not list(fleet.host().rglob("*.pre-restore-*"))
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert not [c for c in fleet.calls() if "service_state" in c or "restore_config" in c]


MONGO = ("drives", "C", "ProgramData", "Alteryx", "Service", "Persistence")


def _live_data_changes(fleet):
    """The live database moves on after the backup: other documents, and a file the restore must not keep live."""
    fleet.set_state(mongo={**fleet.state()["mongo"], "seed": 7, "documents": 75})
    folder = fleet.host().joinpath(*MONGO, "MongoDB")
    (folder / "after-backup.wt").write_text("live data written after the backup\n")
    return folder


def test_database_only_restores_into_a_new_folder_and_switches_when_sound(fleet):
    _full_backup(fleet)
    live = _live_data_changes(fleet)
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "DatabaseOnly"})
    assert run.rc == 0, run.output
    [restore] = [e for e in fleet.journal() if e.get("event") == "emongorestore"] or [
        e for e in fleet.journal() if "emongorestore" in json.dumps(e) and "documents" in json.dumps(e)]
    assert "_RESTORE_" in json.dumps(restore) and "_DUMP_" in json.dumps(restore)
    # Switched: the restored folder is live, the previous one kept beside it; nothing else left over.
    assert (live / "_mdb_catalog.wt").is_file()  # emongorestore's content (winsim_engine.emongo_data)
    assert not (live / "after-backup.wt").exists()
    [old] = list(live.parent.glob("MongoDB_OLD_*"))
    assert (old / "after-backup.wt").exists()
    assert not list(live.parent.glob("MongoDB_RESTORE_*")) and not list(live.parent.glob("MongoDB_DUMP_*"))
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    calls = fleet.calls()
    assert calls.count(P + "alteryx_restore_database") == 2  # restore, then switch
    assert P + "alteryx_restore_config" not in calls


def test_failed_documents_keep_the_old_data_and_the_service_running(fleet):
    _full_backup(fleet)
    live = _live_data_changes(fleet)
    before = sorted(p.name for p in live.iterdir())
    fleet.set_state(mongo={**fleet.state()["mongo"], "restore_failed_documents": 3})
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "DatabaseOnly"})
    assert run.rc != 0
    assert "The database restore is not sound" in run.output
    assert "3 document(s) failed to restore" in run.output
    assert "failure_class: mongodb" in run.output, run.output
    assert sorted(p.name for p in live.iterdir()) == before
    assert not [p.name for p in live.parent.iterdir() if "_RESTORE_" in p.name or "_OLD_" in p.name
                or "_DUMP_" in p.name]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    # Restore, then discard: never a switch.
    assert fleet.calls().count(P + "alteryx_restore_database") == 2

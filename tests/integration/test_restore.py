"""restore.yml on a single simulated node: the archive checked on the node first, ConfigOnly put back byte for byte."""

from __future__ import annotations

import json

PROGRAM_DATA = ("drives", "C", "ProgramData", "Alteryx")
P = "ansible.windows.win_powershell:"


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
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "ConfigOnly"})
    assert run.rc == 0, run.output
    assert _settings(fleet).read_bytes() == original
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


def test_a_flipped_byte_is_refused_before_anything_is_touched(fleet):
    archive = _full_backup(fleet)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    before = _settings(fleet).read_bytes()
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "ConfigOnly"})
    assert run.rc != 0
    assert "is damaged, nothing was restored" in run.output
    assert "its .sha256 sidecar says" in run.output
    assert _settings(fleet).read_bytes() == before
    assert not list(fleet.host().rglob("*.pre-restore-*"))
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert not [c for c in fleet.calls() if "service_state" in c or "restore_config" in c]


def test_the_database_part_is_refused_until_it_can_be_restored(fleet):
    _full_backup(fleet)
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml")
    assert run.rc != 0
    assert "Restoring the MongoDB database (scope Full) is not available yet" in run.output
    assert not list(fleet.host().rglob("*.pre-restore-*"))
    assert json.dumps(fleet.calls()).count("restore_config") == 0

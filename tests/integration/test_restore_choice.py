"""Which archive restore.yml takes by default: the newest that verifies and can give the scope, or a timestamp."""

from __future__ import annotations

import time

from conftest import SECRETS_KEY

KEY = {"alteryx_restore_secrets_key": str(SECRETS_KEY)}
ENGINE = ("drives", "C", "ProgramData", "Alteryx", "Engine", "SystemAlias.xml")


def _aliases(fleet):
    return fleet.host().joinpath(*ENGINE)


def _edit_aliases(fleet, marker):
    """Give SystemAlias.xml a content of its own, so the restored bytes tell which archive was taken."""
    path = _aliases(fleet)
    path.write_bytes(path.read_bytes().rstrip(b"\r\n") + f"\r\n<!-- {marker} -->\r\n".encode())
    return path.read_bytes()


def _backup(fleet, playbook):
    run = fleet.playbook(playbook)
    assert run.rc == 0, run.output
    time.sleep(1.1)  # archive names carry seconds: the next backup gets a newer name


def test_a_damaged_newest_archive_is_stepped_over_and_named(fleet):
    first = _edit_aliases(fleet, "first")
    _backup(fleet, "playbooks/backup_full.yml")
    _edit_aliases(fleet, "second")
    _backup(fleet, "playbooks/backup_full.yml")
    _edit_aliases(fleet, "changed since")
    older, newer = fleet.archives()
    newer.with_name(newer.name + ".sha256").unlink()
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "ConfigOnly",
                                                        "alteryx_restore_safety_backup": False})
    assert run.rc == 0, run.output
    text = " ".join(run.output.split())
    assert "did not verify and were skipped" in text and newer.name in text
    assert _aliases(fleet).read_bytes() == first


def test_the_scope_decides_which_archives_count(fleet):
    _backup(fleet, "playbooks/backup_full.yml")
    _backup(fleet, "playbooks/backup_config.yml")
    names = sorted((a.name for a in fleet.archives()), key=lambda n: n.rsplit("_", 2)[1:])
    assert names[0].startswith("ServerBackup_Full_") and names[1].startswith("ServerBackup_Config_")
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "DatabaseOnly",
                                                        "alteryx_restore_safety_backup": False})
    assert run.rc == 0, run.output
    # The newer ConfigOnly archive holds no database: had it been taken, the run would fail with invalid_mode.
    assert "did not verify and were skipped" not in " ".join(run.output.split())


def test_a_timestamp_picks_that_archive_and_nothing_verifying_is_refused(fleet):
    first = _edit_aliases(fleet, "first")
    _backup(fleet, "playbooks/backup_full.yml")
    _edit_aliases(fleet, "second")
    _backup(fleet, "playbooks/backup_full.yml")
    older, newer = fleet.archives()
    stamp = older.name[len("ServerBackup_Full_"):-len(".zip")]
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "ConfigOnly",
                                                        "alteryx_restore_timestamp": stamp,
                                                        "alteryx_restore_safety_backup": False})
    assert run.rc == 0, run.output
    assert _aliases(fleet).read_bytes() == first
    for archive in (older, newer):
        archive.with_name(archive.name + ".sha256").unlink()
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "ConfigOnly"})
    assert run.rc != 0
    text = " ".join(run.output.split()).replace("\\\\", "\\")
    assert f"Archive D:\\Alteryx\\Backups\\{newer.name} is damaged, nothing was restored" in text
    assert f"No older archive in D:\\Alteryx\\Backups verifies either: D:\\Alteryx\\Backups\\{older.name}" in text
    assert "[failure_class=validation, exit_code=3]" in text
    assert not [c for c in fleet.calls() if "service_state" in c or "restore_config" in c]
    bad = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_timestamp": "yesterday"})
    assert bad.rc != 0 and "not YYYYMMDD_HHmmss" in " ".join(bad.output.split())

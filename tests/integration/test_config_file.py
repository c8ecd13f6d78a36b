"""The spec's backup-config.json as the configuration file, end to end.

Two groups, all selected with ``-k config`` (module marker ``config_file``):

* ``test_action_*`` run tests/integration/playbooks/config_file.yml, which calls
  alteryx.server.alteryx_backup_config alone and hands its result to the test;
* ``test_role_*`` run playbooks/backup.yml with ``-e alteryx_backup_config_file=<file>``; they need the
  role's first task "Read the backup configuration file" (see docs/configuration.md).
"""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

pytestmark = pytest.mark.config_file

PLAYBOOK = "tests/integration/playbooks/config_file.yml"
SPEC_EXAMPLE = REPO / "tests" / "unit" / "plugins" / "plugin_utils" / "data" / "backup-config.json"


def _nested(backup: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    """A minimal valid nested file: the three required sections, BackupConfiguration's three required keys."""
    document: dict[str, Any] = {
        "BackupConfiguration": {"TempDirectory": "D:\\Temp", "LocalBackupPath": "D:\\FromFile",
                                "LogDirectory": "D:\\FromFileLogs", **(backup or {})},
        "ServiceConfiguration": {},
        "MongoDBConfiguration": {},
    }
    document.update(sections)
    return document


def _write(folder: Path, document: Any, *, name: str = "backup-config.json", encoding: str = "utf-8",
           bom: bytes = b"") -> Path:
    path = folder / name
    path.write_bytes(bom + json.dumps(document, indent=2).encode(encoding))
    return path


def _read_config(fleet, tmp_path: Path, *, check: bool = False, **extra: Any) -> tuple[Any, dict[str, Any]]:
    results = tmp_path / "config_result.json"
    run = fleet.playbook(PLAYBOOK, extra={"config_file_results": str(results), **extra}, check=check)
    assert run.rc == 0, run.output
    return run, json.loads(results.read_text())


# --- the action alone -----------------------------------------------------------------------------------------------

def test_action_config_reads_the_spec_example_and_maps_every_key(fleet, tmp_path):
    run, result = _read_config(fleet, tmp_path, config_file_path=str(SPEC_EXAMPLE))
    assert result["source"] == str(SPEC_EXAMPLE)
    assert result.get("warnings", []) == []  # ansible-core 2.19+ drops an empty list from the registered result
    settings = result["settings"]
    assert settings["mode"] == "Full"
    assert settings["temp_path"] == "D:\\Temp"
    assert settings["local_path"] == "D:\\Alteryx\\Backups"
    assert settings["network_paths"] == ["\\\\backup-server\\alteryx\\", "\\\\dr-server\\alteryx-backup\\"]
    assert settings["log_path"] == "D:\\Alteryx\\BackupLogs"
    assert settings["retention_days"] == {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}
    assert settings["min_archive_bytes"] == {"Full": 1048576, "DatabaseOnly": 1048576, "ConfigOnly": 104858}
    assert settings["keys_required"] is True and settings["export_secrets"] is True
    assert settings["mongodb_type"] == "auto" and settings["mongodb_port"] == 27017
    assert settings["notify_email_enabled"] is False and settings["notify_smtp_security"] == "starttls"
    assert fleet.calls() == [], "reading the file must not call the host"


def test_action_config_reads_utf16_with_bom_as_powershell_writes_it(fleet, tmp_path):
    config = _write(tmp_path, _nested({"DefaultBackupMode": "ConfigOnly"}), encoding="utf-16-le",
                    bom=codecs.BOM_UTF16_LE)
    _, result = _read_config(fleet, tmp_path, config_file_path=str(config))
    assert result["settings"]["mode"] == "ConfigOnly"
    assert result["settings"]["local_path"] == "D:\\FromFile"


def test_action_config_refuses_a_typo_naming_the_key_path(fleet, tmp_path):
    config = _write(tmp_path, _nested({"BackupMod": "ConfigOnly", "RetentionDays": {"Full": "30"}}))
    _, result = _read_config(fleet, tmp_path, config_file_path=str(config))
    assert result["failure_class"] == "validation" and result["exit_code"] == 3
    assert "BackupConfiguration.BackupMod: unknown key (did you mean DefaultBackupMode?)" in result["msg"]
    assert 'BackupConfiguration.RetentionDays.Full: "30" is not of type integer' in result["msg"]
    assert "settings" not in result
    assert fleet.calls() == []


def test_action_config_takes_the_first_default_path_that_exists(fleet, tmp_path):
    config = _write(tmp_path, _nested({"DefaultBackupMode": "DatabaseOnly"}))
    missing = tmp_path / "nowhere" / "backup-config.json"
    _, result = _read_config(fleet, tmp_path, config_file_default_paths=[str(missing), str(config)])
    assert result["source"] == str(config)
    assert result["settings"]["mode"] == "DatabaseOnly"


def test_action_config_without_any_file_returns_no_settings(fleet, tmp_path):
    _, result = _read_config(fleet, tmp_path, config_file_default_paths=[str(tmp_path / "absent.json")])
    assert result["source"] == "" and result["settings"] == {} and not result.get("warnings")


def test_action_config_refuses_a_missing_file_given_by_path(fleet, tmp_path):
    _, result = _read_config(fleet, tmp_path, config_file_path=str(tmp_path / "absent.json"))
    assert result["failure_class"] == "validation"
    assert "was not found" in result["msg"] and "absent.json" in result["msg"]


def test_action_config_resolves_a_relative_path_below_the_working_folder(fleet, tmp_path):
    config = _write(tmp_path, _nested({"DefaultBackupMode": "ConfigOnly"}))
    _, result = _read_config(fleet, tmp_path, config_file_path=os.path.relpath(config, REPO))
    assert result["source"] == str(config)


def test_action_config_reads_the_old_flat_file_with_a_deprecation_warning(fleet, tmp_path):
    config = _write(tmp_path, {"BackupMode": "ConfigOnly", "LogPath": "D:\\L", "MinimumBackupsToKeep": 2})
    run, result = _read_config(fleet, tmp_path, config_file_path=str(config))
    assert result["settings"] == {"mode": "ConfigOnly", "log_path": "D:\\L", "min_keep": 2}
    [warning] = result["warnings"]
    assert "old flat format" in warning and "LogPath -> BackupConfiguration.LogDirectory" in warning
    assert "MinimumBackupsToKeep -> role variable alteryx_backup_min_keep" in warning
    assert "[WARNING]" in run.output and "old flat format" in run.output


def test_action_config_check_mode_reads_the_same(fleet, tmp_path):
    config = _write(tmp_path, _nested({"DefaultBackupMode": "ConfigOnly"}))
    _, normal = _read_config(fleet, tmp_path, config_file_path=str(config))
    _, checked = _read_config(fleet, tmp_path, config_file_path=str(config), check=True)
    assert checked["settings"] == normal["settings"] and checked["source"] == normal["source"]
    assert not checked["changed"]


# --- the role, with the file as its configuration --------------------------------------------------------------------

def test_role_config_file_drives_a_config_only_backup(fleet, tmp_path):
    config = _write(tmp_path, _nested({"DefaultBackupMode": "ConfigOnly"}))
    run = fleet.playbook("playbooks/backup.yml", extra={"alteryx_backup_config_file": str(config)})
    assert run.rc == 0, run.output
    drive = fleet.host() / "drives" / "D"
    archives = sorted((drive / "FromFile").glob("ServerBackup_*.zip"))
    assert [a.name.split("_")[1] for a in archives] == ["Config"]
    assert re.fullmatch(r"ServerBackup_Config_\d{8}_\d{6}\.zip", archives[0].name)
    [log] = (drive / "FromFileLogs").glob("BackupLog_ConfigOnly_*.log")
    assert "[SUCCESS]" in log.read_text().splitlines()[-1]
    assert not fleet.archives(), "nothing may land in the default folder"
    journal = fleet.journal()
    assert not [e for e in journal if str(e.get("event", "")).startswith("service_")]
    assert not [e for e in journal if "service_state" in str(e.get("call")) or "dump" in str(e.get("call"))]


def test_role_config_file_is_overridden_by_variables(fleet, tmp_path):
    config = _write(tmp_path, _nested({"DefaultBackupMode": "ConfigOnly"}))
    run = fleet.playbook("playbooks/backup.yml", extra={"alteryx_backup_config_file": str(config),
                                                        "alteryx_backup_mode": "DatabaseOnly"})
    assert run.rc == 0, run.output
    made = sorted((fleet.host() / "drives" / "D" / "FromFile").glob("ServerBackup_*.zip"))
    assert [p.name.split("_")[1] for p in made] == ["DB"]


def test_role_config_file_with_a_typo_is_refused_before_any_host_call(fleet, tmp_path):
    config = _write(tmp_path, _nested({"DefaultBackupMode": "ConfigOnly", "BackupMod": "Full"}))
    run = fleet.playbook("playbooks/backup.yml", extra={"alteryx_backup_config_file": str(config)})
    assert run.rc != 0
    assert "BackupConfiguration.BackupMod: unknown key" in run.output
    assert "validation" in run.output
    assert fleet.calls() == []
    assert not list((fleet.host() / "drives").rglob("ServerBackup_*"))


def test_role_config_default_log_folder_is_the_spec_log_directory(fleet):
    run = fleet.playbook("playbooks/backup_config.yml")
    assert run.rc == 0, run.output
    [log] = (fleet.host() / "drives" / "D" / "Alteryx" / "BackupLogs").glob("BackupLog_ConfigOnly_*.log")
    assert "[SUCCESS]" in log.read_text().splitlines()[-1]


def test_role_config_old_flat_file_still_works_with_a_warning(fleet, tmp_path):
    config = _write(tmp_path, {"BackupMode": "ConfigOnly", "LocalBackupPath": "D:\\FromFile"})
    run = fleet.playbook("playbooks/backup.yml", extra={"alteryx_backup_config_file": str(config)})
    assert run.rc == 0, run.output
    assert "old flat format" in run.output
    made = sorted((fleet.host() / "drives" / "D" / "FromFile").glob("ServerBackup_*.zip"))
    assert [p.name.split("_")[1] for p in made] == ["Config"]

"""Pure logic of the backup run: critical file plan, run plan, host log, script results."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils import _critical_files, _host, _plan, _runlog
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

DATA = Path(__file__).parent / "data"
FACTS = {
    "roles": ["controller", "worker", "ui"], "version": "2023.1.1.247", "install_dir": "C:\\Program Files\\Alteryx",
    "install_time_utc": "2025-01-01T00:00:00+00:00", "legacy_settings_present": True,
    "alteryx_config": [{"path": "C:\\Program Files\\Alteryx\\bin\\server\\config\\alteryx.config",
                        "last_write_utc": "2025-02-01T00:00:00+00:00"}],
}


def dests(plan):
    return [item["dest"] for item in plan["items"]]


def test_controller_plan_has_config_legacy_settings_and_secrets():
    plan = _critical_files.plan_items(FACTS)
    assert "Config\\alteryx.config" in dests(plan)
    assert "Config\\RuntimeSettings.22_2_legacy.xml" in dests(plan)
    assert plan["export_secrets"] is True
    assert plan["required_paths"] == ["C:\\ProgramData\\Alteryx\\RuntimeSettings.xml"]


def test_worker_plan_skips_unchanged_config_and_secrets():
    facts = {**FACTS, "roles": ["worker"], "legacy_settings_present": False,
             "alteryx_config": [{**FACTS["alteryx_config"][0], "last_write_utc": "2025-01-01T00:01:00+00:00"}]}
    plan = _critical_files.plan_items(facts)
    assert "Config\\alteryx.config" not in dests(plan)
    assert "Config\\RuntimeSettings.22_2_legacy.xml" not in dests(plan)
    assert plan["export_secrets"] is False
    assert any("unchanged since install" in note for note in plan["notes"])


@pytest.mark.parametrize(("version", "folder"), [("2019.4.8.22007", "bin\\config"), ("2020.1.3.1", "bin\\server\\config")])
def test_alteryx_config_location_follows_the_version(version, folder):
    assert _critical_files.alteryx_config_path("C:\\A", version) == f"C:\\A\\{folder}\\alteryx.config"


def test_keys_can_be_required():
    plan = _critical_files.plan_items(FACTS, keys_required=True)
    assert "C:\\ProgramData\\Alteryx\\Keys" in plan["required_paths"]


def test_run_plan_names_everything_and_isolates_hosts_on_shares():
    plan = _plan.plan_run(mode="db", when=datetime(2026, 11, 25, 13, 5, 1), local_dir="D:\\Backups\\",
                          network_paths=["\\\\fs\\share"], log_dir="", host_folder="ctrl1", min_bytes={"DB": 10})
    assert plan["mode"] == "DatabaseOnly"
    assert plan["archive_name"] == "ServerBackup_DB_20261125_130501.zip"
    assert plan["staging_path"].startswith("D:\\Backups\\ServerBackup_DB_20261125_130501")
    assert plan["dump_path"] == plan["staging_path"] + "\\MongoDB"
    assert plan["log_path"] == "D:\\Backups\\Logs\\BackupLog_DatabaseOnly_20261125_130501.log"
    assert plan["destinations"] == ["\\\\fs\\share\\ctrl1"]
    assert plan["stops_service"] and plan["includes_dump"] and not plan["includes_files"]
    assert plan["min_bytes"] == 10
    name = "ServerBackup_DB_20261125_130501.zip"
    assert plan["archive_paths"] == [f"{folder}\\{name}{suffix}" for folder in ("D:\\Backups", "\\\\fs\\share\\ctrl1")
                                     for suffix in ("", ".sha256", ".manifest.json")]


def test_config_only_plan_never_stops_the_service():
    plan = _plan.plan_run(mode="ConfigOnly", when=datetime(2026, 1, 1), local_dir="D:\\B", network_paths=[],
                          log_dir="D:\\L", host_folder="h")
    assert not plan["stops_service"] and plan["dump_path"] == ""


def test_invalid_mode_is_refused():
    with pytest.raises(AlteryxStepError) as info:
        _plan.plan_run(mode="Everything", when=datetime(2026, 1, 1), local_dir="D:\\B", network_paths=[],
                       log_dir="", host_folder="h")
    assert info.value.failure_class == "invalid_mode"


def test_log_renders_levels_and_time_format():
    when = datetime(2026, 11, 25, 13, 5, 1)
    steps = [{"log": [_runlog.entry("INFO", "one", when)]}, {}, {"log": [_runlog.entry("WARNING", "two", when)]}, "x"]
    assert _runlog.render(_runlog.collect(steps)) == (
        "2026-11-25 13:05:01 [INFO] one\n2026-11-25 13:05:01 [WARNING] two\n")
    with pytest.raises(ValueError):
        _runlog.entry("LOUD", "no")


def test_script_failure_carries_class_message_and_partial_result():
    reply = json.loads((DATA / "win_powershell_failed_reply.json").read_text())
    with pytest.raises(AlteryxStepError) as info:
        _host._script_result("alteryx_archive", reply)
    assert info.value.failure_class == "storage"
    assert "failed after 3 attempts" in info.value.msg
    assert info.value.result["attempts_log"]


def test_unhandled_exception_becomes_a_general_failure_with_its_message():
    reply = json.loads((DATA / "win_powershell_exception_reply.json").read_text())
    with pytest.raises(AlteryxStepError) as info:
        _host._script_result("alteryx_preflight", reply)
    assert info.value.failure_class == "general"
    assert "is denied" in info.value.msg


def test_every_host_script_exists_and_is_readable():
    for name in ("alteryx_facts", "alteryx_preflight", "alteryx_dump_window", "alteryx_stage_files",
                 "alteryx_write_file", "alteryx_archive", "alteryx_retention", "alteryx_service_state",
                 "alteryx_finalize"):
        assert _host.script_text(name).startswith(f"# alteryx.server: {name}\n")


def test_without_repeats_keeps_the_first_of_each_level_and_message():
    entries = [_runlog.entry("ERROR", "boom"), _runlog.entry("INFO", "boom"), _runlog.entry("ERROR", "boom")]
    assert [(e["level"], e["message"]) for e in _runlog.without_repeats(entries)] == [("ERROR", "boom"), ("INFO", "boom")]


def test_configuration_summary_names_mode_folders_and_waits():
    plan = _plan.plan_run(mode="Full", when=datetime(2026, 1, 1), local_dir="D:\\B", network_paths=["\\\\fs\\s"],
                          log_dir="D:\\L", host_folder="h", temp_dir="D:\\T")
    text = _plan.configuration_summary(plan, {"retention_days": {"Full": 30}, "max_service_wait": 60})
    assert text.startswith("Configuration: Full backup") and "staging D:\\T\\" in text
    assert "\\\\fs\\s\\h" in text and "Full 30 d" in text and "service 60 s" in text

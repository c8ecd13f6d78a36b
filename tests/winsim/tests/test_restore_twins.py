"""alteryx_restore_check.ps1 and alteryx_restore_config.ps1 through the win_powershell fake: their failure paths."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text
from winsim_engine import argspec, fakes
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host

BACKUPS = "D:\\Alteryx\\Backups"
ARCHIVE = BACKUPS + "\\ServerBackup_Config_20240131_020000.zip"
TARGET = "C:\\ProgramData\\Alteryx\\Engine\\SystemAlias.xml"


@pytest.fixture
def sim(tmp_path) -> Host:
    inventory = new_fleet(tmp_path / "fleet")
    return Host(inventory.parent / "hosts" / "controller")


def call(host: Host, name: str, **parameters: Any) -> dict:
    module_args = {"script": script_text(name), "parameters": parameters, "depth": RESULT_DEPTH}
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params,
                                                            fakes.Context(host=host, check_mode=False, key="t"))


def _archive(host: Host, path: str = ARCHIVE, entries: dict[str, bytes] | None = None) -> None:
    local = host.local_path(path)
    local.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(local, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (entries or {"BackupManifest.json": b"{}", "Config/Engine/SystemAlias.xml": b"<a/>"}).items():
            zf.writestr(name, data)


def test_check_picks_the_newest_archive_by_name(sim: Host) -> None:
    _archive(sim)
    _archive(sim, BACKUPS + "\\ServerBackup_Config_20240201_020000.zip")
    _archive(sim, BACKUPS + "\\ServerBackup_Config_20240301_020000.zip.partial")
    reply = call(sim, "alteryx_restore_check", Archive="", BackupPath=BACKUPS)
    assert reply["failed"] is False and reply["changed"] is False
    assert reply["result"]["archive"] == BACKUPS + "\\ServerBackup_Config_20240201_020000.zip"
    assert reply["result"]["manifest"] == "{}" and reply["result"]["sidecar"] is None
    assert [e["name"] for e in reply["result"]["entries"]] == ["BackupManifest.json", "Config/Engine/SystemAlias.xml"]


def test_check_fails_when_no_archive_is_there(sim: Host) -> None:
    sim.local_path(BACKUPS).mkdir(parents=True, exist_ok=True)
    reply = call(sim, "alteryx_restore_check", Archive="", BackupPath=BACKUPS)
    assert reply["failed"] is True
    assert reply["result"]["failure_class"] == "validation"
    assert "No ServerBackup_(Full|DB|Config)_*.zip archive in D:\\Alteryx\\Backups" in reply["result"]["message"]


def test_check_fails_on_a_file_that_is_no_zip(sim: Host) -> None:
    local = sim.local_path(ARCHIVE)
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(b"not a zip at all")
    reply = call(sim, "alteryx_restore_check", Archive=ARCHIVE, BackupPath="")
    assert reply["failed"] is True and reply["result"]["failure_class"] == "validation"
    assert reply["result"]["archive_sha256"]  # hashed before the zip was opened


def test_config_refuses_an_entry_missing_from_the_archive_before_writing(sim: Host) -> None:
    _archive(sim)
    before = sim.local_path(TARGET).read_bytes()
    reply = call(sim, "alteryx_restore_config", Archive=ARCHIVE, RunId="r1",
                 Files=[{"entry": "Config/Engine/SystemAlias.xml", "path": TARGET},
                        {"entry": "Config/Keys/alteryx.key", "path": "C:\\ProgramData\\Alteryx\\Keys\\alteryx.key"}])
    assert reply["failed"] is True and reply["changed"] is False
    assert reply["result"]["failure_class"] == "validation" and reply["result"]["files"] == []
    assert sim.local_path(TARGET).read_bytes() == before
    assert not sim.local_path(TARGET + ".pre-restore-r1").exists()


def test_config_never_overwrites_an_earlier_safety_copy(sim: Host) -> None:
    _archive(sim)
    sim.local_path(TARGET + ".pre-restore-r1").write_bytes(b"older")
    before = sim.local_path(TARGET).read_bytes()
    reply = call(sim, "alteryx_restore_config", Archive=ARCHIVE, RunId="r1",
                 Files=[{"entry": "Config/Engine/SystemAlias.xml", "path": TARGET}])
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert "already exists" in reply["result"]["message"]
    assert sim.local_path(TARGET + ".pre-restore-r1").read_bytes() == b"older"
    assert sim.local_path(TARGET).read_bytes() == before


def test_config_writes_back_and_keeps_the_previous_file(sim: Host) -> None:
    _archive(sim)
    before = sim.local_path(TARGET).read_bytes()
    reply = call(sim, "alteryx_restore_config", Archive=ARCHIVE, RunId="r1",
                 Files=[{"entry": "Config/Engine/SystemAlias.xml", "path": TARGET}])
    assert reply["failed"] is False and reply["changed"] is True
    [written] = reply["result"]["files"]
    assert written["safety_copy"] == TARGET + ".pre-restore-r1" and written["size"] == 4
    assert sim.local_path(TARGET).read_bytes() == b"<a/>"
    assert sim.local_path(TARGET + ".pre-restore-r1").read_bytes() == before

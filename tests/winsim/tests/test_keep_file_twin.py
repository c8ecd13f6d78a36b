"""alteryx_keep_file.ps1 through the win_powershell fake: copy a failed dump's log out of the staging folder."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text
from winsim_engine import argspec, fakes
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host

SCRIPT = script_text("alteryx_keep_file")
SOURCE = "D:\\Temp\\run.staging\\MongoDB\\mongoDump.log"
KEPT = "D:\\Alteryx\\BackupLogs\\BackupLog_Full_1.mongoDump.log"


@pytest.fixture
def sim(tmp_path) -> Host:
    inventory = new_fleet(tmp_path / "fleet")
    return Host(inventory.parent / "hosts" / "controller")


def keep(host: Host, check_mode: bool = False, **parameters: Any) -> dict:
    module_args = {"script": SCRIPT, "parameters": parameters, "depth": RESULT_DEPTH}
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params,
                                                            fakes.Context(host=host, check_mode=check_mode, key="t"))


def _source(host: Host, text: bytes = b"2024\tFailed: disk full\n") -> None:
    local = host.local_path(SOURCE)
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(text)


def test_copies_the_log_creating_the_folder(sim: Host) -> None:
    _source(sim)
    reply = keep(sim, Source=SOURCE, Destination=KEPT)
    assert reply["failed"] is False and reply["changed"] is True
    assert reply["result"] == {"source": SOURCE, "path": KEPT, "kept": True, "size": 23}
    assert sim.local_path(KEPT).read_bytes() == sim.local_path(SOURCE).read_bytes()


def test_a_missing_source_keeps_nothing_and_changes_nothing(sim: Host) -> None:
    reply = keep(sim, Source=SOURCE, Destination=KEPT)
    assert reply["failed"] is False and reply["changed"] is False
    assert reply["result"]["kept"] is False and reply["result"]["size"] == 0
    assert not sim.local_path("D:\\Alteryx\\BackupLogs").exists()


def test_a_read_only_target_fails_with_storage(sim: Host) -> None:
    _source(sim)
    sim.local_path(KEPT).parent.mkdir(parents=True)
    sim.local_path(KEPT).write_text("old")
    sim.set_attributes(KEPT, ["ReadOnly"])
    reply = keep(sim, Source=SOURCE, Destination=KEPT)
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert reply["result"]["message"] == f"Cannot copy {SOURCE} to {KEPT} : Access to the path '{KEPT}' is denied."
    assert reply["result"]["kept"] is False and sim.local_path(KEPT).read_text() == "old"


def test_a_full_disk_fails_with_storage(sim: Host) -> None:
    _source(sim)
    with sim.locked_state() as state:
        state["disks"]["D"]["full"] = True
    reply = keep(sim, Source=SOURCE, Destination=KEPT)
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert "There is not enough space on the disk." in reply["result"]["message"]


def test_an_empty_source_fails_parameter_binding_inside_the_try(sim: Host) -> None:
    reply = keep(sim, Source="", Destination=KEPT)
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"
    assert "because it is an empty string" in reply["result"]["message"]


def test_check_mode_skips_the_script(sim: Host) -> None:
    _source(sim)
    reply = keep(sim, check_mode=True, Source=SOURCE, Destination=KEPT)
    assert reply["msg"] == "skipped, running in check mode" and not sim.local_path(KEPT).exists()

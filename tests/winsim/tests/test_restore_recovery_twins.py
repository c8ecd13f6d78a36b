"""alteryx_restore_rename.ps1 and alteryx_restore_secret.ps1 through the win_powershell fake: byte-preserving rename,
its refusals, and setserversecret refused while the service runs (the role sets the token stopped)."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.action.alteryx_restore_secret import _REFUSED
from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text
from ansible_collections.alteryx.server.plugins.plugin_utils._host_rename import element_names
from winsim_engine import alteryx, argspec, fakes
from winsim_engine.fleet import encode_settings, new_fleet
from winsim_engine.host import Host

SETTINGS = "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml"
ARCHIVE = "D:\\Alteryx\\Backups\\ServerBackup_Full_20240131_020000.zip"
EXE = "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"
SECTIONS = {
    "Controller": {"ControllerEnabled": "True", "ServerSecretEncrypted": "AQAA-old01-secret"},
    "Gallery": {"BaseAddress": "https://old01.corp.example/gallery/", "SmtpServer": "old01"},
    "Worker": {"ServerName": ""},
}


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


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-bom"])
def test_rename_reads_then_rewrites_only_the_element_text(sim: Host, encoding: str) -> None:
    original = encode_settings(SECTIONS, encoding)
    sim.local_path(SETTINGS).write_bytes(original)
    read = call(sim, "alteryx_restore_rename", Phase="read", Path=SETTINGS, Names=element_names(), Find="old01")
    assert read["failed"] is False and read["changed"] is False
    values = {v["name"]: v["value"] for v in read["result"]["values"]}
    assert values["Gallery/BaseAddress"] == "https://old01.corp.example/gallery/"
    assert values["Worker/ServerName"] is None and values["Controller/MongoDBServerName"] is None
    # Names of secret-bearing elements are never reported, even when their text holds the host name.
    assert sorted(read["result"]["mentions"]) == ["BaseAddress", "SmtpServer"]
    edit = {"name": "Gallery/BaseAddress", "old": "https://old01.corp.example/gallery/",
            "new": "https://dr01.corp.example/gallery/"}
    written = call(sim, "alteryx_restore_rename", Phase="write", Path=SETTINGS, Edits=[edit])
    assert written["failed"] is False and written["changed"] is True
    expected = encode_settings({**SECTIONS, "Gallery": {**SECTIONS["Gallery"], "BaseAddress": edit["new"]}}, encoding)
    assert sim.local_path(SETTINGS).read_bytes() == expected
    assert not sim.local_path(SETTINGS + ".tmp").exists()


def test_rename_writes_nothing_when_the_text_changed_since_it_was_read(sim: Host) -> None:
    original = encode_settings(SECTIONS, "utf-8-bom")
    sim.local_path(SETTINGS).write_bytes(original)
    edit = {"name": "Gallery/BaseAddress", "old": "http://someone-else/gallery/", "new": "http://dr01/gallery/"}
    reply = call(sim, "alteryx_restore_rename", Phase="write", Path=SETTINGS, Edits=[edit])
    assert reply["failed"] is True and reply["changed"] is False
    assert reply["result"]["failure_class"] == "validation"
    assert "is not what was read a moment ago" in reply["result"]["message"]
    assert sim.local_path(SETTINGS).read_bytes() == original


def test_rename_of_a_missing_settings_file_is_a_storage_failure(sim: Host) -> None:
    sim.local_path(SETTINGS).unlink()
    reply = call(sim, "alteryx_restore_rename", Phase="read", Path=SETTINGS, Names=element_names(), Find="old01")
    assert reply["failed"] is True and reply["result"]["failure_class"] == "storage"


def test_setserversecret_is_refused_while_the_service_runs(sim: Host) -> None:
    local = sim.local_path(ARCHIVE)
    local.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(local, "w") as zf:
        zf.writestr("Secrets/ControllerToken.txt", "B" * 64)
    before = sim.state()["secrets"]["server_secret"]
    running = call(sim, "alteryx_restore_secret", Phase="set", Archive=ARCHIVE,
                   Entry="Secrets/ControllerToken.txt", ExePath=EXE)
    # The program says so with exit code 0: the action judges its output (and fails the task).
    assert running["failed"] is False and running["result"]["exit_code"] == 0
    assert _REFUSED.search(running["result"]["stdout"]), running["result"]["stdout"]
    assert sim.state()["secrets"]["server_secret"] == before
    alteryx.set_service_state(sim, "AlteryxService", "stopped")
    stopped = call(sim, "alteryx_restore_secret", Phase="set", Archive=ARCHIVE,
                   Entry="Secrets/ControllerToken.txt", ExePath=EXE)
    assert stopped["failed"] is False and not _REFUSED.search(stopped["result"]["stdout"])
    assert sim.state()["secrets"]["server_secret"] == "B" * 64

"""winsim is as strict as Windows: the SCM's rules, Stop-Process, AlteryxService.exe's two streams and
what Windows PowerShell 5.1 does with files (attributes, Resolve-Path, Split-Path, Move-Item, encodings)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from winsim_engine import alteryx, fakes, fleet
from winsim_engine.host import Host, WinError

KEYS = "C:\\ProgramData\\Alteryx\\Keys"
OVERRIDE = "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml"


def configure(host: Host, **fields) -> None:
    """Change the AlteryxService record (delays, hangs, crashes, state)."""
    with host.locked_state() as state:
        state["services"][alteryx.SERVICE].update(fields)


def events(host: Host, name: str) -> list[dict]:
    lines = (host.root / "journal.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("event") == name]


def stop_now(host: Host) -> None:
    alteryx.stop_service(host, alteryx.SERVICE)
    alteryx.wait_for_status(host, alteryx.SERVICE, "stopped", 5)


# ------------------------------------------------------------------ services
def test_pending_state_persists_after_the_wait_timed_out(host):
    configure(host, stop_delay=1.0)
    alteryx.stop_service(host, "alteryxservice")
    with pytest.raises(alteryx.ServiceTimeout) as caught:
        alteryx.wait_for_status(host, alteryx.SERVICE, "stopped", 0.3)
    assert str(caught.value) == "Time out has expired and the operation has not been completed."
    assert caught.value.status == "stop_pending"
    # Another process (a new Host object, as the next module call is) still sees the transition.
    later = Host(host.root)
    assert alteryx.service_status(later, alteryx.SERVICE) == "stop_pending"
    assert alteryx.service(later)["state"] == "stop_pending"
    time.sleep(0.8)
    assert alteryx.service_status(later, alteryx.SERVICE) == "stopped"
    [pending] = events(host, "service_stop_pending")
    [stopped] = events(host, "service_stopped")
    assert abs(stopped["t"] - pending["t"] - 1.0) < 0.01  # journalled at the time it happened


def test_start_and_stop_follow_the_scm_rules(host):
    with pytest.raises(alteryx.ServiceOperationError) as caught:
        alteryx.start_service(host, alteryx.SERVICE)
    assert str(caught.value) == "Cannot start service AlteryxService on computer '.'."
    assert caught.value.native_error_code == 1056
    assert caught.value.inner_message == "An instance of the service is already running."
    configure(host, start_delay=1.0, stop_delay=0.1)
    stop_now(host)
    with pytest.raises(alteryx.ServiceOperationError) as caught:
        alteryx.stop_service(host, alteryx.SERVICE)
    assert str(caught.value) == "Cannot stop AlteryxService service on computer '.'."
    assert caught.value.native_error_code == 1062
    alteryx.start_service(host, alteryx.SERVICE)
    assert alteryx.service_status(host, alteryx.SERVICE) == "start_pending"
    with pytest.raises(alteryx.ServiceOperationError, match=r"^Cannot start service AlteryxService on computer '\.'\.$"):
        alteryx.start_service(host, alteryx.SERVICE)  # no Start from a pending state
    with pytest.raises(alteryx.ServiceOperationError) as caught:
        alteryx.stop_service(host, alteryx.SERVICE)
    assert caught.value.native_error_code == 1061
    alteryx.wait_for_status(host, alteryx.SERVICE, "running", 3)
    with pytest.raises(alteryx.ServiceOperationError, match="^Service Nope was not found on computer '.'.$"):
        alteryx.service_status(host, "Nope")


def test_a_service_that_crashes_while_starting_costs_the_full_timeout(host):
    stop_now(host)
    configure(host, start_delay=0.1, crash_on_start=True)
    alteryx.start_service(host, alteryx.SERVICE)
    started = time.monotonic()
    with pytest.raises(alteryx.ServiceTimeout) as caught:
        alteryx.wait_for_status(host, alteryx.SERVICE, "running", 1.0)
    assert time.monotonic() - started >= 1.0
    assert caught.value.status == "stopped"
    assert events(host, "service_stopped")[-1]["cause"] == "crashed while starting"


def test_crash_count_then_a_good_start_and_a_hung_start(host):
    stop_now(host)
    configure(host, start_delay=0.1, crash_on_start=1)
    alteryx.start_service(host, alteryx.SERVICE)
    time.sleep(0.2)
    assert alteryx.service_status(host, alteryx.SERVICE) == "stopped"
    alteryx.start_service(host, alteryx.SERVICE)
    alteryx.wait_for_status(host, alteryx.SERVICE, "running", 2)
    stop_now(host)
    configure(host, hang_start=True)
    alteryx.start_service(host, alteryx.SERVICE)
    time.sleep(0.3)
    assert alteryx.service_status(host, alteryx.SERVICE) == "start_pending"


def test_the_old_set_service_state_keeps_working(host):
    assert alteryx.set_service_state(host, alteryx.SERVICE, "stopped")["state"] == "stopped"
    assert alteryx.set_service_state(host, alteryx.SERVICE, "running", timeout=5)["state"] == "running"
    configure(host, hang_stop=True)
    with pytest.raises(WinError, match=r"did not reach state stopped within 1 seconds \(it is stop_pending\)"):
        alteryx.set_service_state(host, alteryx.SERVICE, "stopped", timeout=1)
    # The lenient helper may start from a pending state; the SCM primitives may not.
    configure(host, hang_stop=False)
    assert alteryx.set_service_state(host, alteryx.SERVICE, "running", timeout=5)["state"] == "running"


def _win_service(host: Host, **args) -> dict:
    return fakes.REGISTRY["ansible.windows.win_service"](host, {"name": alteryx.SERVICE, **args},
                                                        fakes.Context(host=host, key="ansible.windows.win_service"))


def test_win_service_uses_the_cmdlets_rules(host):
    configure(host, start_delay=0.6)
    assert _win_service(host, state="stopped")["changed"] is True
    result = _win_service(host, state="started")
    assert result["changed"] and result["state"] == "started"
    stop_now(host)
    alteryx.start_service(host, alteryx.SERVICE)
    with pytest.raises(WinError) as caught:  # Stop-Service of a starting service: ControlService refuses
        _win_service(host, state="stopped")
    assert str(caught.value) == ("Service 'AlteryxService (AlteryxService)' cannot be stopped due to the following "
                                 "error: Cannot stop AlteryxService service on computer '.'.")
    alteryx.wait_for_status(host, alteryx.SERVICE, "running", 3)
    stop_now(host)
    configure(host, start_delay=0.1, crash_on_start=True)
    with pytest.raises(WinError, match=r"^Failed to start service 'AlteryxService \(AlteryxService\)'\.$"):
        _win_service(host, state="started")


# ----------------------------------------------------------------- processes
def test_processes_have_unique_stable_pids(host):
    ends = time.time() + 60
    with host.locked_state() as state:
        state["processes"] = [{"name": "AlteryxEngineCmd.exe", "pid": 4242, "ends_at": ends},
                              {"name": "AlteryxEngineCmd.exe", "pid": 4242, "ends_at": ends},
                              {"name": "AlteryxEngineCmd.exe", "ends_at": ends},
                              {"name": "AlteryxEngineCmd.exe", "pid": 1100, "ends_at": ends}]
    first = alteryx.running_processes(host)
    pids = [p["pid"] for p in first]
    # Four workflows, and AlteryxService.exe, AlteryxServerHost.exe (UI role), mongod.exe (embedded).
    assert len(pids) == len(set(pids)) == 7
    assert {p["pid"] for p in first if p["name"] != "AlteryxEngineCmd.exe"} == {1100, 1200, 1300}
    assert alteryx.running_processes(host) == first


def test_stop_process_on_a_process_that_already_exited(host):
    now = time.time()
    with host.locked_state() as state:
        state["processes"] = [{"name": "AlteryxEngineCmd.exe", "pid": 5004, "ends_at": now + 0.5},
                              {"name": "AlteryxEngineCmd.exe", "pid": 5008, "ends_at": now + 60}]
    listed = alteryx.running_processes(host, alteryx.ENGINE_PROCESS)
    assert [p["pid"] for p in listed] == [5004, 5008]
    time.sleep(0.6)
    with pytest.raises(WinError, match=r"^Cannot find a process with the process identifier 5004\.$"):
        alteryx.stop_process(host, 5004)
    assert alteryx.stop_process(host, 5004, error_action="SilentlyContinue") is False
    assert alteryx.stop_process(host, 5004, error_action="Ignore") is False
    assert alteryx.stop_process(host, 5008) is True
    assert alteryx.running_processes(host, alteryx.ENGINE_PROCESS) == []
    assert alteryx.stop_process(host, 1100) is True  # AlteryxService.exe: the service dies with it
    assert alteryx.service_status(host, alteryx.SERVICE) == "stopped"


# -------------------------------------------------------- AlteryxService.exe
def test_emongodump_logs_to_stderr_and_summarises_on_stdout(host):
    stop_now(host)
    result = alteryx.run_service_exe(host, "emongodump=D:\\dump")
    assert result.rc == 0
    assert result.stdout == "Starting embedded MongoDB dump to D:\\dump\nEMongoDump completed."
    lines = result.stderr.splitlines()
    assert any("\twriting AlteryxGallery.users to D:\\dump\\AlteryxGallery\\users.bson" in line for line in lines)
    assert any("\tdone dumping AlteryxService.AS_Queue (" in line for line in lines)
    assert all("\t" in line for line in lines)
    assert (host.local_path("D:\\dump") / "mongoDump.log").read_text() == result.stderr
    assert alteryx.run_service_exe(host, "getversion").stderr == ""
    rc, stdout = alteryx.service_exe(host, "emongodump=D:\\dump2")
    assert (rc, stdout) == (0, "Starting embedded MongoDB dump to D:\\dump2\nEMongoDump completed.")
    failed = alteryx.run_service_exe(host, "emongodump=D:\\missing\\dump")
    assert failed.rc == 0 and failed.stdout.startswith("Mongodump failed: 1") and "\tFailed: " in failed.stderr


def test_emongodump_failure_on_a_full_disk_goes_to_both_streams(host):
    stop_now(host)
    with host.locked_state() as state:
        state["disks"]["D"]["full"] = True
    result = alteryx.run_service_exe(host, "emongodump=D:\\dump")
    assert result.stdout == "Mongodump failed: 14"
    assert "\tFailed: error writing data: There is not enough space on the disk." in result.stderr


# ---------------------------------------------------------------- filesystem
def test_hidden_files_need_force(host):
    assert host.attributes(KEYS + "\\recovery.key") == {"Hidden"}
    names = [p.name for p in host.get_child_items(KEYS)]
    assert names == ["alteryx.key"]
    assert [p.name for p in host.get_child_items(KEYS, force=True)] == ["alteryx.key", "recovery.key"]
    tree = host.get_child_items("C:\\ProgramData\\Alteryx", recurse=True, files_only=True)
    assert "alteryx.key" in [p.name for p in tree] and "recovery.key" not in [p.name for p in tree]
    with pytest.raises(WinError, match=r"^Could not find item C:\\ProgramData\\Alteryx\\Keys\\recovery\.key\.$"):
        host.get_child_items(KEYS + "\\recovery.key")
    assert "ProgramData" not in [p.name for p in host.get_child_items("C:\\")]  # hidden on every Windows
    assert "ProgramData" in [p.name for p in host.get_child_items("C:\\", force=True)]


def test_hidden_folders_are_not_descended_and_attributes_belong_to_a_file(host):
    folder = host.local_path("D:\\tree\\secret")
    folder.mkdir(parents=True)
    (folder / "inside.txt").write_text("x")
    (folder.parent / "visible.txt").write_text("x")
    (folder.parent / "system.txt").write_text("x")
    host.set_attributes("D:\\TREE\\SECRET", ["hidden"])
    host.set_attributes("D:\\tree\\system.txt", ["System"])  # System alone does not hide an item
    assert [p.name for p in host.get_child_items("D:\\tree", recurse=True)] == ["system.txt", "visible.txt"]
    assert [p.name for p in host.get_child_items("D:\\tree", recurse=True, force=True)] == [
        "secret", "system.txt", "visible.txt", "inside.txt"]
    assert [p.name for p in host.get_child_items("D:\\tree\\secret")] == ["inside.txt"]  # listing it directly works
    with pytest.raises(WinError, match="does not exist"):
        host.set_attributes("D:\\nothing", ["Hidden"])
    with pytest.raises(WinError, match=r"^Cannot find path 'D:\\nothing' because it does not exist\.$"):
        host.get_child_items("D:\\nothing")
    # A file deleted and written again is a new file: it does not inherit the old one's flags.
    host.set_attributes("D:\\tree\\visible.txt", ["Hidden", "ReadOnly"])
    assert host.attributes("D:\\tree\\visible.txt") == {"Hidden", "ReadOnly"}
    (folder.parent / "visible.txt").unlink()
    (folder.parent / "visible.txt").write_text("new")
    assert host.attributes("D:\\tree\\visible.txt") == set()


def test_resolve_path_and_split_path_qualifier(host):
    assert host.resolve_path_text("c:\\programdata\\ALTERYX") == "C:\\programdata\\ALTERYX"
    assert host.resolve_path_text("C:/ProgramData/Alteryx/./Keys/../Engine/") == "C:\\ProgramData\\Alteryx\\Engine"
    assert host.resolve_path_text("\\\\fileserver\\backups") == "Microsoft.PowerShell.Core\\FileSystem::\\\\fileserver\\backups"
    host.local_path("\\\\fileserver\\backups\\controller").mkdir()
    assert host.resolve_path_text("\\\\FileServer\\Backups\\controller") == (
        "Microsoft.PowerShell.Core\\FileSystem::\\\\FileServer\\Backups\\controller")
    with pytest.raises(WinError, match=r"^Cannot find path 'D:\\nope' because it does not exist\.$"):
        host.resolve_path_text("D:\\nope")
    with pytest.raises(WinError, match=r"^Cannot find path '\\\\fileserver\\nothing' because it does not exist\.$"):
        host.resolve_path_text("\\\\fileserver\\nothing")
    assert host.split_path_qualifier("D:\\Backups\\x.zip") == "D:"
    assert host.split_path_qualifier("Microsoft.PowerShell.Core\\FileSystem::\\\\fileserver\\backups") == (
        "Microsoft.PowerShell.Core\\FileSystem::")
    with pytest.raises(WinError) as caught:
        host.split_path_qualifier("\\\\fileserver\\backups\\x.zip")
    assert str(caught.value) == ("Cannot parse path because path '\\\\fileserver\\backups\\x.zip' does not have a "
                                 "qualifier specified.")


def test_move_item_onto_an_existing_file(host):
    host.write_bytes(host.local_path("D:\\out\\a.zip.partial"), b"new")
    host.write_bytes(host.local_path("D:\\out\\a.zip"), b"old")
    with pytest.raises(WinError, match=r"^Cannot create a file when that file already exists\.$"):
        host.move_item("D:\\out\\a.zip.partial", "D:\\out\\a.zip")
    host.set_attributes("D:\\out\\a.zip.partial", ["Hidden"])
    moved = host.move_item("D:\\out\\a.zip.partial", "D:\\OUT\\a.zip", force=True)
    assert moved.read_bytes() == b"new" and not host.local_path("D:\\out\\a.zip.partial").exists()
    assert host.attributes("D:\\out\\a.zip") == {"Hidden"}  # the attributes travel with the file
    assert host.move_item("D:\\out\\a.zip", "C:\\Windows\\Temp").name == "a.zip"  # into a folder, across volumes
    assert host.local_path("C:\\Windows\\Temp\\a.zip").read_bytes() == b"new"
    assert host.attributes("C:\\Windows\\Temp\\a.zip") == {"Hidden"}
    host.local_path("D:\\folder").mkdir()
    with pytest.raises(WinError, match="Move will not work across volumes"):
        host.move_item("D:\\folder", "C:\\folder")
    with pytest.raises(WinError, match="because it does not exist"):
        host.move_item("D:\\none", "D:\\other")


@pytest.mark.parametrize(("data", "text"), [
    (b"\xef\xbb\xbfcaf\xc3\xa9\r\n", "café\r\n"),
    (b"\xff\xfe" + "café\r\n".encode("utf-16-le"), "café\r\n"),
    (b"\xfe\xff" + "café\r\n".encode("utf-16-be"), "café\r\n"),
    (b"\xff\xfe\x00\x00" + "café".encode("utf-32-le"), "café"),
    (b"\x00\x00\xfe\xff" + "café".encode("utf-32-be"), "café"),
    (b"caf\xc3\xa9", "café"),
    (b"caf\xe9", "caf\ufffd"),  # ANSI bytes read as UTF-8: the é is lost
])
def test_read_all_text_detects_the_bom_else_utf8(host, data, text):
    host.write_bytes(host.local_path("D:\\t.txt"), data)
    assert host.read_all_text("D:\\t.txt") == text


@pytest.mark.parametrize(("data", "text"), [
    (b"caf\xc3\xa9", "cafÃ©"),  # UTF-8 without BOM is read as ANSI by 5.1
    (b"caf\xe9 \x81", "café \x81"),
    (b"\xef\xbb\xbfcaf\xc3\xa9", "café"),
    (b"\xff\xfe" + "café".encode("utf-16-le"), "café"),
    (b"", None),  # Get-Content -Raw of an empty file is $null
])
def test_get_content_raw_is_ansi_without_a_bom(host, data, text):
    host.write_bytes(host.local_path("D:\\t.txt"), data)
    assert host.get_content_raw("D:\\t.txt") == text


def test_set_content_writes_ansi_with_crlf_and_round_trips(host):
    host.set_content("D:\\lock.json", "{\"who\": \"café\"}")
    local = host.local_path("D:\\lock.json")
    assert local.read_bytes() == b"{\"who\": \"caf\xe9\"}\r\n"
    assert host.get_content_raw("D:\\lock.json") == "{\"who\": \"café\"}\r\n"
    assert host.read_all_text("D:\\lock.json") == "{\"who\": \"caf\ufffd\"}\r\n"
    host.set_content("D:\\lossy.txt", ["Ā中😀", "line2"])
    assert host.local_path("D:\\lossy.txt").read_bytes() == b"A???\r\nline2\r\n"
    host.set_content("D:\\utf8.txt", "é", encoding="UTF8")
    assert host.local_path("D:\\utf8.txt").read_bytes() == b"\xef\xbb\xbf\xc3\xa9\r\n"
    with pytest.raises(WinError, match=r"^Could not find a part of the path 'D:\\no\\x\.txt'\.$"):
        host.set_content("D:\\no\\x.txt", "x")


def test_out_file_writes_utf16_with_a_bom(host):
    host.out_file("D:\\out.txt", "café 中")
    assert host.local_path("D:\\out.txt").read_bytes() == b"\xff\xfe" + "café 中\r\n".encode("utf-16-le")
    assert host.read_all_text("D:\\out.txt") == "café 中\r\n"
    assert host.get_content_raw("D:\\out.txt") == "café 中\r\n"


def test_writing_a_hidden_or_read_only_file_needs_force(host):
    host.set_content("D:\\h.txt", "one")
    host.set_attributes("D:\\h.txt", ["Hidden"])
    with pytest.raises(WinError, match=r"^Access to the path 'D:\\h\.txt' is denied\.$"):
        host.set_content("D:\\h.txt", "two")
    with pytest.raises(WinError, match="is denied"):
        host.out_file("D:\\h.txt", "two")
    host.set_content("D:\\h.txt", "two", force=True)
    assert host.get_content_raw("D:\\h.txt") == "two\r\n" and host.attributes("D:\\h.txt") == {"Hidden"}


# --------------------------------------------------------------------- fleet
@pytest.mark.parametrize(("encoding", "head"), [
    ("utf-8-bom", b"\xef\xbb\xbf<?xml"), ("utf-16", b"\xff\xfe<\x00?\x00"), ("utf-8", b"<?xml"), ("ansi", b"<?xml"),
])
def test_fleet_writes_the_override_settings_in_the_chosen_encoding(tmp_path: Path, encoding, head):
    inventory = fleet.new_fleet(tmp_path / "f", settings_encoding=encoding)
    host = Host(inventory.parent / "hosts" / "controller")
    raw = host.local_path(OVERRIDE).read_bytes()
    assert raw.startswith(head)
    text = host.read_all_text(OVERRIDE)
    assert "<SystemSettings>\r\n" in text
    if encoding == "ansi":
        assert "Journal d\ufffd" in text  # ReadAllText loses it; 5.1's Get-Content keeps it
        assert fleet.NON_ASCII_LOG_PATH in host.get_content_raw(OVERRIDE)
    else:
        assert fleet.NON_ASCII_LOG_PATH in text
    if encoding == "utf-16":
        assert 'encoding="utf-16"' in text


def test_fleet_defaults_and_cli(tmp_path: Path, capsys):
    assert fleet.DEFAULT_SETTINGS_ENCODING == "utf-8-bom"
    assert fleet.cli(["new", str(tmp_path / "f"), "--settings-encoding", "utf-16"]) == 0
    inventory = Path(capsys.readouterr().out.strip())
    host = Host(inventory.parent / "hosts" / "controller")
    assert host.local_path(OVERRIDE).read_bytes().startswith(b"\xff\xfe")
    # The seeded hidden items: every host hides C:\ProgramData and a key file the backup must copy.
    assert host.attributes("C:\\ProgramData") == {"Hidden"}
    assert host.attributes(KEYS + "\\recovery.key") == {"Hidden"}
    with pytest.raises(ValueError, match="unknown settings encoding"):
        fleet.new_fleet(tmp_path / "g", settings_encoding="latin-1")

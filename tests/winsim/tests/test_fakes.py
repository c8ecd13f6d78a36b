"""Behaviour of the file, command, facts and process fakes, called the way dispatch calls them."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time
import zipfile

import pytest

from winsim_engine import argspec, fakes
from winsim_engine.dispatch import run_module
from winsim_engine.host import Host
from winsim_engine.payload import Call

ALTERYX_EXE = "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"
SETTINGS = "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml"


def run(host: Host, fqcn: str, check_mode: bool = False, **args) -> dict:
    """Validate and run a fake, as dispatch does (without journal or faults)."""
    params, error = argspec.validate(fqcn, args)
    assert error is None, error
    return fakes.REGISTRY[fqcn](host, params, fakes.Context(host=host, check_mode=check_mode, key=fqcn))


def write(host: Host, path: str, data: bytes = b"data") -> None:
    host.write_bytes(host.local_path(path), data)


# ------------------------------------------------------------------ commands
@pytest.mark.parametrize("fqcn, args", [
    ("ansible.windows.win_command", {"_raw_params": f'"{ALTERYX_EXE}" getversion'}),
    ("ansible.windows.win_command", {"cmd": "AlteryxService.exe getversion"}),
    ("ansible.windows.win_command", {"cmd": "alteryxservice getversion"}),
    ("ansible.windows.win_command", {"cmd": ".\\AlteryxService.exe getversion", "chdir": "C:\\Program Files\\Alteryx\\bin"}),
    ("ansible.windows.win_command", {"_raw_params": f"{ALTERYX_EXE} getversion"}),
    ("ansible.windows.win_command", {"argv": [ALTERYX_EXE, "getversion"]}),
    ("ansible.windows.win_shell", {"_raw_params": f'& "{ALTERYX_EXE}" getversion'}),
    ("ansible.windows.win_shell", {"_raw_params": f"& '{ALTERYX_EXE}' getversion"}),
    ("ansible.windows.win_shell", {"_raw_params": f'"{ALTERYX_EXE}" getversion', "executable": "cmd"}),
])
def test_alteryx_service_exe_forms(host, fqcn, args):
    result = run(host, fqcn, **args)
    assert result["rc"] == 0 and not result.get("failed")
    assert result["stdout_lines"] == [host.state()["version"]]
    assert result["stdout"].endswith("\r\n") and result["changed"] is True


def test_argv_is_quoted_in_cmd(host):
    result = run(host, "ansible.windows.win_command", argv=[ALTERYX_EXE, "emongodump=D:\\My Backups\\x"])
    assert result["cmd"] == f'"{ALTERYX_EXE}" "emongodump=D:\\My Backups\\x"'


def test_quoted_argument_reaches_alteryx_service(host):
    run(host, "ansible.windows.win_command", cmd=f'"{ALTERYX_EXE}" stop')
    write(host, "D:\\Backups\\keep.txt")
    result = run(host, "ansible.windows.win_command", cmd=f'"{ALTERYX_EXE}" emongodump="D:\\Backups\\Mongo Dump"')
    assert "EMongoDump completed" in result["stdout"]
    assert host.local_path("D:\\Backups\\Mongo Dump\\AlteryxGallery\\users.bson").is_file()


@pytest.mark.parametrize("fqcn, args", [
    ("ansible.windows.win_command", {"cmd": "whoami /all"}),
    ("ansible.windows.win_command", {"cmd": "C:\\Other\\AlteryxService.exe getversion"}),
    ("ansible.windows.win_command", {"cmd": "AlteryxService.exe getversion extra"}),
    ("ansible.windows.win_shell", {"_raw_params": "Get-ChildItem C:\\"}),
])
def test_other_programs_fail_clearly(host, fqcn, args):
    result = run(host, fqcn, **args)
    assert result["failed"] is True and result["rc"] == 1 and result["msg"] == "non-zero return code"
    assert result["stderr"].startswith("winsim cannot run ")


def test_uninstalled_alteryx_service_cannot_run(host):
    host.local_path(ALTERYX_EXE).unlink()
    result = run(host, "ansible.windows.win_command", cmd="AlteryxService.exe getversion")
    assert result["failed"] and result["stderr"].startswith("winsim cannot run AlteryxService.exe")


def test_alteryx_service_exe_failure_is_non_zero(host):
    with host.locked_state() as state:
        state["admin"] = False
    result = run(host, "ansible.windows.win_command", cmd="AlteryxService.exe getserversecret")
    assert result["failed"] and result["rc"] == 1 and "administrator" in result["stdout"]


def test_creates_and_removes(host):
    skipped = run(host, "ansible.windows.win_command", cmd="AlteryxService.exe getversion",
                  creates="C:\\ProgramData\\alteryx\\runtime*.XML")
    assert skipped["skipped"] and skipped["msg"].startswith("skipped, since") and skipped["rc"] == 0
    skipped = run(host, "ansible.windows.win_shell", _raw_params="AlteryxService.exe getversion",
                  removes="C:\\nothing.txt")
    assert skipped["skipped"] and "does not exist" in skipped["msg"]
    ran = run(host, "ansible.windows.win_command", cmd="AlteryxService.exe getversion", creates="C:\\nothing.txt")
    assert not ran.get("skipped") and ran["rc"] == 0


def test_command_check_mode_is_skipped_and_changes_nothing(host):
    result = run(host, "ansible.windows.win_command", check_mode=True, cmd="AlteryxService.exe stop")
    assert result == {"changed": False, "skipped": True,
                      "msg": "remote module (ansible.windows.win_command) does not support check mode"}
    assert run(host, "ansible.windows.win_shell", check_mode=True, _raw_params="x")["skipped"] is True
    assert host.state()["services"]["AlteryxService"]["state"] == "running"


def test_command_options_are_exclusive(host):
    result = run_module(host, Call(kind="module", name="ansible.windows.win_command",
                                   args={"cmd": "a", "argv": ["b"]}), None)
    assert result["failed"] and "mutually exclusive" in result["msg"]


# ------------------------------------------------------------------ win_stat
@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha384", "sha512"])
def test_stat_checksums(host, algorithm):
    write(host, "C:\\data\\file.bin", b"abc" * 1000)
    stat = run(host, "ansible.windows.win_stat", path="C:\\DATA\\FILE.BIN", checksum_algorithm=algorithm)["stat"]
    assert stat["checksum"] == hashlib.new(algorithm, b"abc" * 1000).hexdigest()


def test_stat_file_facts(host):
    local = host.local_path(SETTINGS)
    stat = run(host, "ansible.windows.win_stat", path=SETTINGS.lower())["stat"]
    assert stat["exists"] and stat["isreg"] and not stat["isdir"]
    assert stat["checksum"] == hashlib.sha1(local.read_bytes()).hexdigest()
    assert stat["size"] == local.stat().st_size
    assert stat["path"] == SETTINGS and stat["filename"] == "RuntimeSettings.xml" and stat["extension"] == ".xml"
    assert isinstance(stat["lastwritetime"], float) and abs(stat["lastwritetime"] - local.stat().st_mtime) < 0.01
    assert stat["attributes"] == "Archive"


def test_stat_folder_and_missing(host):
    stat = run(host, "ansible.windows.win_stat", path="C:\\ProgramData\\Alteryx\\Engine")["stat"]
    assert stat["isdir"] and stat["attributes"] == "Directory" and "checksum" not in stat
    assert stat["size"] > 0
    assert run(host, "ansible.windows.win_stat", path="C:\\no\\such")["stat"] == {"exists": False}
    no_size = run(host, "ansible.windows.win_stat", path=SETTINGS, get_checksum=False, get_size=False)["stat"]
    assert "checksum" not in no_size and "size" not in no_size


def test_stat_of_share_and_missing_drive(host):
    write(host, "\\\\fileserver\\backups\\a.txt")
    assert run(host, "ansible.windows.win_stat", path="\\\\FILESERVER\\backups\\A.txt")["stat"]["path"] == \
        "\\\\fileserver\\backups\\a.txt"
    result = run_module(host, Call(kind="module", name="ansible.windows.win_stat", args={"path": "Q:\\x"}), None)
    assert result["failed"] and "drive" in result["msg"]


# ------------------------------------------------------------------ win_find
def _tree(host: Host) -> None:
    for path in ("D:\\B\\one.ZIP", "D:\\B\\two.zip", "D:\\B\\notes.txt", "D:\\B\\sub\\three.zip",
                 "D:\\B\\sub\\deeper\\four.zip"):
        write(host, path, b"x" * 2048)


def test_find_glob_is_case_insensitive(host):
    _tree(host)
    result = run(host, "ansible.windows.win_find", paths=["d:\\b"], patterns=["*.zip"])
    assert [f["filename"] for f in result["files"]] == ["one.ZIP", "two.zip"]
    assert result["matched"] == 2 and result["examined"] == 4
    assert result["files"][0]["checksum"] == hashlib.sha1(b"x" * 2048).hexdigest()
    assert result["files"][0]["path"] == "D:\\B\\one.ZIP"


def test_find_recurse_depth_regex_and_types(host):
    _tree(host)
    deep = run(host, "ansible.windows.win_find", paths=["D:\\B"], patterns=["*.zip"], recurse=True)
    assert sorted(f["filename"] for f in deep["files"]) == ["four.zip", "one.ZIP", "three.zip", "two.zip"]
    shallow = run(host, "ansible.windows.win_find", paths=["D:\\B"], patterns=["*.zip"], recurse=True, depth=2)
    assert sorted(f["filename"] for f in shallow["files"]) == ["one.ZIP", "three.zip", "two.zip"]
    regex = run(host, "ansible.windows.win_find", paths=["D:\\B"], patterns=["^t.*\\.zip$"], use_regex=True,
                recurse=True)
    assert sorted(f["filename"] for f in regex["files"]) == ["three.zip", "two.zip"]
    dirs = run(host, "ansible.windows.win_find", paths=["D:\\B"], file_type="directory", recurse=True)
    assert sorted(f["filename"] for f in dirs["files"]) == ["deeper", "sub"]
    assert all(f["isdir"] and f["size"] is None for f in dirs["files"])


def test_find_age_and_size(host):
    _tree(host)
    old = host.local_path("D:\\B\\one.ZIP")
    past = time.time() - 3 * 86400
    os.utime(old, (past, past))
    older = run(host, "ansible.windows.win_find", paths=["D:\\B"], age="2d")
    assert [f["filename"] for f in older["files"]] == ["one.ZIP"]
    newer = run(host, "ansible.windows.win_find", paths=["D:\\B"], age="-1d")
    assert sorted(f["filename"] for f in newer["files"]) == ["notes.txt", "two.zip"]
    write(host, "D:\\B\\big.bin", b"y" * 5000)
    big = run(host, "ansible.windows.win_find", paths=["D:\\B"], size="4k")
    assert [f["filename"] for f in big["files"]] == ["big.bin"]
    small = run(host, "ansible.windows.win_find", paths=["D:\\B"], size="-3k", get_checksum=False)
    assert len(small["files"]) == 3 and small["files"][0]["checksum"] is None
    bad = run_module(host, Call(kind="module", name="ansible.windows.win_find",
                                args={"paths": ["D:\\B"], "age": "soon"}), None)
    assert bad["failed"] and bad["msg"] == "Invalid age pattern specified"


def test_find_missing_path_warns(host):
    result = run(host, "ansible.windows.win_find", paths=["D:\\nothing", SETTINGS])
    assert result["matched"] == 0 and len(result["warnings"]) == 2


# ------------------------------------------------------------------ win_file
def test_file_states(host):
    assert run(host, "ansible.windows.win_file", path="D:\\x\\y", state="directory")["changed"]
    assert not run(host, "ansible.windows.win_file", path="D:\\X\\Y", state="directory")["changed"]
    assert run(host, "ansible.windows.win_file", path="D:\\x\\y\\t.txt", state="touch")["changed"]
    assert host.local_path("D:\\x\\y\\t.txt").read_bytes() == b""
    assert not run(host, "ansible.windows.win_file", path="D:\\x\\y\\t.txt", state="file")["changed"]
    assert run(host, "ansible.windows.win_file", path="D:\\x", state="absent")["changed"]
    assert not host.local_path("D:\\x").exists()
    assert not run(host, "ansible.windows.win_file", path="D:\\x", state="absent")["changed"]


def test_file_errors(host):
    def call(**args):
        return run_module(host, Call(kind="module", name="ansible.windows.win_file", args=args), None)

    assert call(path="D:\\missing.txt", state="file")["msg"] == "path D:\\missing.txt will not be created"
    assert call(path=SETTINGS, state="directory")["msg"] == f"path {SETTINGS} is not a directory"
    assert call(path="C:\\ProgramData", state="file")["msg"] == "path C:\\ProgramData is not a file"


def test_file_check_mode_changes_nothing(host):
    assert run(host, "ansible.windows.win_file", check_mode=True, path="D:\\new", state="directory")["changed"]
    assert run(host, "ansible.windows.win_file", check_mode=True, path=SETTINGS, state="absent")["changed"]
    assert run(host, "ansible.windows.win_file", check_mode=True, path="D:\\t.txt", state="touch")["changed"]
    assert not host.local_path("D:\\new").exists() and not host.local_path("D:\\t.txt").exists()
    assert host.local_path(SETTINGS).is_file()


# ------------------------------------------------------------------ slurp
def test_slurp(host):
    result = run(host, "ansible.windows.slurp", path="c:\\programdata\\alteryx\\RUNTIMESETTINGS.XML")
    assert base64.b64decode(result["content"]) == host.local_path(SETTINGS).read_bytes()
    assert result["encoding"] == "base64" and result["source"] == "c:\\programdata\\alteryx\\RUNTIMESETTINGS.XML"
    for src, message in (("C:\\ProgramData", "is a directory"), ("C:\\none.txt", "is not found")):
        failed = run_module(host, Call(kind="module", name="ansible.windows.slurp", args={"src": src}), None)
        assert failed["failed"] and failed["msg"] == f"Path {src} {message}"


# ------------------------------------------------------------------ win_copy
def test_copy_query_single_and_backup(host):
    write(host, "C:\\Windows\\Temp\\t\\source", b"new")
    query = run(host, "ansible.windows.win_copy", dest="D:\\", _copy_mode="query",
                files=[{"src": "/x/a.txt", "dest": "a.txt", "checksum": hashlib.sha1(b"new").hexdigest()}],
                directories=[{"src": "/x/d", "dest": "d"}], symlinks=[])
    assert len(query["files"]) == 1 and len(query["directories"]) == 1
    single = run(host, "ansible.windows.win_copy", dest="D:\\", src="C:\\Windows\\Temp\\t\\source",
                 _copy_mode="single", _original_basename="a.txt")
    assert single["changed"] and single["dest"] == "D:\\a.txt"
    assert host.local_path("D:\\a.txt").read_bytes() == b"new"
    query = run(host, "ansible.windows.win_copy", dest="D:\\", _copy_mode="query",
                files=[{"src": "/x/a.txt", "dest": "a.txt", "checksum": hashlib.sha1(b"new").hexdigest()}])
    assert query["files"] == []
    write(host, "C:\\Windows\\Temp\\t\\source", b"newer")
    backup = run(host, "ansible.windows.win_copy", dest="D:\\a.txt", src="C:\\Windows\\Temp\\t\\source",
                 _copy_mode="single", backup=True)
    assert host.local_path(backup["backup_file"]).read_bytes() == b"new"
    assert host.local_path("D:\\a.txt").read_bytes() == b"newer"


def test_copy_single_needs_existing_parent(host):
    write(host, "C:\\Windows\\Temp\\t\\source")
    result = run_module(host, Call(kind="module", name="ansible.windows.win_copy", args={
        "dest": "D:\\no\\such\\a.txt", "src": "C:\\Windows\\Temp\\t\\source", "_copy_mode": "single"}), None)
    assert result["failed"] and "does not exist" in result["msg"]


def test_copy_explode(host):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(base64.b64encode(b"dir").decode() + "/", "")
        archive.writestr(base64.b64encode(b"dir/file.txt").decode(), "inside")
        archive.writestr(base64.b64encode(b"top.txt").decode(), "top")
    write(host, "C:\\Windows\\Temp\\t\\source.zip", buffer.getvalue())
    result = run(host, "ansible.windows.win_copy", dest="D:\\tree\\", src="C:\\Windows\\Temp\\t\\source.zip",
                 _copy_mode="explode")
    assert result == {"changed": True}
    assert host.local_path("D:\\tree\\dir\\file.txt").read_text() == "inside"
    assert host.local_path("D:\\tree\\top.txt").read_text() == "top"


def test_copy_remote_file_folder_and_check_mode(host):
    write(host, "C:\\src\\a.txt", b"A")
    write(host, "C:\\src\\sub\\b.txt", b"B")
    result = run(host, "ansible.windows.win_copy", src="C:\\src\\a.txt", dest="\\\\fileserver\\backups\\",
                 _copy_mode="remote", remote_src=True)
    assert result["changed"] and result["dest"] == "\\\\fileserver\\backups\\a.txt" and result["size"] == 1
    assert result["checksum"] == hashlib.sha1(b"A").hexdigest() and result["operation"] == "file_copy"
    again = run(host, "ansible.windows.win_copy", src="C:\\src\\a.txt", dest="\\\\fileserver\\backups\\",
                _copy_mode="remote", remote_src=True)
    assert not again["changed"]
    preview = run(host, "ansible.windows.win_copy", check_mode=True, src="C:\\src", dest="D:\\copy",
                  _copy_mode="remote", remote_src=True)
    assert preview["changed"] and not host.local_path("D:\\copy").exists()
    folder = run(host, "ansible.windows.win_copy", src="C:\\src", dest="D:\\copy", _copy_mode="remote",
                 remote_src=True)
    assert folder["dest"] == "D:\\copy\\src" and folder["operation"] == "folder_copy" and folder["size"] == 2
    assert host.local_path("D:\\copy\\src\\sub\\b.txt").read_bytes() == b"B"
    contents = run(host, "ansible.windows.win_copy", src="C:\\src\\", dest="D:\\flat", _copy_mode="remote",
                   remote_src=True)
    assert contents["changed"] and host.local_path("D:\\flat\\a.txt").is_file()


def test_copy_honours_disk_full(host):
    write(host, "C:\\src\\a.txt", b"A" * 100)
    with host.locked_state() as state:
        state["disks"]["D"]["full"] = True
    result = run_module(host, Call(kind="module", name="ansible.windows.win_copy", args={
        "src": "C:\\src\\a.txt", "dest": "D:\\a.txt", "_copy_mode": "remote", "remote_src": True}), None)
    assert result["failed"] and "not enough space" in result["msg"]
    assert not host.local_path("D:\\a.txt").exists()


# ------------------------------------------------------------------ setup
def test_setup_facts(host):
    facts = run(host, "ansible.windows.setup")["ansible_facts"]
    assert facts["ansible_hostname"] == "CONTROLLER" and facts["ansible_os_family"] == "Windows"
    assert facts["ansible_distribution"].startswith("Microsoft Windows Server")
    assert facts["ansible_env"]["USERPROFILE"] == "C:\\Users\\ansible" and facts["ansible_user_id"] == "ansible"
    assert facts["ansible_architecture"] == "64-bit" and facts["ansible_interfaces"][0]["ipv4"]["address"]
    assert abs(facts["ansible_date_time"]["epoch_int"] - time.time()) < 5
    assert facts["gather_subset"] == ["all"] and facts["module_setup"] is True


def test_setup_gather_subset(host):
    result = run(host, "ansible.windows.setup", gather_subset=["!all", "!min", "date_time", "bogus"])
    assert set(result["ansible_facts"]) == {"gather_subset", "module_setup", "ansible_date_time"}
    assert result["warnings"] == ["invalid value bogus specified in gather_subset"]
    minimal = run(host, "ansible.windows.setup", gather_subset=["!all"])["ansible_facts"]
    assert "ansible_hostname" in minimal and "ansible_interfaces" not in minimal and "ansible_memtotal_mb" not in minimal


def test_setup_local_facts(host):
    write(host, "C:\\facts\\alteryx.json", b'{"role": "controller"}')
    facts = run(host, "ansible.windows.setup", gather_subset=["!all", "!min", "local"],
                fact_path="C:\\facts")["ansible_facts"]
    assert facts["ansible_alteryx"] == {"role": "controller"}


# ------------------------------------------------------------------ win_wait_for_process
def _workflow(host: Host, seconds: float, pid: int = 5000) -> None:
    with host.locked_state() as state:
        state["processes"].append({"name": "AlteryxEngineCmd.exe", "pid": pid, "ends_at": time.time() + seconds,
                                   "owner": "CORP\\svc-runas"})


def test_wait_absent_until_workflows_end(host):
    _workflow(host, 0.4)
    _workflow(host, 0.2, pid=5001)
    started = time.monotonic()
    result = run(host, "community.windows.win_wait_for_process", process_name_exact=["AlteryxEngineCmd"],
                 state="absent", timeout=10)
    assert 0.3 < time.monotonic() - started < 3
    assert not result.get("failed") and sorted(p["pid"] for p in result["matched_processes"]) == [5000, 5001]
    assert result["matched_processes"][0]["name"] == "AlteryxEngineCmd"


def test_wait_absent_times_out(host):
    _workflow(host, 60)
    result = run(host, "community.windows.win_wait_for_process", process_name_pattern="engine", state="absent",
                 timeout=1)
    assert result["failed"] and result["msg"] == "Timeout while waiting for process(es) to stop"
    assert 0.9 < result["elapsed"] < 3 and result["matched_processes"][0]["pid"] == 5000


def test_wait_present(host):
    result = run(host, "community.windows.win_wait_for_process", process_name_exact=["AlteryxService"], timeout=0)
    assert not result.get("failed") and result["matched_processes"][0]["pid"] == 1100
    by_owner = run(host, "community.windows.win_wait_for_process", owner="nt authority\\system", process_min_count=1)
    assert by_owner["matched_processes"]
    missing = run(host, "community.windows.win_wait_for_process", process_name_exact=["AlteryxEngineCmd"],
                  timeout=0)
    assert missing["failed"] and missing["msg"] == "Timed out while waiting for process(es) to start"
    assert missing["matched_processes"] == [] and "elapsed" in missing


def test_wait_needs_a_filter(host):
    result = run_module(host, Call(kind="module", name="community.windows.win_wait_for_process",
                                   args={"state": "absent"}), None)
    assert result["failed"] and result["msg"].startswith("one of the following is required")

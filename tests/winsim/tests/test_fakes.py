"""Behaviour of the command, slurp and copy fakes, called the way dispatch calls them."""

from __future__ import annotations

import base64
import hashlib
import io
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
    skipped = run(host, "ansible.windows.win_command", cmd="AlteryxService.exe getversion",
                  removes="C:\\nothing.txt")
    assert skipped["skipped"] and "does not exist" in skipped["msg"]
    ran = run(host, "ansible.windows.win_command", cmd="AlteryxService.exe getversion", creates="C:\\nothing.txt")
    assert not ran.get("skipped") and ran["rc"] == 0


def test_command_check_mode_is_skipped_and_changes_nothing(host):
    result = run(host, "ansible.windows.win_command", check_mode=True, cmd="AlteryxService.exe stop")
    assert result == {"changed": False, "skipped": True,
                      "msg": "remote module (ansible.windows.win_command) does not support check mode"}
    assert host.state()["services"]["AlteryxService"]["state"] == "running"


def test_command_options_are_exclusive(host):
    result = run_module(host, Call(kind="module", name="ansible.windows.win_command",
                                   args={"cmd": "a", "argv": ["b"]}), None)
    assert result["failed"] and "mutually exclusive" in result["msg"]


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

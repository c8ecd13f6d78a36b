"""winsim's own cost kept out of the way without becoming more lenient (issue 13).

Free space is accounted incrementally but must agree with a walk of the drive and still see a full disk; parsed
scripts come from a disk cache but must equal a fresh parse; hashes of archive entries are streamed but must equal
the whole entry's; the connection journals what it receives; the collection-count knob adds collections.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from winsim_testlib import REPO, journal

from winsim_engine import psscript
from winsim_engine.alteryx import DATABASES, dataset
from winsim_engine.host import DiskFullError, Host, WinError, _tree_size
from winsim_engine.scripts import alteryx_archive
from winsim_engine.scripts.alteryx_restore_check import entry_sha256

SCRIPTS = sorted((REPO / "plugins" / "plugin_utils" / "powershell").glob("*.ps1"))


def _walked(host: Host, drive: str) -> int:
    return _tree_size(host.root / "drives" / drive)


def test_used_bytes_follow_writes_copies_moves_and_replacements_like_a_walk(host: Host):
    host.used_bytes("D")  # walked once; from here on only this object's own changes move the figure
    folder = host.local_path("D:\\Cost")
    host.write_bytes(folder / "a.bin", b"x" * 1000)
    host.write_bytes(folder / "a.bin", b"y" * 400)  # overwrite: the difference counts
    host.copy_file(folder / "a.bin", folder / "b.bin")
    host.write_bytes(folder / "c.bin", b"z" * 300)
    host.move_item("D:\\Cost\\c.bin", "D:\\Cost\\b.bin", force=True)  # replaces b.bin (400 bytes) with 300
    host.move_item("D:\\Cost\\a.bin", "C:\\a.bin")  # across volumes: leaves D, lands on C
    assert host.used_bytes("D") == _walked(host, "D")
    assert host.used_bytes("C") == _walked(host, "C")


def test_a_new_host_object_counts_files_written_behind_the_last_ones_back(host: Host):
    before = host.used_bytes("D")
    (host.local_path("D:\\") / "direct.bin").write_bytes(b"q" * 5000)  # not through Host: like a direct write
    assert host.used_bytes("D") == before  # kept figure: one module call's lifetime
    assert Host(host.root).used_bytes("D") == before + 5000  # the next call walks again


def test_writes_beyond_the_accounted_free_space_fail_as_disk_full(host: Host):
    with host.locked_state() as state:
        state["disks"]["D"]["size"] = host.used_bytes("D") + 1500
    target = host.local_path("D:\\Cost\\f.bin")
    host.write_bytes(target, b"x" * 1000)
    assert host.free_bytes("D") == 500
    with pytest.raises(DiskFullError):
        host.write_bytes(host.local_path("D:\\Cost\\g.bin"), b"x" * 1000)
    host.write_bytes(target, b"x" * 400)  # a smaller file in its place gives the difference back
    assert host.free_bytes("D") == 1100


def test_a_disk_marked_full_by_another_writer_is_seen_by_a_host_object_that_already_checked(host: Host):
    host.write_bytes(host.local_path("D:\\Cost\\h.bin"), b"x")
    other = Host(host.root)
    with other.locked_state() as state:
        state["disks"]["D"]["full"] = True
    with pytest.raises(DiskFullError):
        host.write_bytes(host.local_path("D:\\Cost\\i.bin"), b"x")


def test_reading_the_state_does_not_rewrite_state_json(host: Host):
    path = host.root / "state.json"
    host.state()
    before = os.stat(path)
    host.state()
    after = os.stat(path)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    with host.locked_state() as state:
        state["marker"] = 1
    assert json.loads(path.read_text())["marker"] == 1


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_a_cached_parse_equals_a_fresh_one(script: Path):
    text = script.read_text(encoding="utf-8-sig")
    fresh = psscript._parse_script(text)
    assert psscript.parse_script(text) == fresh
    assert psscript.parse_script(text) == fresh  # the second one comes from the cache file
    for cached, parsed in zip(psscript.parse_script(text).params, fresh.params, strict=True):
        assert (cached.default is psscript.NO_DEFAULT) == (parsed.default is psscript.NO_DEFAULT)


def test_a_damaged_cache_file_is_parsed_again():
    text = "param([string]$Name = 'x', [switch]$Force)\n$Ansible.Result = @{}\n"
    psscript.parse_script(text)
    cached = psscript._PARSE_CACHE / f"{psscript._parse_key(text)}.pickle"
    cached.write_bytes(b"not a pickle")
    assert psscript.parse_script(text) == psscript._parse_script(text)
    cached.write_bytes(pickle.dumps({"not": "a ScriptInfo"}))
    assert psscript.parse_script(text).params[0].name == "Name"


def test_syntax_errors_are_still_found_through_the_cache():
    broken = "param([string]$Name\nif ($x) { 1 "
    assert psscript.parse_script(broken).syntax_ok is False
    assert psscript.parse_script(broken).syntax_ok is False


def test_streamed_entry_hashes_equal_whole_entry_hashes_and_damage_still_fails(tmp_path: Path):
    archive = tmp_path / "a.zip"
    payload = os.urandom(3 << 20)  # larger than one read block
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Database/big.bson", payload)
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("Database/big.bson")
        assert entry_sha256(zf, info) == hashlib.sha256(payload).hexdigest()
        assert alteryx_archive._entry_sha256(zf, "Database/big.bson") == hashlib.sha256(payload).hexdigest()
        offset = info.header_offset + 30 + len(info.filename)  # local header, name, no extra field
    data = bytearray(archive.read_bytes())
    data[offset] = 0xFF  # first deflate block: BTYPE 11, which is reserved - the stream cannot be inflated
    archive.write_bytes(bytes(data))
    with zipfile.ZipFile(archive) as zf, pytest.raises(WinError, match="Block length does not match"):
        entry_sha256(zf, zf.getinfo("Database/big.bson"))


def test_extra_collections_knob_adds_that_many_small_collections():
    plain = dataset({"mongo": {"seed": 3}})
    more = dataset({"mongo": {"seed": 3, "extra_collections": 25}})
    assert set(plain["AlteryxGallery"]) == set(DATABASES["AlteryxGallery"])
    extra = [name for name in more["AlteryxGallery"] if name not in plain["AlteryxGallery"]]
    assert extra == [f"extra_{n:05d}" for n in range(25)]
    assert all(len(more["AlteryxGallery"][name]) == 1 for name in extra)
    assert more["AlteryxService"] == plain["AlteryxService"]


def _echo_play(tmp_path: Path, fleet: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    play = tmp_path / "play.yml"
    play.write_text("- hosts: controller\n  gather_facts: false\n  tasks:\n"
                    "    - ansible.windows.win_powershell:\n        script: \"# winsim: echo\\n\"\n")
    env = {**os.environ, **(env or {}), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    return subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(fleet), str(play)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_the_connection_journals_the_bytes_it_receives_and_logs_its_own_cpu(fleet: Path, tmp_path: Path):
    cpu_log = tmp_path / "cpu.jsonl"
    proc = _echo_play(tmp_path, fleet, {"WINSIM_CPU_LOG": str(cpu_log)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    received = [e for e in journal(Host(fleet.parent / "hosts" / "controller")) if e["kind"] == "received"]
    assert [e["what"] for e in received] == ["ansible.windows.win_powershell:echo"]
    assert received[0]["bytes"] > 10_000  # the exec wrapper and module_utils travel with every module call
    logged = [json.loads(line) for line in cpu_log.read_text().splitlines()]
    assert [e["method"] for e in logged] == ["exec_command"]
    assert logged[0]["cpu"] > 0 and logged[0]["import_cpu"] > 0


def test_a_refused_connection_receives_nothing(fleet: Path, tmp_path: Path):
    root = fleet.parent / "hosts" / "controller"
    (root / "faults.json").write_text(json.dumps([{"call": "ansible.windows.win_powershell:echo", "occurrence": 1,
                                                   "kind": "refused"}]))
    proc = _echo_play(tmp_path, fleet)
    assert proc.returncode != 0
    entries = journal(Host(root))
    assert [e["fault"] for e in entries if e["kind"] == "call"] == ["refused"]
    assert [e for e in entries if e["kind"] == "received"] == []

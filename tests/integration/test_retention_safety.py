"""Retention never deletes the last good backup: real ansible-playbook runs against winsim.

The host's D:\\Alteryx\\Backups is seeded with two good old Full archives (real zips with a BackupManifest.json
entry and their sha256 sidecars, 40 and 50 days old by name), a 0-byte Full archive from yesterday (with the
sidecar of its empty content, so only the size and the zip directory give it away), a Full archive whose sidecar
is well-formed but wrong, and look-alike junk. The host journal shows how many host calls retention made and
which archives it hashed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

RETENTION_CALL = "ansible.windows.win_powershell:alteryx_retention"
MODULE_PLAYBOOK = "tests/integration/playbooks/retention.yml"
ARCHIVE = re.compile(r"ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip")
WIN_FOLDER = "D:\\Alteryx\\Backups"


def _name(days_ago: float, tag: str = "Full") -> str:
    return f"ServerBackup_{tag}_{(datetime.now() - timedelta(days=days_ago)).strftime('%Y%m%d_%H%M%S')}.zip"


def _win(path: Path) -> str:
    return f"{WIN_FOLDER}\\{path.name}"


def _sidecar(archive: Path, digest: str) -> None:
    (archive.parent / (archive.name + ".sha256")).write_bytes(f"{digest}  {archive.name}\n".encode())


def _real_zip(path: Path) -> str:
    """A zip as the archive step makes it (BackupManifest.json plus content above the Full minimum); its SHA256."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("BackupManifest.json", json.dumps({"BackupMetadata": {"BackupMode": "Full"}, "BackedUpFiles": []}))
        zf.writestr("MongoDB/AlteryxGallery/users.bson", os.urandom(150_000))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _seed(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    seeded = {"good40": folder / _name(40), "good50": folder / _name(50), "empty": folder / _name(1),
              "wrong": folder / _name(10)}
    for key in ("good40", "good50"):
        _sidecar(seeded[key], _real_zip(seeded[key]))
    seeded["empty"].write_bytes(b"")
    _sidecar(seeded["empty"], hashlib.sha256(b"").hexdigest())
    _real_zip(seeded["wrong"])
    _sidecar(seeded["wrong"], hashlib.sha256(b"some other archive").hexdigest())
    return seeded


def _junk(folder: Path, partial: bool = True) -> dict[Path, bytes]:
    """Look-alike files retention must never touch, some of them far older than the retention."""
    names = ["ServerBackup_Full_20261101_000000 (1).zip", _name(60).replace(".zip", " (1).zip"), _name(60) + ".bak",
             _name(70) + ".sha256", "notes.txt", _name(80).replace("ServerBackup_", "OldServerBackup_")]
    if partial:  # preflight of a backup run removes leftover '.partial' files itself
        names.append(_name(60) + ".partial")
    junk = {}
    for name in names:
        (folder / name).write_bytes(b"PK not ours " + name.encode())
        junk[folder / name] = (folder / name).read_bytes()
    return junk


def _retention_calls(fleet) -> list[tuple[str, list[str]]]:
    """Each retention host call as (kind, paths): ('list', folders), ('hash', paths) or ('delete', paths)."""
    calls = []
    for entry in fleet.journal():
        if entry["kind"] != "call" or entry["call"] != RETENTION_CALL:
            continue
        params = entry["args"]["parameters"]
        kinds = [(k, params.get(p) or []) for k, p in (("list", "Folders"), ("hash", "Hash"), ("delete", "Delete"))]
        [(kind, paths)] = [(k, v) for k, v in kinds if v]
        calls.append((kind, list(paths)))
    return calls


def _assert_junk_untouched(junk: dict[Path, bytes]) -> None:
    changed = [p.name for p, data in junk.items() if not p.is_file() or p.read_bytes() != data]
    assert not changed, f"retention touched files that are not ours: {changed}"


def _retention_result(fleet, extra: dict, check: bool = False) -> dict:
    results = fleet.root / "retention.json"
    run = fleet.playbook(MODULE_PLAYBOOK, extra={"retention_results": str(results), **extra}, check=check)
    assert run.rc == 0, run.output
    return json.loads(results.read_text())


def test_backup_run_deletes_by_the_rule_and_reports_bad_archives(fleet):
    folder = fleet.backups_dir()
    seeded = _seed(folder)
    junk = _junk(folder, partial=False)
    before = {p.name for p in folder.iterdir() if p.is_file()}

    run = fleet.playbook("playbooks/backup_full.yml",
                         extra={"alteryx_backup_retention_days": 30, "alteryx_backup_min_keep": 1})
    assert run.rc == 0, run.output

    [new] = [p for p in fleet.archives() if ARCHIVE.fullmatch(p.name) and p not in seeded.values()]
    assert (folder / (new.name + ".sha256")).is_file()
    _assert_junk_untouched(junk)
    # The deletion rule: this run's archive is the newest good one, so exactly the archives older than the
    # retention go, with their sidecars; the bad ones within the retention stay.
    after = {p.name for p in folder.iterdir() if p.is_file()}
    gone = before - after
    assert gone == {seeded[k].name + suffix for k in ("good40", "good50") for suffix in ("", ".sha256")}
    assert seeded["empty"].is_file() and seeded["wrong"].is_file()
    # The 0-byte archive is reported, on the console and in the host log.
    assert f"{_win(seeded['empty'])} does not verify" in run.output
    [log] = fleet.logs_dir().glob("BackupLog_Full_*.log")
    assert f"[WARNING] {_win(seeded['empty'])} does not verify: it is 0 bytes, below the minimum of 102400 for Full" \
        in log.read_text()
    # Hashing only what decides a deletion: at most this run's own archive (none once the role passes it as verified).
    calls = _retention_calls(fleet)
    hashed = [p for kind, paths in calls if kind == "hash" for p in paths]
    assert set(hashed) <= {_win(new)}, hashed
    assert [kind for kind, _ in calls] == ["list"] + ["hash"] * len(hashed) + ["delete"]


def test_module_alone_keeps_the_newest_good_backup_when_every_newer_one_is_bad(fleet):
    """No verified archive and only bad newer ones: the 40-day-old archive survives although older than the retention."""
    folder = fleet.backups_dir()
    seeded = _seed(folder)
    junk = _junk(folder)

    result = _retention_result(fleet, {"retention_days": 30})

    assert seeded["good40"].is_file() and (folder / (seeded["good40"].name + ".sha256")).is_file()
    assert not seeded["good50"].exists() and not (folder / (seeded["good50"].name + ".sha256")).exists()
    assert seeded["empty"].is_file() and seeded["wrong"].is_file()
    _assert_junk_untouched(junk)
    assert result["deleted"] == [_win(seeded["good50"]), _win(seeded["good50"]) + ".sha256"]
    warnings = {w.split(" does not verify: ")[0]: w for w in result["warnings"]}
    assert set(warnings) == {_win(seeded["empty"]), _win(seeded["wrong"])}
    assert "differs from its sidecar's" in warnings[_win(seeded["wrong"])]
    assert all(w.endswith("; not counted as a good backup") for w in warnings.values())
    # Host calls: list; hash the newest candidate (wrong sidecar: bad); hash the next one (good); delete.
    assert _retention_calls(fleet) == [
        ("list", [WIN_FOLDER]),
        ("hash", [_win(seeded["wrong"])]),
        ("hash", [_win(seeded["good40"])]),
        ("delete", [_win(seeded["good50"]), _win(seeded["good50"]) + ".sha256"]),
    ]
    assert result["hashed"] == [_win(seeded["wrong"]), _win(seeded["good40"])]


def test_check_mode_hashes_what_decides_but_deletes_nothing(fleet):
    folder = fleet.backups_dir()
    seeded = _seed(folder)
    before = sorted(p.name for p in folder.iterdir())

    result = _retention_result(fleet, {"retention_days": 30}, check=True)

    assert sorted(p.name for p in folder.iterdir()) == before
    assert result["changed"] is True and result["deleted"] == []
    assert result["would_delete"] == [_win(seeded["good50"]), _win(seeded["good50"]) + ".sha256"]
    assert [kind for kind, _ in _retention_calls(fleet)] == ["list", "hash", "hash"]


@pytest.mark.parametrize("retention_days", [30, {"Full": 30}, {"DB": 3}])
def test_no_hashing_when_the_newest_is_this_runs_verified_archive(fleet, retention_days):
    """What the role passes after a backup: its published archive counts as good without hashing it again."""
    folder = fleet.backups_dir()
    seeded = _seed(folder)
    junk = _junk(folder)
    new = folder / _name(0)
    _sidecar(new, _real_zip(new))

    result = _retention_result(fleet, {"retention_days": retention_days,
                                       "retention_verified": [_win(new), _win(new) + ".sha256"]})

    expired = [seeded["good40"], seeded["good50"]]
    assert result["deleted"] == sorted(_win(p) + suffix for p in expired for suffix in ("", ".sha256"))
    assert not [p for p in expired if p.exists()]
    assert new.is_file() and seeded["empty"].is_file() and seeded["wrong"].is_file()
    _assert_junk_untouched(junk)
    assert result["hashed"] == []
    assert [kind for kind, _ in _retention_calls(fleet)] == ["list", "delete"]


def test_no_hashing_and_one_call_when_nothing_is_older_than_the_retention(fleet):
    folder = fleet.backups_dir()
    folder.mkdir(parents=True)
    recent = [folder / _name(d) for d in (2, 5, 20)]
    for path in recent:
        _sidecar(path, _real_zip(path))
    empty = folder / _name(1)
    empty.write_bytes(b"")  # bad, within the retention: reported, kept
    junk = _junk(folder)

    result = _retention_result(fleet, {"retention_days": 30})

    assert result["changed"] is False and result["deleted"] == [] and result["hashed"] == []
    assert [w.split(" does not verify: ")[0] for w in result["warnings"]] == [_win(empty)]
    assert all(p.is_file() for p in [*recent, empty])
    _assert_junk_untouched(junk)
    assert _retention_calls(fleet) == [("list", [WIN_FOLDER])]

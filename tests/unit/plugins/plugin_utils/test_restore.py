"""Restore decisions: the archive read on the node judged, the scope chosen, the configuration files planned."""

from __future__ import annotations

import json

import pytest

from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import COPY_FILLED
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import (
    candidate_codes,
    check_timestamp,
    choose_scope,
    config_plan,
    judge_archive,
    written_problems,
)

NAME = "ServerBackup_Full_20240131_020000.zip"
ARCHIVE = "D:\\Alteryx\\Backups\\" + NAME
ZIP_SHA = "aa" * 32
SETTINGS = {"FilePath": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml", "RelativePathInArchive": "Config/RuntimeSettings.xml",
            "SizeBytes": 951, "SHA256": "bb" * 32}
KEYS = {"FilePath": "C:\\ProgramData\\Alteryx\\Keys\\", "RelativePathInArchive": "Config/Keys/", "Type": "Directory"}
TOKEN = {"FilePath": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe getserversecret",
         "RelativePathInArchive": "Secrets/ControllerToken.txt", "SizeBytes": 64, "SHA256": "cc" * 32}
DUMP = {"RelativePathInArchive": "MongoDB/AlteryxService/AS_Queue.bson", "SizeBytes": 10, "SHA256": "dd" * 32}


def _manifest(mode="Full", files=(SETTINGS, KEYS, TOKEN), dump=(DUMP,)):
    return {"BackupMetadata": {"BackupMode": mode}, "BackedUpFiles": list(files),
            "Extensions": {"MongoDB": {"DumpFiles": list(dump)}}}


def _raw(manifest=None, sidecar=f"{ZIP_SHA}  {NAME}\n", entries=None, sha=ZIP_SHA):
    manifest = _manifest() if manifest is None else manifest
    if entries is None:
        entries = [{"name": "BackupManifest.json", "size": 1, "sha256": "ee" * 32}]
        entries += [{"name": f["RelativePathInArchive"], "size": f["SizeBytes"], "sha256": f["SHA256"]}
                    for f in (SETTINGS, TOKEN, DUMP)]
    text = manifest if isinstance(manifest, str) or manifest is None else json.dumps(manifest)
    return {"archive": ARCHIVE, "archive_sha256": sha, "sidecar": sidecar, "manifest": text, "entries": entries}


def test_an_intact_archive_passes_with_its_manifest_and_mode():
    verdict = judge_archive(_raw())
    assert verdict["ok"] and verdict["problems"] == []
    assert verdict["mode"] == "Full" and verdict["archive"] == ARCHIVE
    assert verdict["manifest"]["BackedUpFiles"][0] == SETTINGS


def test_a_byte_order_mark_before_the_manifest_is_accepted():
    raw = _raw()
    raw["manifest"] = "\ufeff" + raw["manifest"]
    assert judge_archive(raw)["ok"]


@pytest.mark.parametrize(("raw", "problem"), [
    (_raw(sha="ff" * 32), "its .sha256 sidecar says " + ZIP_SHA),
    (_raw(sidecar=None), f"{NAME}.sha256 is missing"),
    (_raw(sidecar="not a hash line"), "is not '<sha256>  <archive name>'"),
    (_raw(sidecar=""), "is not '<sha256>  <archive name>'"),
    (_raw(sidecar=f"{ZIP_SHA}  ServerBackup_DB_20240131_020000.zip"), "names ServerBackup_DB_20240131_020000.zip"),
])
def test_the_archive_hash_must_match_its_sidecar(raw, problem):
    verdict = judge_archive(raw)
    assert not verdict["ok"]
    assert any(problem in p for p in verdict["problems"]), verdict["problems"]


def _entries_with(changes):
    entries = _raw()["entries"]
    return [{**e, **changes.get(e["name"], {})} for e in entries if changes.get(e["name"]) != "drop"]


@pytest.mark.parametrize(("entries", "problem"), [
    (_entries_with({"Config/RuntimeSettings.xml": {"sha256": "00" * 32}}), "Config/RuntimeSettings.xml has SHA256 " + "00" * 32),
    (_entries_with({"MongoDB/AlteryxService/AS_Queue.bson": {"size": 9}}), "has 9 bytes, the manifest says 10"),
    (_entries_with({"Secrets/ControllerToken.txt": "drop"}),
     "Secrets/ControllerToken.txt is listed in BackupManifest.json but missing"),
    (_entries_with({}) + [{"name": "Config/extra.xml", "size": 1, "sha256": "11" * 32}],
     "Config/extra.xml is in the archive but not listed"),
])
def test_every_entry_must_match_the_manifest(entries, problem):
    verdict = judge_archive(_raw(entries=entries))
    assert not verdict["ok"]
    assert any(problem in p for p in verdict["problems"]), verdict["problems"]


@pytest.mark.parametrize(("manifest", "problem"), [
    (None, "BackupManifest.json is missing from the archive"),
    ("{not json", "BackupManifest.json is not valid JSON"),
    ("[]", "lacks BackupMetadata or BackedUpFiles"),
    (_manifest(mode="Weekly"), "BackupMode is 'Weekly'"),
])
def test_an_unusable_manifest_fails(manifest, problem):
    raw = _raw(manifest=manifest)
    if manifest is None:
        raw["manifest"] = None
    verdict = judge_archive(raw)
    assert not verdict["ok"]
    assert any(problem in p for p in verdict["problems"]), verdict["problems"]


@pytest.mark.parametrize(("requested", "mode", "scope"), [
    ("", "Full", "Full"), ("ConfigOnly", "Full", "ConfigOnly"), ("DatabaseOnly", "Full", "DatabaseOnly"),
    ("", "ConfigOnly", "ConfigOnly"), ("DatabaseOnly", "DatabaseOnly", "DatabaseOnly"),
])
def test_the_scope_is_the_request_or_the_archives_mode(requested, mode, scope):
    assert choose_scope(requested, mode) == scope


@pytest.mark.parametrize(("requested", "mode", "why"), [
    ("ConfigOnly", "DatabaseOnly", "a DatabaseOnly archive holds no ConfigOnly restore"),
    ("Full", "ConfigOnly", "a ConfigOnly archive holds no Full restore"),
    ("Weekly", "Full", "scope 'Weekly' is not one of"),
])
def test_a_scope_the_archive_cannot_give_is_refused(requested, mode, why):
    with pytest.raises(ValueError, match=why):
        choose_scope(requested, mode)


def test_the_config_plan_is_every_config_file_to_its_path():
    assert config_plan(_manifest()) == [{"entry": "Config/RuntimeSettings.xml", "path": SETTINGS["FilePath"],
                                         "sha256": "bb" * 32}]


@pytest.mark.parametrize(("files", "why"), [
    ([{**SETTINGS, "FilePath": ""}], "has no absolute FilePath"),
    ([{**SETTINGS, "FilePath": "RuntimeSettings.xml"}], "has no absolute FilePath"),
    ([TOKEN, KEYS], "lists no Config/ file"),
])
def test_a_config_plan_without_a_place_to_go_is_refused(files, why):
    with pytest.raises(ValueError, match=why):
        config_plan(_manifest(files=files))


def test_written_files_must_hash_as_the_manifest_says():
    plan = config_plan(_manifest())
    assert written_problems(plan, [{"path": SETTINGS["FilePath"].upper(), "sha256": "BB" * 32}]) == []
    assert written_problems(plan, []) == [f"{SETTINGS['FilePath']} was not written"]
    [problem] = written_problems(plan, [{"path": SETTINGS["FilePath"], "sha256": "00" * 32}])
    assert "after writing, the manifest says " + "bb" * 32 in problem


def _with_copy(raw, edit=lambda copy: None, size=4096):
    # The archive step fills these in after the manifest inside was written: the copy holds them, the inside not.
    inside = json.loads(raw["manifest"])
    for section, key in COPY_FILLED:
        inside.setdefault(section, {})[key] = None
    raw = {**raw, "manifest": json.dumps(inside)}
    copy = json.loads(raw["manifest"])
    copy["ArchiveInformation"]["SHA256"] = raw["archive_sha256"]
    copy["Extensions"]["ArchiveSizeBytes"] = size
    edit(copy)
    return {**raw, "archive_size": 4096, "manifest_copy": json.dumps(copy)}


def test_the_published_manifest_copy_must_name_the_archive_and_equal_the_manifest_inside():
    assert judge_archive(_with_copy(_raw()))["ok"]
    problems = judge_archive(_with_copy(_raw(), size=1))["problems"]
    assert problems == [f"{NAME}.manifest.json says the archive has 1 bytes, it has 4096"]
    edited = judge_archive(_with_copy(_raw(), lambda c: c["BackedUpFiles"][0].update(SHA256="ff" * 32)))
    assert not edited["ok"] and "BackedUpFiles[0].SHA256" in edited["problems"][0]
    assert "the manifest inside the archive was edited" in edited["problems"][0]
    moved = judge_archive(_with_copy(_raw(), lambda c: c["ArchiveInformation"].update(SHA256="00" * 32)))
    assert "the archive changed after it was published" in moved["problems"][0]
    assert "unreadable" in judge_archive({**_raw(), "manifest_copy": "{"})["problems"][0]


@pytest.mark.parametrize(("scope", "codes"), [
    ("", ["Full", "DB", "Config"]),
    ("Full", ["Full"]),
    ("DatabaseOnly", ["Full", "DB"]),
    ("ConfigOnly", ["Full", "Config"]),
])
def test_the_default_choice_looks_only_at_archives_that_can_give_the_scope(scope, codes):
    assert candidate_codes(scope) == codes


def test_a_timestamp_is_taken_as_archive_names_carry_it():
    assert check_timestamp(" 20240131_020000 ") == "20240131_020000"
    assert check_timestamp("") == ""
    with pytest.raises(ValueError, match="not YYYYMMDD_HHmmss"):
        check_timestamp("2024-01-31T02:00:00")

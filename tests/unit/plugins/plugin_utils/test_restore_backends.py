"""Restore of self-managed MongoDB (mongorestore's log judged) and SQLite (the files' plan), pure decisions."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._mongorestore import judge_mongorestore, mongorestore_plan
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import (
    archive_persistence,
    database_plan,
    sqlite_plan,
)

STAMP = "2024-01-31T09:31:02.120+0000\t"
ARCHIVE = "D:\\Alteryx\\Backups\\ServerBackup_DB_20240131_020000.zip"
COLLECTIONS = {"AlteryxGallery.users": 11, "AlteryxService.AS_Queue": 1}


def _manifest(kind, files, databases=()):
    return {"MongoDBInformation": {"DeploymentType": kind}, "Extensions": {"MongoDB": {
        "DataPath": "", "Databases": list(databases),
        "DumpFiles": [{"RelativePathInArchive": f, "SHA256": "AB" * 32} for f in files]}}}


SELF_MANAGED = _manifest("self-managed", ["MongoDB/mongoDump.log", "MongoDB/AlteryxGallery/users.bson.gz",
                                          "MongoDB/AlteryxGallery/users.metadata.json.gz",
                                          "MongoDB/AlteryxService/AS_Queue.bson.gz"],
                         [{"Name": "AlteryxGallery", "Collections": [{"Name": "users", "Documents": 11}]},
                          {"Name": "AlteryxService", "Collections": [{"Name": "AS_Queue", "Documents": 1}]}])


def _log(*, users=(11, 0), queue=(1, 0), summary=(12, 0), extra=""):
    lines = [f"{STAMP}preparing collections to restore from",
             f"{STAMP}don't know what to do with file \"D:\\B\\MongoDB_DUMP_r\\mongoDump.log\", skipping...",
             f"{STAMP}reading metadata for AlteryxGallery.users from D:\\B\\AlteryxGallery\\users.metadata.json.gz",
             f"{STAMP}dropping collection AlteryxGallery.users before restoring",
             f"{STAMP}restoring AlteryxGallery.users from D:\\B\\AlteryxGallery\\users.bson.gz",
             extra,
             f"{STAMP}finished restoring AlteryxGallery.users ({users[0]} documents, {users[1]} failures)",
             f"{STAMP}no indexes to restore for collection AlteryxGallery.users",
             f"{STAMP}restoring AlteryxService.AS_Queue from D:\\B\\AlteryxService\\AS_Queue.bson.gz",
             f"{STAMP}finished restoring AlteryxService.AS_Queue ({queue[0]} document, {queue[1]} failures)",
             f"{STAMP}{summary[0]} document(s) restored successfully. {summary[1]} document(s) failed to restore."]
    return "\n".join(line for line in lines if line) + "\n"


def test_a_sound_mongorestore_log_passes():
    verdict = judge_mongorestore({"exe_exit_code": 0, "restore_log": _log()}, COLLECTIONS)
    assert verdict == {"ok": True, "problems": [], "restored": 12, "failed": 0}


def test_progress_lines_naming_error_words_are_no_errors():
    # A collection called failed_jobs / errors is named in progress lines; only real error lines count.
    collections = {"AlteryxService.failed": 2}
    log = (f"{STAMP}restoring AlteryxService.failed from D:\\B\\AlteryxService\\failed.bson\n"
           f"{STAMP}finished restoring AlteryxService.failed (2 documents, 0 failures)\n"
           f"{STAMP}no indexes to restore for collection AlteryxService.failed\n"
           f"{STAMP}2 document(s) restored successfully. 0 document(s) failed to restore.\n")
    assert judge_mongorestore({"exe_exit_code": 0, "restore_log": log}, collections)["ok"] is True


def test_failed_documents_with_exit_code_zero_are_not_sound():
    duplicate = (f"{STAMP}continuing through error: E11000 duplicate key error collection: AlteryxGallery.users "
                 "index: _id_ dup key: { _id: ObjectId('65b9b1') }")
    verdict = judge_mongorestore({"exe_exit_code": 0, "restore_log": _log(users=(10, 1), summary=(11, 1),
                                                                          extra=duplicate)}, COLLECTIONS)
    assert verdict["ok"] is False and verdict["restored"] == 11 and verdict["failed"] == 1
    assert verdict["problems"][:2] == ["1 document(s) failed to restore",
                                       "11 document(s) restored, the manifest counts 12"]
    assert "AlteryxGallery.users: 10 document(s) restored, 1 failed; the manifest counts 11" in verdict["problems"]
    assert any("continuing through error: E11000" in p for p in verdict["problems"])


@pytest.mark.parametrize(("raw", "problem"), [
    ({"exe_exit_code": 1, "restore_log": f"{STAMP}error connecting to host: auth error\n"},
     "mongorestore exited with code 1"),
    ({"exe_exit_code": 0, "restore_log": None}, "mongoRestore.log was not written"),
    ({"exe_exit_code": 0, "restore_log": _log().replace("12 document(s) restored", "13 document(s) restored")},
     "13 document(s) restored, the manifest counts 12"),
    ({"exe_exit_code": 0, "restore_log": _log() + _log()}, "mongoRestore.log has 2 summary lines, expected exactly one"),
    ({"exe_exit_code": 0, "restore_log": "\n".join(x for x in _log().splitlines() if "AS_Queue (" not in x)},
     "AlteryxService.AS_Queue (1 document(s) in the manifest) was not restored"),
    ({"exe_exit_code": 0, "restore_log": _log(extra=f"{STAMP}finished restoring x.y (1 document, 0 failures)")},
     "x.y was restored but the manifest does not list it"),
    ({"exe_exit_code": 1, "restore_log": _log(extra=f"{STAMP}Failed: AlteryxGallery.users: error restoring")},
     "mongoRestore.log: Failed: AlteryxGallery.users: error restoring"),
    ({"exe_exit_code": 0, "restore_log": _log(extra=f"{STAMP}fatal: out of memory")},
     "mongoRestore.log: fatal: out of memory"),
])
def test_each_doubt_fails_the_verdict(raw, problem):
    verdict = judge_mongorestore(raw, COLLECTIONS)
    assert verdict["ok"] is False
    assert problem in verdict["problems"]


def test_the_mongorestore_plan_stages_next_to_the_archive_and_counts_each_collection():
    plan = mongorestore_plan(SELF_MANAGED, ARCHIVE, "20240131_093000")
    assert plan == {"staging_path": "D:\\Alteryx\\Backups\\MongoDB_DUMP_20240131_093000", "gzip": True,
                    "expected_documents": 12, "collections": COLLECTIONS, "dump_files": 4}


@pytest.mark.parametrize(("manifest", "why"), [
    (_manifest("embedded", ["MongoDB/AlteryxGallery/users.bson"]), "holds a embedded persistence backup"),
    (_manifest("sqlite", ["MongoDB/AlteryxService.db"]), "holds a sqlite persistence backup"),
    (_manifest("self-managed", ["MongoDB/mongoDump.log"]), "no .bson file"),
    (_manifest("self-managed", ["MongoDB/a/x.bson", "MongoDB/a/y.bson.gz"]), "mixes .bson and .bson.gz"),
])
def test_a_mongorestore_plan_of_another_archive_is_refused(manifest, why):
    with pytest.raises(ValueError, match=why):
        mongorestore_plan(manifest, ARCHIVE, "r")


def test_the_sqlite_plan_puts_each_copied_file_back_under_the_sqlite_folder():
    manifest = _manifest("sqlite", ["MongoDB/AlteryxService.db", "MongoDB/persistence.lock", "MongoDB/sub/x.db"])
    plan = sqlite_plan(manifest, "C:\\ProgramData\\Alteryx\\Service\\Persistence\\")
    folder = "C:\\ProgramData\\Alteryx\\Service\\Persistence"
    assert plan == [{"entry": "MongoDB/AlteryxService.db", "path": folder + "\\AlteryxService.db", "sha256": "ab" * 32},
                    {"entry": "MongoDB/persistence.lock", "path": folder + "\\persistence.lock", "sha256": "ab" * 32},
                    {"entry": "MongoDB/sub/x.db", "path": folder + "\\sub\\x.db", "sha256": "ab" * 32}]


@pytest.mark.parametrize(("manifest", "folder", "why"), [
    (SELF_MANAGED, "C:\\P", "holds a self-managed persistence backup, not a SQLite copy"),
    (_manifest("sqlite", ["MongoDB/a.db"]), "", "the SQLite folder is unknown"),
    (_manifest("sqlite", []), "C:\\P", "lists no file of the SQLite copy"),
    (_manifest("sqlite", ["MongoDB/../Keys/alteryx.key"]), "C:\\P", "is no file of the SQLite copy"),
    (_manifest("sqlite", ["Config/RuntimeSettings.xml"]), "C:\\P", "is no file of the SQLite copy"),
])
def test_a_sqlite_plan_that_cannot_be_placed_is_refused(manifest, folder, why):
    with pytest.raises(ValueError, match=why):
        sqlite_plan(manifest, folder)


def test_an_embedded_restore_refuses_another_persistences_archive():
    # A SQLite copy has dump files but no documents: emongorestore would 'succeed' with 0 and switch in nothing.
    with pytest.raises(ValueError, match="holds a sqlite persistence backup, not an embedded MongoDB dump"):
        database_plan(_manifest("sqlite", ["MongoDB/AlteryxService.db"]), "C:\\ProgramData\\M", "r")


def test_archive_persistence_reads_the_deployment_type():
    assert archive_persistence(SELF_MANAGED) == "self-managed"
    assert archive_persistence({}) == "none"

"""The database restore's pure decisions: where it goes, and whether mongoRestore.log says it is sound."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._restore import database_plan, judge_restore

DATA = "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB"
MANIFEST = {"Extensions": {"MongoDB": {
    "DataPath": DATA,
    "Databases": [{"Name": "AlteryxGallery", "Collections": [{"Name": "apps", "Documents": 60},
                                                             {"Name": "users", "Documents": 53}]},
                  {"Name": "AlteryxService", "Collections": [{"Name": "AS_Queue", "Documents": 7}]}],
    "DumpFiles": [{"RelativePathInArchive": "MongoDB/AlteryxGallery/apps.bson"}]}}}
STAMP = "2024-01-31T09:31:02.120+0000\t"


def _log(restored, failed=0, extra=""):
    return f"{extra}{STAMP}{restored} document(s) restored successfully. {failed} document(s) failed to restore.\n"


def test_the_plan_restores_next_to_the_live_folder_and_counts_the_manifest():
    plan = database_plan(MANIFEST, "", "20240131_093000")
    assert plan == {"data_path": DATA, "restore_path": DATA + "_RESTORE_20240131_093000",
                    "old_path": DATA + "_OLD_20240131_093000", "staging_path": DATA + "_DUMP_20240131_093000",
                    "expected_documents": 120, "dump_files": 1}
    # The node's current folder wins over the one recorded at backup time.
    assert database_plan(MANIFEST, "E:\\Mongo\\", "r")["restore_path"] == "E:\\Mongo_RESTORE_r"


@pytest.mark.parametrize(("manifest", "data_path", "why"), [
    ({"Extensions": {"MongoDB": {"DataPath": DATA, "DumpFiles": []}}}, "", "lists no MongoDB dump file"),
    ({}, DATA, "lists no MongoDB dump file"),
    ({"Extensions": {"MongoDB": {**MANIFEST["Extensions"]["MongoDB"], "DataPath": ""}}}, "", "data folder is unknown"),
    (MANIFEST, "Mongo", "data folder is unknown"),
])
def test_a_plan_without_a_dump_or_a_data_folder_is_refused(manifest, data_path, why):
    with pytest.raises(ValueError, match=why):
        database_plan(manifest, data_path, "r")


def test_a_clean_log_with_the_manifests_count_is_sound():
    verdict = judge_restore({"exe_stdout": "EMongoRestore completed.", "restore_log": _log(120)}, 120)
    assert verdict == {"ok": True, "problems": [], "restored": 120, "failed": 0}


@pytest.mark.parametrize(("raw", "problem"), [
    ({"restore_log": _log(118, 2)}, "2 document(s) failed to restore"),
    ({"restore_log": _log(120, extra=f"{STAMP}Failed: insertion error: out of memory\n")},
     "mongoRestore.log: 2024-01-31T09:31:02.120+0000\tFailed: insertion error: out of memory"),
    ({"restore_log": _log(120, extra=f"{STAMP}CRITICAL could not allocate\n")}, "CRITICAL could not allocate"),
    ({"restore_log": _log(120, extra=f"{STAMP}fatal: WiredTiger panic\n")}, "fatal: WiredTiger panic"),
    ({"restore_log": _log(119)}, "119 document(s) restored, the manifest counts 120"),
    ({"restore_log": _log(120) + _log(120)}, "has 2 summary lines"),
    ({"restore_log": f"{STAMP}restoring AlteryxGallery.apps\n"}, "has 0 summary lines"),
    ({"restore_log": None}, "mongoRestore.log was not written"),
    ({"restore_log": _log(120), "exe_stdout": "EMongoRestore failed: target is not empty"},
     "emongorestore said: EMongoRestore failed: target is not empty"),
])
def test_any_doubt_in_the_log_makes_the_restore_unsound(raw, problem):
    verdict = judge_restore(raw, 120)
    assert not verdict["ok"]
    assert any(problem in p for p in verdict["problems"]), verdict["problems"]


def test_the_summarys_own_word_failed_is_no_error_line():
    # "0 document(s) failed to restore." names 'failed' but is the summary itself, judged by its numbers.
    assert judge_restore({"restore_log": _log(5)}, 5)["ok"]

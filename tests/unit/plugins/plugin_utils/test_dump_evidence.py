"""Where a failed dump's evidence is (_dump_window): the kept log's name and the failure message's wording."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import (
    dump_log_path,
    evidence,
    kept_log_path,
    wants_kept_log,
)


@pytest.mark.parametrize(("log", "kept"), [
    ("D:\\Logs\\BackupLog_Full_20240131_020000.log", "D:\\Logs\\BackupLog_Full_20240131_020000.mongoDump.log"),
    ("D:\\Logs\\BackupLog_Full_1.LOG", "D:\\Logs\\BackupLog_Full_1.mongoDump.log"),
    ("D:\\Logs\\run", "D:\\Logs\\run.mongoDump.log"),
])
def test_the_kept_log_sits_beside_the_host_log(log: str, kept: str) -> None:
    assert kept_log_path(log) == kept


def test_the_dump_log_is_in_the_dump_folder_with_or_without_a_trailing_backslash() -> None:
    assert dump_log_path("D:\\S\\MongoDB\\") == dump_log_path("D:\\S\\MongoDB") == "D:\\S\\MongoDB\\mongoDump.log"


def test_only_mongodb_dumps_inside_the_role_keep_their_log() -> None:
    assert wants_kept_log("emongodump", "D:\\L\\x.log") and wants_kept_log("mongodump", "D:\\L\\x.log")
    assert not wants_kept_log("SQLite copy", "D:\\L\\x.log") and not wants_kept_log("emongodump", "")


@pytest.mark.parametrize(("written", "kept", "expected"), [
    (True, {"path": "D:\\L\\x.mongoDump.log", "kept": True}, "the dump's log is kept at D:\\L\\x.mongoDump.log"),
    (True, {"path": "D:\\L\\x.mongoDump.log", "kept": False}, "no mongoDump.log was written in D:\\S\\MongoDB"),
    (False, None, "no mongoDump.log was written in D:\\S\\MongoDB"),
    (True, None, "see D:\\S\\MongoDB\\mongoDump.log"),
    (True, {"error": "disk full"}, "D:\\S\\MongoDB\\mongoDump.log could not be kept (disk full); the failure cleanup "
                                   "removes it with the staging folder"),
])
def test_evidence_says_where_the_log_is(written: bool, kept: dict | None, expected: str) -> None:
    assert evidence("emongodump", "D:\\S\\MongoDB", log_written=written, kept=kept) == expected


def test_a_sqlite_copy_has_no_log_evidence() -> None:
    assert evidence("SQLite copy", "D:\\S\\MongoDB", log_written=False) == ""

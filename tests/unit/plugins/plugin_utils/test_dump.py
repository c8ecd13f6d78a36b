"""Unit tests for the dump verdict (plugins/plugin_utils/_dump.py)."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._dump import judge_dump

LOG = (
    "2025-01-01T00:00:00.000+0000\twriting AlteryxGallery.users to D:\\dump\\AlteryxGallery\\users.bson\n"
    "2025-01-01T00:00:00.100+0000\tdone dumping AlteryxGallery.users (60 documents)\n"
    "2025-01-01T00:00:00.200+0000\twriting AlteryxService.failed_jobs to D:\\dump\\AlteryxService\\failed_jobs.bson\n"
    "2025-01-01T00:00:00.300+0000\tdone dumping AlteryxService.failed_jobs (1 document)\n"
)
FILES = [
    {"path": "AlteryxGallery\\users.bson", "size": 1200},
    {"path": "AlteryxGallery\\users.metadata.json", "size": 90},
    {"path": "AlteryxService\\failed_jobs.bson", "size": 20},
    {"path": "mongoDump.log", "size": len(LOG)},
]


def test_good_dump_lists_databases_with_counts_and_sizes():
    verdict = judge_dump("Starting embedded MongoDB dump\nEMongoDump completed.", "", LOG, FILES)
    assert verdict["ok"] and verdict["reason"] == ""
    assert verdict["documents"] == 61
    assert verdict["databases"] == [
        {"name": "AlteryxGallery", "collections": [{"name": "users", "documents": 60, "bytes": 1200}]},
        {"name": "AlteryxService", "collections": [{"name": "failed_jobs", "documents": 1, "bytes": 20}]},
    ]


def test_progress_lines_on_stderr_are_not_errors():
    assert judge_dump("EMongoDump completed.", LOG, LOG, FILES)["ok"]


@pytest.mark.parametrize(("stdout", "stderr", "log", "files", "reason"), [
    ("EMongoDump failed: embedded MongoDB is not enabled", "", LOG, FILES, "EMongoDump failed: embedded"),
    ("Mongodump failed: 14", "", LOG, FILES, "Mongodump failed: 14"),
    ("EMongoDump completed.", "", None, FILES, "no mongoDump.log"),
    ("EMongoDump completed.", "", LOG + "2025\tFailed: error writing data: disk full\n", FILES, "mongoDump.log reports"),
    ("EMongoDump completed.", "2025\tFATAL could not connect", LOG, FILES, "stderr"),
    ("EMongoDump completed.", "", "", [], "lists no dumped collection"),
    ("EMongoDump completed.", "", LOG, FILES[:2], "have no .bson file: AlteryxService.failed_jobs"),
])
def test_failures_quote_what_the_host_said(stdout, stderr, log, files, reason):
    verdict = judge_dump(stdout, stderr, log, files)
    assert not verdict["ok"]
    assert reason in verdict["reason"]


def test_exit_code_is_ignored_and_paths_match_case_insensitively():
    files = [{"path": "alterygallery\\USERS.bson", "size": 5}]
    log = "done dumping AlteryGallery.users (2 documents)\n"
    assert judge_dump("", "", log, files)["ok"]

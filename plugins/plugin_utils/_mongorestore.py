# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore of a self-managed MongoDB with mongorestore, pure: what to run, and whether its log proves it sound.

mongorestore (MongoDB Database Tools 100.x) logs to stderr only, one line per step of every collection::

    <ts>\\trestoring AlteryxGallery.users from D:\\...\\AlteryxGallery\\users.bson.gz
    <ts>\\tcontinuing through error: E11000 duplicate key error collection: AlteryxGallery.users ...
    <ts>\\tfinished restoring AlteryxGallery.users (11 documents, 0 failures)
    <ts>\\t11 document(s) restored successfully. 0 document(s) failed to restore.

It exits 0 even when documents failed to insert (without --stopOnError), so the verdict reads the log: the
summary, every collection's own count against the manifest, and any other line naming an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._restore import (
    ERROR_WORDS_RE,
    RESTORE_SUMMARY_RE,
    archive_persistence,
    judge_summary,
)

FINISHED_RE = re.compile(r"finished restoring (\S+?)\.(\S+) \((\d+) documents?, (\d+) failures?\)")
# mongorestore's progress lines name collections and files, which may hold any word: never searched for errors.
PROGRESS_RE = re.compile(
    r"^(preparing collections to restore from|reading metadata for \S+ from .*|restoring \S+ from .*|"
    r"dropping collection \S+ before restoring|finished restoring \S+ \(\d+ documents?, \d+ failures?\)|"
    r"no indexes to restore for collection \S+|restoring indexes for collection \S+ from metadata|"
    r"don't know what to do with file \".*\", skipping\.\.\.|\d+ document\(s\) restored successfully\. "
    r"\d+ document\(s\) failed to restore\.|done)$")
STAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\S+\t")


def mongorestore_plan(manifest: Mapping[str, Any], archive: str, run_id: str) -> dict[str, Any]:
    """What a restore of a self-managed MongoDB runs: the archive's dump, extracted next to the archive.

    Returned keys: ``staging_path`` (``<archive folder>\\MongoDB_DUMP_<run id>``), ``gzip`` (the dump was taken
    with --gzip: every ``.bson`` file ends in ``.gz``), ``expected_documents`` (the manifest's total),
    ``collections`` ({``db.coll``: documents} from Extensions.MongoDB.Databases), ``dump_files`` (int).
    Raises ValueError when the archive is not a self-managed MongoDB dump (nothing is touched then).
    """
    kind = archive_persistence(manifest)
    if kind != "self-managed":
        raise ValueError(f"the archive holds a {kind} persistence backup, not a self-managed MongoDB dump")
    mongodb = (manifest.get("Extensions") or {}).get("MongoDB") or {}
    dump_files = [str(f.get("RelativePathInArchive") or "") for f in mongodb.get("DumpFiles") or []
                  if isinstance(f, dict)]
    data_files = [f for f in dump_files if f.endswith((".bson", ".bson.gz"))]
    if not data_files:
        raise ValueError("the manifest lists no .bson file of a MongoDB dump (Extensions.MongoDB.DumpFiles)")
    zipped = {f.endswith(".gz") for f in data_files}
    if len(zipped) > 1:
        raise ValueError("the dump mixes .bson and .bson.gz files: mongorestore reads one kind per run")
    collections = {f"{db.get('Name')}.{coll.get('Name')}": int(coll.get("Documents") or 0)
                   for db in mongodb.get("Databases") or [] for coll in db.get("Collections") or []}
    folder = archive.replace("/", "\\").rsplit("\\", 1)[0]
    return {"staging_path": f"{folder}\\MongoDB_DUMP_{run_id}", "gzip": zipped == {True},
            "expected_documents": sum(collections.values()), "collections": collections,
            "dump_files": len(dump_files)}


def _message(line: str) -> str:
    return STAMP_RE.sub("", line.strip())


def judge_mongorestore(raw: Mapping[str, Any], collections: Mapping[str, int]) -> dict[str, Any]:
    """Judge a mongorestore run from what the host read: sound only when its log says so without any doubt.

    ``raw`` holds ``exe_exit_code`` and ``restore_log`` (mongoRestore.log: the tool's stderr; None when absent).
    ``collections`` is {``db.coll``: documents} of the manifest. Sound means: exit code 0; exactly one summary line
    with N equal to the manifest's total and M = 0; a ``finished restoring`` line for every collection of the
    manifest with its count and 0 failures, and none for a collection the manifest does not list; no other line
    naming error, critical, fatal or failed (``continuing through error: E11000 ...``, ``Failed: ...``).

    Returned keys: ``ok`` (bool), ``problems`` (list of str), ``restored`` (N or None), ``failed`` (M or None).
    """
    log = raw.get("restore_log")
    problems = []
    code = raw.get("exe_exit_code")
    if code not in (0, None):
        problems.append(f"mongorestore exited with code {code}")
    if log is None:
        return {"ok": False, "problems": [*problems, "mongoRestore.log was not written"], "restored": None,
                "failed": None}
    lines = [_message(line) for line in str(log).splitlines() if line.strip()]
    summaries = [(int(m.group(1)), int(m.group(2))) for m in map(RESTORE_SUMMARY_RE.search, lines) if m]
    restored, failed, count_problems = judge_summary(summaries, sum(collections.values()))
    problems += count_problems
    problems += _collection_problems(lines, collections)
    problems += [f"mongoRestore.log: {line}" for line in lines
                 if not PROGRESS_RE.match(line) and ERROR_WORDS_RE.search(line)]
    return {"ok": not problems, "problems": problems, "restored": restored, "failed": failed}


def _collection_problems(lines: list[str], collections: Mapping[str, int]) -> list[str]:
    finished = {}
    for line in lines:
        match = FINISHED_RE.match(line)
        if match:
            finished[f"{match.group(1)}.{match.group(2)}"] = (int(match.group(3)), int(match.group(4)))
    problems = []
    for namespace, documents in collections.items():
        if namespace not in finished:
            problems.append(f"{namespace} ({documents} document(s) in the manifest) was not restored")
            continue
        count, failures = finished[namespace]
        if count != documents or failures:
            problems.append(f"{namespace}: {count} document(s) restored, {failures} failed; the manifest counts "
                            f"{documents}")
    problems += [f"{namespace} was restored but the manifest does not list it" for namespace in finished
                 if namespace not in collections]
    return problems

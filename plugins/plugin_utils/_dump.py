# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judge a persistence dump from what the host saw: stdout, stderr, ``mongoDump.log`` and the exit code.

Three methods fill the dump folder (see alteryx_dump_window.ps1):

- ``emongodump``: AlteryxService.exe runs mongodump against the embedded MongoDB. Its exit code is
  unreliable (a failed dump exits 0), so the verdict comes from its text.
- ``mongodump``: MongoDB Database Tools' mongodump against a self-managed MongoDB. Its exit code IS
  reliable (1 on failure, with a ``Failed: ...`` line); the script keeps its stderr as ``mongoDump.log``.
  With ``--gzip`` every file ends in ``.gz``.
- ``copy``: the SQLite persistence files copied while the service is stopped (judged by judge_copy).

mongodump logs every collection as ``writing <db>.<coll> to <path>`` and ``done dumping <db>.<coll> (<n>
documents)``; those progress lines name collections, so they are never searched for error words (a
collection called ``failed_jobs`` is not a failure).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

DONE = re.compile(r"done dumping ([^.\s]+)\.(\S+) \((\d+) documents?\)")
PROGRESS = re.compile(r"\b(writing \S+ to |done dumping \S+ \(\d+ documents?\))")
ERROR_WORD = re.compile(r"\b(error|fatal|failed)\b", re.IGNORECASE)
EXE_FAILED = re.compile(r"EMongoDump failed|Mongodump failed", re.IGNORECASE)
METHODS = ("emongodump", "mongodump", "copy")


def _error_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if ERROR_WORD.search(line) and not PROGRESS.search(line)]


def _bson_size(sizes: Mapping[str, int], database: str, collection: str) -> int | None:
    """Size of the collection's ``.bson`` (or, with --gzip, ``.bson.gz``) file; None when there is none."""
    for suffix in (".bson", ".bson.gz"):
        key = f"{database}\\{collection}{suffix}".lower()
        if key in sizes:
            return sizes[key]
    return None


def judge_dump(stdout: str, stderr: str, dump_log: str | None, files: Iterable[Mapping[str, Any]], *,
               method: str = "emongodump", exit_code: int | None = None) -> dict[str, Any]:
    """Decide whether a dump succeeded and describe what it holds.

    ``files`` are the dump folder's files as the host listed them (``path`` relative to the
    dump folder with ``\\`` separators, ``size``). ``method`` is ``emongodump`` or ``mongodump``;
    ``exit_code`` counts only for ``mongodump``, whose exit code is reliable.

    Returned keys: ``ok`` (bool), ``reason`` (str, empty when ok: the first thing that is
    wrong, quoted from the host), ``databases`` (list of ``{name, collections: [{name,
    documents, bytes}]}``, sorted by database name, collections in log order), ``documents``
    (int, total).
    """
    if method not in ("emongodump", "mongodump"):
        raise ValueError(f"judge_dump judges emongodump or mongodump, not {method!r}")
    sizes = {str(f["path"]).replace("/", "\\").lower(): int(f["size"]) for f in files}
    databases: dict[str, list[dict[str, Any]]] = {}
    missing: list[str] = []
    for database, collection, documents in DONE.findall(dump_log or ""):
        size = _bson_size(sizes, database, collection)
        if size is None:
            missing.append(f"{database}.{collection}")
        databases.setdefault(database, []).append(
            {"name": collection, "documents": int(documents), "bytes": size or 0})
    reason = ""
    if method == "emongodump" and EXE_FAILED.search(stdout or ""):
        reason = [line for line in stdout.splitlines() if EXE_FAILED.search(line)][0].strip()
    elif dump_log is None:
        reason = f"{method} wrote no mongoDump.log"
    elif _error_lines(dump_log):
        reason = f"mongoDump.log reports: {_error_lines(dump_log)[0]}"
    elif _error_lines(stderr or ""):
        reason = f"{method} reported on stderr: {_error_lines(stderr)[0]}"
    elif method == "mongodump" and exit_code not in (0, None):
        reason = f"mongodump exited with code {exit_code}"
    elif not databases:
        reason = "mongoDump.log lists no dumped collection"
    elif missing:
        reason = f"collections logged as dumped have no .bson file: {', '.join(missing)}"
    return {
        "ok": not reason,
        "reason": reason,
        "databases": [{"name": name, "collections": colls} for name, colls in sorted(databases.items())],
        "documents": sum(c["documents"] for colls in databases.values() for c in colls),
    }


def judge_copy(files: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Decide whether a copy of the SQLite persistence folder holds anything.

    Returned keys: as judge_dump's; ``databases`` is always empty (the SQLite files are listed in the
    dump's ``files``) and ``documents`` 0.
    """
    listed = list(files)
    reason = "" if listed else "the SQLite persistence folder held no file to copy"
    return {"ok": not reason, "reason": reason, "databases": [], "documents": 0}

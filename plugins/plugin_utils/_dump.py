# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judge an emongodump from what the host saw: stdout, stderr and ``mongoDump.log``.

AlteryxService.exe's exit code is unreliable (a failed dump exits 0), so the verdict comes
from its text. mongodump logs every collection as ``writing <db>.<coll> to <path>`` and
``done dumping <db>.<coll> (<n> documents)``; those progress lines name collections, so they
are never searched for error words (a collection called ``failed_jobs`` is not a failure).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

DONE = re.compile(r"done dumping ([^.\s]+)\.(\S+) \((\d+) documents?\)")
PROGRESS = re.compile(r"\b(writing \S+ to |done dumping \S+ \(\d+ documents?\))")
ERROR_WORD = re.compile(r"\b(error|fatal|failed)\b", re.IGNORECASE)
EXE_FAILED = re.compile(r"EMongoDump failed|Mongodump failed", re.IGNORECASE)


def _error_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if ERROR_WORD.search(line) and not PROGRESS.search(line)]


def judge_dump(stdout: str, stderr: str, dump_log: str | None, files: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Decide whether a dump succeeded and describe what it holds.

    ``files`` are the dump folder's files as the host listed them (``path`` relative to the
    dump folder with ``\\`` separators, ``size``).

    Returned keys: ``ok`` (bool), ``reason`` (str, empty when ok: the first thing that is
    wrong, quoted from the host), ``databases`` (list of ``{name, collections: [{name,
    documents, bytes}]}``, sorted by database name, collections in log order), ``documents``
    (int, total).
    """
    sizes = {str(f["path"]).replace("/", "\\").lower(): int(f["size"]) for f in files}
    databases: dict[str, list[dict[str, Any]]] = {}
    missing: list[str] = []
    for database, collection, documents in DONE.findall(dump_log or ""):
        bson = f"{database}\\{collection}.bson".lower()
        if bson not in sizes:
            missing.append(f"{database}.{collection}")
        databases.setdefault(database, []).append(
            {"name": collection, "documents": int(documents), "bytes": sizes.get(bson, 0)})
    reason = ""
    if EXE_FAILED.search(stdout or ""):
        reason = [line for line in stdout.splitlines() if EXE_FAILED.search(line)][0].strip()
    elif dump_log is None:
        reason = "emongodump wrote no mongoDump.log"
    elif _error_lines(dump_log):
        reason = f"mongoDump.log reports: {_error_lines(dump_log)[0]}"
    elif _error_lines(stderr or ""):
        reason = f"emongodump reported on stderr: {_error_lines(stderr)[0]}"
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

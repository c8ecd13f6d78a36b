"""The spec's BackupManifest.json example and a check that a manifest has its shape (used by unit and integration
tests alike).

``SPEC_EXAMPLE`` is a verbatim copy of the example in the spec's data model (tests/unit/.../data). A manifest has
the spec's shape when it has every key path of the example with the same JSON type; ``ARCHIVE_LEVEL`` values may be
null inside the archive (only the finished archive can give them), ``MODE_NULLS`` / ``MODE_EMPTY`` are the spec's
per-mode variations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SPEC_EXAMPLE_PATH = (Path(__file__).resolve().parents[1] / "unit" / "plugins" / "plugin_utils" / "data"
                     / "spec_manifest_example.json")
SPEC_EXAMPLE = json.loads(SPEC_EXAMPLE_PATH.read_text(encoding="utf-8"))
ARCHIVE_LEVEL = frozenset({
    "BackupMetadata.BackupCompletionTimestamp", "BackupMetadata.DurationSeconds", "ArchiveInformation.ArchiveSizeMB",
    "ArchiveInformation.CompressionRatio", "ArchiveInformation.SHA256", "ArchiveInformation.ArchiveIntegrityVerified",
    "ValidationResults.PostBackupChecks.ArchiveCreated", "ValidationResults.PostBackupChecks.ArchiveSizeValid",
    "ValidationResults.PostBackupChecks.ChecksumGenerated", "ValidationResults.PostBackupChecks.AllFilesIncluded",
})
MODE_NULLS = {"DatabaseOnly": frozenset({"ControllerSettings"}),
              "ConfigOnly": frozenset({"ValidationResults.PreBackupChecks.NoActiveWorkflows"}), "Full": frozenset()}
MODE_EMPTY = {"DatabaseOnly": frozenset({"BackedUpFiles"}), "ConfigOnly": frozenset(), "Full": frozenset()}


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def shape_problems(ours: Any, spec: Any, path: str = "", nullable: frozenset[str] = frozenset(),
                   may_be_empty: frozenset[str] = frozenset()) -> list[str]:
    """Where ``ours`` lacks a key path of ``spec`` or has another JSON type there.

    A list of the spec matches when every one of its items (its shapes: a file and a folder entry) matches some item
    of ours; ``nullable`` paths may be null, ``may_be_empty`` lists may be empty.
    """
    if path in nullable and ours is None:
        return []
    if json_type(ours) != json_type(spec):
        return [f"{path or '(root)'}: {json_type(ours)} where the spec has {json_type(spec)}"]
    if isinstance(spec, dict):
        problems = []
        for key, value in spec.items():
            inner = f"{path}.{key}" if path else key
            if key not in ours:
                problems.append(f"{inner}: missing")
            else:
                problems += shape_problems(ours[key], value, inner, nullable, may_be_empty)
        return problems
    if isinstance(spec, list) and spec:
        if not ours:
            return [] if path in may_be_empty else [f"{path}: empty where the spec has items"]
        return [f"{path}: no item shaped like the spec's item {index} ({sorted(item)})"
                for index, item in enumerate(spec)
                if all(shape_problems(mine, item, path + "[]", nullable, may_be_empty) for mine in ours)]
    return []

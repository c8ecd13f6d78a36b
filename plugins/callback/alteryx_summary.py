# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback alteryx.server.alteryx_summary: one table per run of the backup outcomes the role publishes."""

from __future__ import annotations

DOCUMENTATION = r"""
---
name: alteryx_summary
type: aggregate
short_description: Print one table per run with every node's backup outcome
version_added: 0.1.0
description:
  - At the end of a playbook run, prints one table at default verbosity with a row per node backed up by the
    C(alteryx.server.backup) role - host, cluster, mode, archive, size, downtime, result and exit code.
  - Reads the C(alteryx_backup) statistics the role publishes with C(ansible.builtin.set_stats) (one entry per
    host with C(mode), C(archive), C(size), C(status), C(failure_class), C(exit_code) and, when present,
    C(cluster) and C(downtime_seconds)); a run without them prints nothing.
  - A collection callback runs only when enabled - C(callbacks_enabled = alteryx.server.alteryx_summary) in the
    C([defaults]) section of C(ansible.cfg), or C(ANSIBLE_CALLBACKS_ENABLED=alteryx.server.alteryx_summary). It
    works beside any stdout callback (it is not one). AWX shows the same numbers as the job's artifacts.
author:
  - alteryx.server maintainers (@alteryx-server)
requirements:
  - the play runs the C(alteryx.server.backup) role (or sets C(alteryx_backup) with C(ansible.builtin.set_stats))
"""

from collections.abc import Mapping
from typing import Any

from ansible.plugins.callback import CallbackBase

COLUMNS = ("host", "cluster", "mode", "archive", "size", "downtime", "result", "exit code")


def human_size(count: Any) -> str:
    """Bytes for a person (``0`` and missing sizes as ``-``): ``812 B``, ``1.5 KB``, ``2.3 GB``."""
    try:
        size = float(count)
    except (TypeError, ValueError):
        return "-"
    if size <= 0:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return "-"  # not reached


def result_of(outcome: Mapping[str, Any]) -> str:
    """``Success``, ``Warning (N destination(s) failed)`` or ``Failed (<failure_class>)``."""
    if outcome.get("failure_class"):
        return f"Failed ({outcome['failure_class']})"
    status = str(outcome.get("status") or "Success")
    failed = outcome.get("destinations_failed") or 0
    return f"{status} ({failed} destination(s) failed)" if status == "Warning" and failed else status


def rows(outcomes: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, ...]]:
    """One row per host (sorted by cluster, then host) from the ``alteryx_backup`` statistics."""
    table = []
    for host, outcome in outcomes.items():
        if not isinstance(outcome, Mapping):
            continue
        downtime = outcome.get("downtime_seconds")
        table.append((str(host), str(outcome.get("cluster") or "-"), str(outcome.get("mode") or "-"),
                      str(outcome.get("archive") or "-"), human_size(outcome.get("size")),
                      f"{float(downtime):.1f} s" if isinstance(downtime, (int, float)) and downtime else "-",
                      result_of(outcome), str(outcome.get("exit_code", "-"))))
    return sorted(table, key=lambda row: (row[1], row[0]))


def render(outcomes: Mapping[str, Mapping[str, Any]]) -> str:
    """The table as text (columns padded to their widest cell); '' when there is no outcome."""
    body = rows(outcomes)
    if not body:
        return ""
    widths = [max(len(row[i]) for row in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [COLUMNS, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "alteryx.server.alteryx_summary"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_stats(self, stats: Any) -> None:
        outcomes = (getattr(stats, "custom", {}) or {}).get("_run", {}).get("alteryx_backup")
        text = render(outcomes) if isinstance(outcomes, Mapping) else ""
        if text:
            self._display.banner("ALTERYX BACKUP SUMMARY")
            self._display.display(text)

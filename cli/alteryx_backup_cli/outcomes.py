"""Per-host outcomes of a backup run, read from ansible-runner's events, and the table printed at the end.

Where a failed host's exit code comes from, first source that has one wins:

1. the host's last failed task (not ``ignore_errors``): its ``failure_class`` / ``exit_code`` result keys - the
   role's final ``alteryx.server.alteryx_fail`` task, or a step that failed outside the role's block (the plan
   task: validation 3, invalid mode 6);
2. the ``alteryx_backup`` entry ``set_stats`` recorded for the host in the role's rescue;
3. an earlier failed task of the same play, newest first: the step the rescue handled (while the role's last
   task is a plain ``ansible.builtin.fail`` that carries only ``msg``);
4. otherwise 1 (general).

An unreachable host is ``unreachable`` with failure class ``general`` (1). Messages are never parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alteryx_backup_cli.exit_codes import CLASS_OF_CODE, GENERAL, SUCCESS, code_of_result

STATS_KEY = "alteryx_backup"


@dataclass
class HostOutcome:
    """How one host's backup ended."""

    host: str
    result: str = "ok"  # ok, checked (check mode), failed, unreachable
    mode: str = ""
    failure_class: str = ""
    exit_code: int = SUCCESS
    archive: str = ""
    size: int | None = None
    failed_task: str = ""
    msg: str = ""


@dataclass
class _Failure:
    play: str
    task: str
    result: dict[str, Any]


@dataclass
class _HostEvents:
    failures: list[_Failure] = field(default_factory=list)
    unreachable: str | None = None
    mode: str = ""
    archive: str = ""
    size: int | None = None


def _action_name(event_data: Mapping[str, Any]) -> str:
    action = event_data.get("resolved_action") or event_data.get("task_action") or ""
    return str(action).rsplit(".", 1)[-1]


class RunCollector:
    """An ansible-runner ``event_handler``: remembers what the outcomes need, keeps no event files."""

    def __init__(self) -> None:
        self._hosts: dict[str, _HostEvents] = {}
        self.stats: dict[str, Any] | None = None
        self.custom_stats: dict[str, Any] = {}

    def _host(self, name: str) -> _HostEvents:
        return self._hosts.setdefault(name, _HostEvents())

    def __call__(self, event: Mapping[str, Any]) -> bool:
        self.handle(event)
        return False  # nothing written under the private data dir

    def handle(self, event: Mapping[str, Any]) -> None:
        kind = event.get("event")
        data = event.get("event_data") or {}
        if kind == "playbook_on_stats":
            keys = ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored", "processed")
            self.stats = {key: dict(data.get(key) or {}) for key in keys}
            artifact = data.get("artifact_data") or {}
            self.custom_stats = dict(artifact) if isinstance(artifact, Mapping) else {}
            return
        host = data.get("host")
        if not host:
            return
        res = data.get("res") if isinstance(data.get("res"), Mapping) else {}
        if kind == "runner_on_ok":
            record = self._host(host)
            action = _action_name(data)
            if action == "alteryx_backup_plan" and isinstance(res.get("mode"), str):
                record.mode = res["mode"]
            elif action == "alteryx_archive" and isinstance(res.get("archive"), Mapping):
                record.archive = str(res["archive"].get("path") or "")
                size = res["archive"].get("size")
                record.size = size if isinstance(size, int) else None
        elif kind == "runner_on_failed":
            if data.get("ignore_errors"):
                return
            self._host(host).failures.append(_Failure(str(data.get("play_uuid") or data.get("play") or ""),
                                                      str(data.get("task") or ""), dict(res)))
        elif kind == "runner_on_unreachable":
            self._host(host).unreachable = str(res.get("msg") or "unreachable")
        elif kind in ("runner_on_skipped", "runner_on_start"):
            self._host(host)

    def outcomes(self, check: bool = False) -> list[HostOutcome]:
        """One outcome per host the play ran on, in the order they first appeared."""
        names = list(self._hosts)
        if self.stats is not None:
            for key in ("processed", "ok", "failures", "dark", "skipped", "rescued", "ignored", "changed"):
                names += [n for n in self.stats.get(key, {}) if n not in names]
        reported = self.custom_stats.get(STATS_KEY) if isinstance(self.custom_stats.get(STATS_KEY), Mapping) else {}
        return [self._outcome(name, reported.get(name) if isinstance(reported.get(name), Mapping) else {}, check)
                for name in names]

    def _outcome(self, name: str, reported: Mapping[str, Any], check: bool) -> HostOutcome:
        events = self._hosts.get(name, _HostEvents())
        if self.stats is not None:
            failed = self.stats["failures"].get(name, 0) > 0
            dark = self.stats["dark"].get(name, 0) > 0
        else:  # the run ended without a recap: every failure seen counts
            failed, dark = bool(events.failures), events.unreachable is not None
        outcome = HostOutcome(host=name, mode=events.mode or str(reported.get("mode") or ""),
                              archive=events.archive or str(reported.get("archive") or ""),
                              size=events.size if events.size is not None else _int_or_none(reported.get("size")))
        if failed and events.failures:
            outcome.result = "failed"
            last = events.failures[-1]
            outcome.failed_task, outcome.msg = last.task, str(last.result.get("msg") or "")
            code = code_of_result(last.result)
            if code is None:
                code = code_of_result(reported)
            if code is None:
                code = next((c for f in reversed(events.failures[:-1]) if f.play == last.play
                             for c in [code_of_result(f.result)] if c is not None), GENERAL)
            outcome.exit_code, outcome.failure_class = code, CLASS_OF_CODE[code]
        elif dark or failed:
            outcome.result = "unreachable" if dark else "failed"
            outcome.msg = events.unreachable or ""
            outcome.exit_code, outcome.failure_class = GENERAL, CLASS_OF_CODE[GENERAL]
        else:
            outcome.result = "checked" if check else "ok"
        return outcome


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


COLUMNS = ("host", "mode", "result", "failure_class", "exit code", "archive")


def render_table(outcomes: list[HostOutcome]) -> str:
    """The per-host table: host, mode, result, failure_class, exit code, archive path."""
    rows = [COLUMNS] + [(o.host, o.mode or "-", o.result, o.failure_class or "-", str(o.exit_code), o.archive or "-")
                        for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report: each server's newest good backup per mode, judged against a maximum age (pure logic).

Two stages, one per action:

* ``host_inventory`` (alteryx_backup_inventory, per host): from the flat listing of alteryx_backup_inventory.ps1,
  the newest GOOD archive of each mode. An archive copy is good when its ``.sha256`` sidecar is well-formed and
  names it, its ``.manifest.json`` copy is beside it, its zip directory holds ``BackupManifest.json``, it is at
  least the minimum size of its mode and - when the host hashed it - its SHA256 equals the sidecar's. The same
  archive name in several folders (local and network copies) is one backup; it is good when any copy is good.
* ``build_report`` (alteryx_backup_report, once): every host of the play judged at one moment ``now``: per mode
  with a maximum age, OK when its newest good backup is younger, STALE when older, MISSING when there is none;
  a host whose inventory could not be taken is UNREACHABLE (connection) or ERROR (anything else). The host's
  status is its worst mode's.

A backup's age comes from its archive's last write time (UTC, written when the archive was published; copies keep
it), not from the timestamp in its name, which is the host's local time without a time zone.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import parse_utc, utc_text
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import MODES, normalize_mode, parse_archive_name
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import (
    ListedArchive,
    join_path,
    resolve_min_bytes,
    sidecar_digest,
)

OK, STALE, MISSING, UNREACHABLE, ERROR = "OK", "STALE", "MISSING", "UNREACHABLE", "ERROR"
# Worst first: a host's status is the first of these that any of its modes has.
SEVERITY = (UNREACHABLE, ERROR, MISSING, STALE, OK)
PROBLEMS = (UNREACHABLE, ERROR, MISSING, STALE)
VERIFIED, MISMATCH, NOT_VERIFIED, HASH_ERROR = "verified", "mismatch", "not verified", "hash error"
DEFAULT_MAX_AGE_HOURS: dict[str, float] = {"Full": 26.0}


@dataclass(frozen=True)
class InventoryEntry:
    """One archive-named file as alteryx_backup_inventory.ps1 listed it (flat host facts, no judgement)."""

    archive: ListedArchive
    written: datetime  # LastWriteTimeUtc, aware UTC
    sha256: str  # '' unless the host hashed it
    hash_error: str


def destination_folders(network_paths: Sequence[str], host_folder: str) -> list[str]:
    """The host's network folders, as the backup plan names them: ``<share>\\<host_folder>``."""
    return [join_path(path, host_folder) for path in network_paths]


def resolve_max_age_hours(max_age_hours: Mapping[str, Any] | None) -> dict[str, float]:
    """Maximum age per judged mode (keys: modes or tags, any case); only the modes given are judged.

    Raises ValueError for a value that is not a positive number, AlteryxStepError (invalid_mode) for an unknown key.
    """
    resolved: dict[str, float] = {}
    for key, value in (DEFAULT_MAX_AGE_HOURS if max_age_hours is None else max_age_hours).items():
        mode = normalize_mode(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"the maximum age of {mode} backups must be a positive number of hours, got {value!r}")
        resolved[mode] = float(value)
    if not resolved:
        raise ValueError("no mode to judge: give the maximum age in hours of at least one mode")
    return resolved


# --- host facts ----------------------------------------------------------------------------------------------

def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise ValueError(f"listing entry {dict(record)!r} has no text {key!r}")
    return value


def _flag(record: Mapping[str, Any], key: str) -> bool:
    value = record.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"listing entry {dict(record)!r} has no true/false {key!r}")
    return value


def entries_from_listing(records: Iterable[Any]) -> list[InventoryEntry]:
    """The listing records of alteryx_backup_inventory.ps1; ValueError for a record of another shape."""
    entries = []
    for record in records:
        if not isinstance(record, Mapping):
            raise ValueError(f"listing entry is not a record: {record!r}")
        size = record.get("size")
        if isinstance(size, bool) or not isinstance(size, int):
            raise ValueError(f"listing entry {dict(record)!r} has no whole-number 'size'")
        archive = ListedArchive(_text(record, "folder"), _text(record, "name"), size, _flag(record, "has_sidecar"),
                                _text(record, "sidecar"), _flag(record, "has_manifest"),
                                _flag(record, "has_manifest_copy"))
        try:
            written = parse_utc(_text(record, "last_write_utc"))
        except ValueError:
            raise ValueError(f"listing entry {dict(record)!r} has a last_write_utc that is not "
                             "YYYY-MM-DDTHH:MM:SSZ") from None
        entries.append(InventoryEntry(archive, written, _text(record, "sha256").lower(), _text(record, "hash_error")))
    return entries


def folders_from_host(records: Iterable[Any]) -> list[dict[str, Any]]:
    """The folder records ({path, exists, error}) of alteryx_backup_inventory.ps1; ValueError for another shape."""
    folders = []
    for record in records:
        if not (isinstance(record, Mapping) and isinstance(record.get("path"), str)
                and isinstance(record.get("exists"), bool) and isinstance(record.get("error"), str)):
            raise ValueError(f"folder entry {record!r} is not {{path, exists, error}}")
        folders.append({"path": record["path"], "exists": record["exists"], "error": record["error"]})
    return folders


# --- one host ------------------------------------------------------------------------------------------------

def judge_copy(entry: InventoryEntry, min_bytes: int) -> tuple[bool, str, list[str]]:
    """(good, verification, problems) of one copy of an archive.

    verification: ``verified`` (the host's SHA256 equals the sidecar's), ``mismatch``, ``hash error`` or
    ``not verified`` (not hashed).
    """
    archive = entry.archive
    mode = parse_archive_name(archive.name)
    problems = []
    digest, sidecar_problem = sidecar_digest(archive)
    if sidecar_problem:
        problems.append(sidecar_problem)
    if not archive.has_manifest_copy:
        problems.append("it has no .manifest.json copy beside it")
    if not archive.has_manifest:
        problems.append("its zip directory has no BackupManifest.json (or cannot be read)")
    if archive.size < min_bytes:
        problems.append(f"it is {archive.size} bytes, below the minimum of {min_bytes} for "
                        f"{mode.mode if mode else 'its mode'}")
    verification = NOT_VERIFIED
    if entry.hash_error:
        verification = HASH_ERROR
        problems.append(f"its SHA256 could not be computed: {entry.hash_error}")
    elif entry.sha256:
        verification = VERIFIED if digest and entry.sha256 == digest else MISMATCH
        if verification == MISMATCH and digest:
            problems.append(f"its SHA256 {entry.sha256} differs from its sidecar's {digest}")
    return not problems, verification, problems


def host_inventory(entries: Sequence[InventoryEntry], min_bytes: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Judge one host's archives. ``min_bytes``: minimum size per mode (keys modes or tags) over the defaults.

    Returned keys: ``backups`` ({mode: newest good backup} for each mode that has one: ``name``, ``mode``,
    ``written_utc``, ``size``, ``verification`` (``verified`` when any good copy's SHA256 was checked),
    ``copies`` (full paths of its good copies), ``bad_copies`` (``[{path, problems}]``)), ``bad`` (every copy that
    is not good and is newer than its mode's newest good backup: ``[{path, mode, written_utc, problems}]``, newest
    first), ``archives`` (number of archive copies listed).
    """
    minimum = resolve_min_bytes(min_bytes)
    by_name: dict[str, list[tuple[InventoryEntry, bool, str, list[str]]]] = {}
    for entry in entries:
        parsed = parse_archive_name(entry.archive.name)
        if parsed is None:  # the host lists only our names; anything else is not a backup
            continue
        good, verification, problems = judge_copy(entry, minimum[parsed.mode])
        by_name.setdefault(entry.archive.name, []).append((entry, good, verification, problems))
    backups: dict[str, dict[str, Any]] = {}
    # Newest first by the name's timestamp (its mode's order); the archive's write time decides its age.
    for name in sorted(by_name, key=lambda n: parse_archive_name(n).timestamp, reverse=True):  # type: ignore[union-attr]
        mode = parse_archive_name(name).mode  # type: ignore[union-attr]
        copies = by_name[name]
        good_copies = [c for c in copies if c[1]]
        if mode in backups or not good_copies:
            continue
        backups[mode] = {
            "name": name,
            "mode": mode,
            "written_utc": utc_text(min(c[0].written for c in good_copies)),
            "size": max(c[0].archive.size for c in good_copies),
            "verification": VERIFIED if any(c[2] == VERIFIED for c in good_copies) else NOT_VERIFIED,
            "copies": [c[0].archive.path for c in good_copies],
            "bad_copies": [{"path": c[0].archive.path, "problems": c[3]} for c in copies if not c[1]],
        }
    bad = []
    for name, copies in by_name.items():
        parsed = parse_archive_name(name)
        newest = backups.get(parsed.mode)  # type: ignore[union-attr]
        if newest and parse_archive_name(newest["name"]).timestamp >= parsed.timestamp:  # type: ignore[union-attr]
            continue
        bad += [{"path": c[0].archive.path, "mode": parsed.mode, "written_utc": utc_text(c[0].written),  # type: ignore[union-attr]
                 "problems": c[3]} for c in copies if not c[1]]
    bad.sort(key=lambda b: b["written_utc"], reverse=True)
    return {"backups": {mode: backups[mode] for mode in MODES if mode in backups}, "bad": bad,
            "archives": len(entries)}


# --- the fleet -----------------------------------------------------------------------------------------------

def _hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


def judge_host(name: str, inventory: Mapping[str, Any] | None, now: datetime,
               max_age_hours: Mapping[str, float]) -> dict[str, Any]:
    """One host's line of the report. ``inventory``: the registered alteryx_backup_inventory result (None when the
    host has none: it was unreachable before the task ran).

    Returned keys: ``host``, ``status`` (worst of its modes), ``message`` (why, for a problem), ``modes`` ({mode:
    {status, max_age_hours, age_hours (None without a backup), backup (the newest good backup or None)}} for every
    judged mode), ``other_backups`` (newest good backups of modes not judged), ``bad`` and ``folders`` (as the
    inventory returned them).
    """
    line: dict[str, Any] = {"host": name, "status": OK, "message": "", "modes": {}, "other_backups": {},
                            "bad": [], "folders": []}
    inventory = inventory or {"unreachable": True, "msg": "no inventory was taken (the host was unreachable "
                                                          "before this task)"}
    if inventory.get("unreachable"):
        return {**line, "status": UNREACHABLE, "message": str(inventory.get("msg") or "unreachable")}
    if inventory.get("failed") or inventory.get("skipped") or not isinstance(inventory.get("backups"), Mapping):
        why = inventory.get("msg") or ("the inventory task was skipped" if inventory.get("skipped")
                                       else "the inventory returned no backups")
        return {**line, "status": ERROR, "message": f"the backups could not be listed: {why}"}
    backups: Mapping[str, Any] = inventory["backups"]
    line["bad"] = list(inventory.get("bad") or [])
    line["folders"] = list(inventory.get("folders") or [])
    problems = []
    for mode, limit in max_age_hours.items():
        backup = backups.get(mode)
        if not backup:
            line["modes"][mode] = {"status": MISSING, "max_age_hours": limit, "age_hours": None, "backup": None}
            problems.append(f"no good {mode} backup")
            continue
        age = _hours((now - parse_utc(backup["written_utc"])).total_seconds())
        status = STALE if age > limit else OK
        line["modes"][mode] = {"status": status, "max_age_hours": limit, "age_hours": age, "backup": dict(backup)}
        if status == STALE:
            problems.append(f"newest good {mode} backup {backup['name']} is {age} h old (limit {limit:g} h)")
    line["other_backups"] = {mode: dict(b) for mode, b in backups.items() if mode not in max_age_hours}
    statuses = {m["status"] for m in line["modes"].values()}
    line["status"] = next(s for s in SEVERITY if s in statuses or s == OK)
    unreadable = [f["path"] for f in line["folders"] if f.get("error") or not f.get("exists")]
    if problems and unreadable:
        problems.append(f"folders not found or not readable: {', '.join(unreadable)}")
    line["message"] = "; ".join(problems)
    return line


def build_report(inventories: Mapping[str, Mapping[str, Any] | None], now: datetime,
                 max_age_hours: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The whole report. ``inventories``: {host: registered inventory result or None}, in the play's host order.

    Returned keys: ``generated_utc``, ``max_age_hours``, ``hosts`` (judge_host lines, in the given order),
    ``counts`` ({status: number of hosts}), ``problem_hosts`` ({status: [host]} for STALE, MISSING, UNREACHABLE,
    ERROR), ``ok`` (no problem host), ``summary`` (one line).
    """
    limits = resolve_max_age_hours(max_age_hours)
    now = now.astimezone(UTC)
    hosts = [judge_host(name, inventory, now, limits) for name, inventory in inventories.items()]
    counts = {status: sum(1 for h in hosts if h["status"] == status) for status in SEVERITY}
    problem_hosts = {status: [h["host"] for h in hosts if h["status"] == status] for status in PROBLEMS}
    report = {"generated_utc": utc_text(now), "max_age_hours": limits, "hosts": hosts, "counts": counts,
              "problem_hosts": {s: names for s, names in problem_hosts.items() if names},
              "ok": not any(problem_hosts.values())}
    report["summary"] = summary_line(report)
    return report


def summary_line(report: Mapping[str, Any]) -> str:
    """``3 servers: 1 OK, 1 STALE (b), 1 MISSING (c)`` - the problem hosts named."""
    parts = []
    for status in (OK, *PROBLEMS):
        count = report["counts"].get(status, 0)
        if count:
            names = report["problem_hosts"].get(status)
            parts.append(f"{count} {status}" + (f" ({', '.join(names)})" if names else ""))
    total = len(report["hosts"])
    return f"{total} server{'s' if total != 1 else ''}: " + (", ".join(parts) or "none")


def failure_message(report: Mapping[str, Any], paths: Sequence[str] = ()) -> str:
    """What the failing report task says: every problem host with its reason, and where the report is."""
    lines = [f"Backups are not fresh on {sum(len(v) for v in report['problem_hosts'].values())} of "
             f"{len(report['hosts'])} servers - {report['summary']}."]
    lines += [f"{h['host']}: {h['status']} - {h['message']}" for h in report["hosts"] if h["status"] != OK]
    if paths:
        lines.append(f"Report: {', '.join(paths)}")
    return " ".join(line if line.endswith(".") else line + "." for line in lines)


# --- rendering -----------------------------------------------------------------------------------------------

def _size(nbytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024  # type: ignore[assignment]
    return ""  # unreachable: the loop returns at GB


def _cells(host: Mapping[str, Any], mode: str) -> list[str]:
    judged = host["modes"].get(mode)
    if judged is None:
        return [host["status"], "", "", "", "", ""]
    backup = judged["backup"] or {}
    age = "" if judged["age_hours"] is None else f"{judged['age_hours']} h"
    return [judged["status"], backup.get("name", "none"), age, _size(backup["size"]) if backup else "",
            backup.get("verification", ""), str(len(backup.get("copies", [])))]


HEADER = ["Server", "Mode", "Status", "Newest good backup", "Age", "Size", "Verification", "Copies", "Note"]


def _rows(report: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for host in report["hosts"]:
        modes = list(report["max_age_hours"])
        for mode in modes:
            note = host["message"] if host["status"] in (UNREACHABLE, ERROR) else (
                host["modes"][mode]["status"] != OK and host["message"] or "")
            rows.append([host["host"], mode, *_cells(host, mode), note])
            if host["status"] in (UNREACHABLE, ERROR):
                break  # one line says it for every mode
    return rows


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown: a summary line, one table row per server and judged mode, then the bad archives."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    limits = ", ".join(f"{m} {h:g} h" for m, h in report["max_age_hours"].items())
    lines = ["# Alteryx Server backup report", "", f"Generated {report['generated_utc']}; maximum age: {limits}.",
             "", f"**{'OK' if report['ok'] else 'PROBLEMS'}** - {report['summary']}", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in _rows(report)]
    bad = [(h["host"], b) for h in report["hosts"] for b in h["bad"]]
    if bad:
        lines += ["", "## Archives newer than the newest good backup that are not good", ""]
        lines += [f"- {cell(host)}: `{b['path']}` ({b['written_utc']}): {cell('; '.join(b['problems']))}"
                  for host, b in bad]
    return "\n".join(lines) + "\n"


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page (every value escaped)."""
    def esc(text: Any) -> str:
        return html.escape(str(text), quote=True)

    colours = {OK: "#d4edda", STALE: "#fff3cd", MISSING: "#f8d7da", UNREACHABLE: "#e2e3e5", ERROR: "#f8d7da"}
    limits = ", ".join(f"{m} {h:g} h" for m, h in report["max_age_hours"].items())
    rows = "\n".join(
        f"<tr style=\"background:{colours.get(row[2], '#ffffff')}\">" + "".join(f"<td>{esc(c)}</td>" for c in row)
        + "</tr>" for row in _rows(report))
    bad = "".join(f"<li>{esc(h['host'])}: <code>{esc(b['path'])}</code> ({esc(b['written_utc'])}): "
                  f"{esc('; '.join(b['problems']))}</li>" for h in report["hosts"] for b in h["bad"])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Alteryx Server backup report"
            "</title>\n<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;"
            "padding:4px 8px;text-align:left}</style></head><body>\n<h1>Alteryx Server backup report</h1>\n"
            f"<p>Generated {esc(report['generated_utc'])}; maximum age: {esc(limits)}.</p>\n"
            f"<p><strong>{'OK' if report['ok'] else 'PROBLEMS'}</strong> - {esc(report['summary'])}</p>\n"
            "<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in HEADER) + "</tr></thead><tbody>\n"
            + rows + "\n</tbody></table>\n"
            + (f"<h2>Archives newer than the newest good backup that are not good</h2><ul>{bad}</ul>\n" if bad else "")
            + "</body></html>\n")


def render_json(report: Mapping[str, Any]) -> str:
    """The report as JSON (sorted keys, indented): what a monitoring system reads."""
    return json.dumps(report, indent=2, sort_keys=True) + "\n"

"""Example and property tests for the fleet report: newest good backup per mode, OK / STALE / MISSING / UNREACHABLE."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import MODE_TAGS, archive_name
from ansible_collections.alteryx.server.plugins.plugin_utils._report import (
    ERROR,
    MISMATCH,
    MISSING,
    NOT_VERIFIED,
    OK,
    STALE,
    UNREACHABLE,
    VERIFIED,
    build_report,
    destination_folders,
    entries_from_listing,
    failure_message,
    folders_from_host,
    host_inventory,
    judge_copy,
    render_html,
    render_json,
    render_markdown,
    resolve_max_age_hours,
)

NOW = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)
LOCAL = "D:\\Alteryx\\Backups"
SHARE = "\\\\fs\\backups\\prod\\controller"
BIG = 200_000  # above every default minimum


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def record(mode: str = "Full", hours_ago: float = 1.0, *, folder: str = LOCAL, size: int = BIG, sidecar: bool = True,
           sidecar_line: str | None = None, manifest_copy: bool = True, has_manifest: bool = True, sha256: str = "",
           hash_error: str = "", when: datetime | None = None) -> dict[str, Any]:
    """One listing record of alteryx_backup_inventory.ps1 for an archive written ``hours_ago`` before NOW."""
    written = NOW - timedelta(hours=hours_ago)
    name = archive_name(mode, (when or written).replace(tzinfo=None))
    line = sidecar_line if sidecar_line is not None else (f"{_digest(name)}  {name}" if sidecar else "")
    return {"folder": folder, "name": name, "size": size, "last_write_utc": written.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "has_sidecar": sidecar, "sidecar": line, "has_manifest": has_manifest,
            "has_manifest_copy": manifest_copy, "sha256": sha256, "hash_error": hash_error}


def inventory(*records: dict[str, Any], min_bytes: dict[str, int] | None = None) -> dict[str, Any]:
    """What alteryx_backup_inventory returns (and a host registers) for ``records``."""
    result = host_inventory(entries_from_listing(records), min_bytes)
    return {**result, "folders": [{"path": LOCAL, "exists": True, "error": ""}], "changed": False}


# --- parsing the host's facts --------------------------------------------------------------------------------

def test_destination_folders_follow_the_backup_plan() -> None:
    assert destination_folders(["\\\\fs\\backups\\", "\\\\dr\\b"], "prod\\controller") == [
        "\\\\fs\\backups\\prod\\controller", "\\\\dr\\b\\prod\\controller"]


@pytest.mark.parametrize("change", [
    {"size": "12"}, {"size": True}, {"has_sidecar": "yes"}, {"last_write_utc": "2026-11-26 08:00"},
    {"sha256": None}, {"name": 3},
])
def test_a_listing_record_of_another_shape_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        entries_from_listing([{**record(), **change}])


def test_a_listing_entry_that_is_not_a_record_is_refused() -> None:
    with pytest.raises(ValueError, match="not a record"):
        entries_from_listing(["ServerBackup_Full_20261126_020000.zip"])


def test_folder_records_are_checked() -> None:
    assert folders_from_host([{"path": LOCAL, "exists": True, "error": ""}]) == [
        {"path": LOCAL, "exists": True, "error": ""}]
    with pytest.raises(ValueError):
        folders_from_host([{"path": LOCAL, "exists": "True", "error": ""}])


def test_max_age_hours_keys_are_modes_or_tags_and_values_positive() -> None:
    assert resolve_max_age_hours({"full": 26, "DB": 1.5}) == {"Full": 26.0, "DatabaseOnly": 1.5}
    assert resolve_max_age_hours(None) == {"Full": 26.0}
    for bad in ({"Full": 0}, {"Full": -1}, {"Full": "26"}, {"Full": True}, {}):
        with pytest.raises(ValueError):
            resolve_max_age_hours(bad)
    with pytest.raises(AlteryxStepError) as exc:
        resolve_max_age_hours({"Weekly": 1})
    assert exc.value.failure_class == "invalid_mode"


# --- judging copies and one host -----------------------------------------------------------------------------

@pytest.mark.parametrize("change, problem", [
    ({"sidecar": False}, "no .sha256 sidecar"),
    ({"sidecar_line": "not a hash"}, "is not '<64 hex digits>"),
    ({"sidecar_line": f"{'a' * 64}  ServerBackup_Full_20000101_000000.zip"}, "for another file"),
    ({"manifest_copy": False}, "no .manifest.json copy"),
    ({"has_manifest": False}, "no BackupManifest.json"),
    ({"size": 100}, "100 bytes, below the minimum of 102400 for Full"),
    ({"hash_error": "The process cannot access the file"}, "could not be computed"),
    ({"sha256": "f" * 64}, "differs from its sidecar's"),
])
def test_each_check_makes_a_copy_bad(change: dict[str, Any], problem: str) -> None:
    entry = entries_from_listing([record(**change)])[0]
    good, _verification, problems = judge_copy(entry, 102400)
    assert not good
    assert any(problem in p for p in problems), problems


def test_verification_states() -> None:
    plain = record()
    good_hash = _digest(plain["name"])
    assert judge_copy(entries_from_listing([plain])[0], 1)[:2] == (True, NOT_VERIFIED)
    assert judge_copy(entries_from_listing([{**plain, "sha256": good_hash.upper()}])[0], 1)[:2] == (True, VERIFIED)
    assert judge_copy(entries_from_listing([{**plain, "sha256": "0" * 64}])[0], 1)[:2] == (False, MISMATCH)


def test_newest_good_backup_per_mode_skips_a_newer_bad_one() -> None:
    result = inventory(record("Full", 50), record("Full", 2, sidecar=False), record("DatabaseOnly", 1),
                       record("ConfigOnly", 5, manifest_copy=False))
    assert set(result["backups"]) == {"Full", "DatabaseOnly"}
    assert result["backups"]["Full"]["written_utc"] == (NOW - timedelta(hours=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [b["mode"] for b in result["bad"]] == ["Full", "ConfigOnly"]  # newest first
    assert result["archives"] == 4


def test_an_archive_in_several_folders_is_one_backup_good_when_any_copy_is() -> None:
    local = record("Full", 3)
    remote = {**local, "folder": SHARE, "has_manifest_copy": False}
    result = inventory(local, remote)
    backup = result["backups"]["Full"]
    assert backup["copies"] == [f"{LOCAL}\\{local['name']}"]
    assert backup["bad_copies"] == [{"path": f"{SHARE}\\{local['name']}",
                                     "problems": ["it has no .manifest.json copy beside it"]}]
    assert result["bad"] == []  # not newer than the newest good backup


def test_a_verified_copy_makes_the_backup_verified() -> None:
    local = record("Full", 3)
    remote = {**local, "folder": SHARE, "sha256": _digest(local["name"])}
    assert inventory(local, remote)["backups"]["Full"]["verification"] == VERIFIED


def test_minimum_sizes_per_mode_are_merged_over_the_defaults() -> None:
    small = record("Full", 1, size=2000)
    assert "Full" not in inventory(small)["backups"]
    assert "Full" in inventory(small, min_bytes={"Full": 1024})["backups"]


# --- the fleet -----------------------------------------------------------------------------------------------

def test_fresh_stale_missing_unreachable_and_error_hosts() -> None:
    report = build_report({
        "fresh": inventory(record("Full", 2)),
        "stale": inventory(record("Full", 80)),
        "missing": inventory(record("Full", 1, sidecar=False)),
        "gone": {"unreachable": True, "msg": "lost the connection to the host during backup inventory"},
        "never": None,
        "broken": {"failed": True, "msg": "Backup inventory failed: Access is denied"},
    }, NOW, {"Full": 26})
    status = {h["host"]: h["status"] for h in report["hosts"]}
    assert status == {"fresh": OK, "stale": STALE, "missing": MISSING, "gone": UNREACHABLE, "never": UNREACHABLE,
                      "broken": ERROR}
    assert report["problem_hosts"] == {UNREACHABLE: ["gone", "never"], ERROR: ["broken"], MISSING: ["missing"],
                                       STALE: ["stale"]}
    assert not report["ok"]
    assert report["summary"] == ("6 servers: 1 OK, 2 UNREACHABLE (gone, never), 1 ERROR (broken), 1 MISSING (missing), "
                                 "1 STALE (stale)")
    stale = next(h for h in report["hosts"] if h["host"] == "stale")
    assert stale["modes"]["Full"]["age_hours"] == 80.0
    assert "is 80.0 h old (limit 26 h)" in stale["message"]
    message = failure_message(report, ["/r/report.md"])
    for name in ("stale: STALE", "missing: MISSING - no good Full backup", "gone: UNREACHABLE - lost the connection",
                 "broken: ERROR - the backups could not be listed: Backup inventory failed", "/r/report.md"):
        assert name in message
    assert "fresh:" not in message


def test_every_judged_mode_counts_and_the_worst_wins() -> None:
    host = inventory(record("Full", 2), record("DatabaseOnly", 5))
    report = build_report({"a": host}, NOW, {"Full": 26, "DB": 2})
    line = report["hosts"][0]
    assert line["status"] == STALE
    assert line["modes"]["Full"]["status"] == OK and line["modes"]["DatabaseOnly"]["status"] == STALE
    missing = build_report({"a": inventory(record("Full", 30))}, NOW, {"Full": 26, "ConfigOnly": 100})
    assert missing["hosts"][0]["status"] == MISSING  # a missing mode is worse than a stale one


def test_modes_not_judged_are_listed_apart() -> None:
    report = build_report({"a": inventory(record("Full", 2), record("ConfigOnly", 400))}, NOW, {"Full": 26})
    assert report["ok"]
    assert list(report["hosts"][0]["other_backups"]) == ["ConfigOnly"]


def test_an_unreadable_network_folder_is_named_with_a_missing_backup() -> None:
    host = inventory()
    host["folders"].append({"path": SHARE, "exists": False, "error": ""})
    line = build_report({"a": host}, NOW)["hosts"][0]
    assert line["status"] == MISSING and SHARE in line["message"]


def test_renderings_name_every_host_and_escape_html() -> None:
    report = build_report({"fresh<&>": inventory(record("Full", 2)), "gone": None}, NOW)
    markdown, page, text = render_markdown(report), render_html(report), render_json(report)
    assert "| fresh<&> | Full | OK |" in markdown and "| gone | Full | UNREACHABLE |" in markdown
    assert "fresh&lt;&amp;&gt;" in page and "fresh<&>" not in page
    assert json.loads(text)["problem_hosts"] == {UNREACHABLE: ["gone"]}


# --- properties ----------------------------------------------------------------------------------------------

_copies = st.lists(st.fixed_dictionaries({
    "mode": st.sampled_from(list(MODE_TAGS)),
    "hours": st.floats(min_value=0, max_value=2000, allow_nan=False),
    "sidecar": st.booleans(), "manifest_copy": st.booleans(), "size": st.sampled_from([10, BIG]),
    "folder": st.sampled_from([LOCAL, SHARE]),
}), max_size=12)


@settings(max_examples=200, deadline=None)
@given(copies=_copies, limit=st.floats(min_value=0.5, max_value=1000, allow_nan=False))
def test_status_matches_the_newest_good_copy(copies: list[dict[str, Any]], limit: float) -> None:
    records = [record(c["mode"], c["hours"], folder=c["folder"], size=c["size"], sidecar=c["sidecar"],
                      manifest_copy=c["manifest_copy"]) for c in copies]
    # Same name in two folders must agree on when it was written (a copy of one archive).
    seen: dict[str, dict[str, Any]] = {}
    records = [seen.setdefault((r["name"], r["folder"]), r) for r in records]  # type: ignore[arg-type]
    line = build_report({"h": inventory(*records)}, NOW, {"Full": limit})["hosts"][0]
    good = [r for r in records if r["name"].startswith("ServerBackup_Full_") and r["has_sidecar"]
            and r["has_manifest_copy"] and r["size"] >= 102400]
    if not good:
        assert line["status"] == MISSING
        return
    newest = max(good, key=lambda r: r["name"])
    assert line["modes"]["Full"]["backup"]["name"] == newest["name"]
    age = line["modes"]["Full"]["age_hours"]
    assert line["status"] == (STALE if age > limit else OK)
    # No good backup newer than the one reported, and every listed bad copy is really bad.
    assert all(r["name"] <= newest["name"] for r in good)

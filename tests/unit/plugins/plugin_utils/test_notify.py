"""The notification message and the Event Log entry built from a run's outcomes (plugin_utils/_notify.py)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils import _notify
from ansible_collections.alteryx.server.plugins.plugin_utils._notify import FAILED, SUCCESS, WARNING

OK = {"host": "ctrl1", "cluster": "prod", "mode": "Full", "status": "Success", "archive": "D:\\B\\a.zip",
      "size": 1536, "destinations_failed": 0, "failure_class": None, "exit_code": 0}
WARN = {**OK, "host": "ctrl2", "status": "Warning", "destinations_failed": 1, "msg": "\\\\nas\\b was offline"}
# The role's failure path publishes no status: the class and code say it failed.
FAIL = {"host": "ctrl3", "cluster": "dev", "mode": "DatabaseOnly", "archive": "", "size": 0,
        "failure_class": "storage", "exit_code": 4, "msg": "D: is full <disk>"}


def outcomes(*raw: dict) -> list[_notify.Outcome]:
    found, problems = _notify.normalize_outcomes(raw)
    assert problems == []
    return found


@pytest.mark.parametrize(("raw", "status", "code", "failure_class"), [
    (OK, SUCCESS, 0, ""),
    (WARN, WARNING, 0, ""),
    ({**OK, "status": None, "destinations_failed": "2"}, WARNING, 0, ""),
    (FAIL, FAILED, 4, "storage"),
    ({**OK, "status": "Success", "exit_code": "5"}, FAILED, 5, "mongodb"),
    ({"host": "x", "failure_class": "validation"}, FAILED, 3, "validation"),
    ({"host": "x", "status": "Failed"}, FAILED, 1, "general"),
    ({"host": "x", "status": "unreachable", "exit_code": None}, FAILED, 1, "general"),
    ({"host": "x", "failure_class": "odd"}, FAILED, 1, "odd"),
])
def test_status_follows_from_code_and_class(raw: dict, status: str, code: int, failure_class: str) -> None:
    [outcome] = outcomes(raw)
    assert (outcome.status, outcome.exit_code, outcome.failure_class) == (status, code, failure_class)


def test_unusable_entries_are_left_out_with_a_warning() -> None:
    found, problems = _notify.normalize_outcomes([OK, "ctrl9", {"mode": "Full"}])
    assert [o.host for o in found] == ["ctrl1"]
    assert problems == ["outcomes[1] is not a mapping and was left out of the message",
                        "outcomes[2]: an outcome names no host: ['mode']; it was left out of the message"]


def test_worst_exit_code_uses_the_fleet_severity() -> None:
    codes = [{"host": f"h{code}", "exit_code": code} for code in (1, 6, 3, 4, 5)]
    assert _notify.worst_exit_code(outcomes(*codes)) == 5
    assert _notify.worst_exit_code(outcomes(*codes, {"host": "t", "exit_code": 2})) == 2
    assert _notify.worst_exit_code(outcomes(OK, WARN)) == 0


@pytest.mark.parametrize(("raw", "only_on_failure", "expected"), [
    ((OK,), True, False), ((OK,), False, True), ((OK, WARN), True, True), ((FAIL,), True, True), ((), False, False),
])
def test_only_on_failure_counts_warnings(raw: tuple, only_on_failure: bool, expected: bool) -> None:
    assert _notify.due(outcomes(*raw), only_on_failure)[0] is expected


def test_fleet_subject_has_counts_and_worst_code() -> None:
    assert _notify.subject(outcomes(OK, WARN, FAIL)) == (
        "[Alteryx backup] FAILED: DatabaseOnly/Full on 3 server(s) - 1 succeeded, 1 with warnings, 1 failed, "
        "worst exit code 4")
    assert _notify.subject(outcomes(OK, OK | {"host": "b"}), "Alteryx PROD") == (
        "[Alteryx PROD] SUCCESS: Full on 2 server(s) - 2 succeeded, 0 with warnings, 0 failed")


def test_single_host_subject_names_the_host() -> None:
    assert _notify.subject(outcomes(FAIL)) == "[Alteryx backup] FAILED: DatabaseOnly backup of ctrl3 (storage, exit code 4)"
    assert _notify.subject(outcomes(OK)) == "[Alteryx backup] SUCCESS: Full backup of ctrl1 (success)"


def test_text_body_is_a_table_with_details() -> None:
    body = _notify.text_body(outcomes(FAIL, OK, WARN))
    lines = body.splitlines()
    assert lines[2].split() == ["Host", "Cluster", "Mode", "Result", "Size", "Archive"]
    assert lines[4].split() == ["ctrl1", "prod", "Full", "OK", "1.5", "KB", "D:\\B\\a.zip"]
    assert "WARNING (1 copy/copies missing)" in lines[5]
    assert "FAILED (storage, exit code 4)" in lines[6] and lines[6].split()[-1] == "-"
    assert lines[-2:] == ["- ctrl2: \\\\nas\\b was offline", "- ctrl3: D: is full <disk>"]


def test_html_body_escapes_every_value() -> None:
    body = _notify.html_body(outcomes(FAIL | {"host": "<b>evil</b>"}))
    assert "<b>evil</b>" not in body.replace("<b>&lt;b&gt;evil&lt;/b&gt;</b>", "")
    assert "&lt;disk&gt;" in body and body.count("<tr>") == 2


def test_teams_payload_is_an_adaptive_card_message() -> None:
    payload = json.loads(_notify.webhook_payload(outcomes(OK, FAIL), "teams"))
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == payload["summary"]
    assert card["body"][0]["color"] == "Attention"
    facts = {f["title"]: f["value"] for f in card["body"][4]["facts"]}
    assert facts == {"Cluster": "dev", "Mode": "DatabaseOnly", "Result": "FAILED (storage, exit code 4)", "Size": "-",
                     "Archive": "-", "Details": "D: is full <disk>"}


def test_generic_payload_holds_the_summary_and_hosts() -> None:
    payload = json.loads(_notify.webhook_payload(outcomes(OK, FAIL), "generic"))
    assert payload["status"] == FAILED and payload["worst_exit_code"] == 4
    assert payload["counts"] == {"total": 2, "success": 1, "warning": 0, "failed": 1}
    assert [h["host"] for h in payload["hosts"]] == ["ctrl1", "ctrl3"] and payload["hosts"][1]["exit_code"] == 4


@pytest.mark.parametrize(("raw", "event_id", "entry_type"), [
    (OK, 1000, "Information"), (WARN, 1001, "Warning"), (FAIL, 1104, "Error"),
    ({"host": "x", "failure_class": "general"}, 1101, "Error"),
    ({"host": "x", "failure_class": "invalid_mode"}, 1106, "Error"),
    ({"host": "x", "exit_code": 2}, 1102, "Error"),
])
def test_event_ids_per_outcome(raw: dict, event_id: int, entry_type: str) -> None:
    [outcome] = outcomes(raw)
    entry = _notify.eventlog_entry(outcome)
    assert (entry["event_id"], entry["entry_type"], entry["source"], entry["log"]) == (
        event_id, entry_type, "AlteryxBackup", "Application")


def test_event_message_names_result_archive_and_failure() -> None:
    [ok] = outcomes(OK)
    assert _notify.eventlog_entry(ok)["message"] == "Full backup of ctrl1 succeeded.\r\nArchive: D:\\B\\a.zip (1.5 KB)"
    [failed] = outcomes(FAIL)
    assert _notify.eventlog_entry(failed)["message"] == (
        "DatabaseOnly backup of ctrl3 failed [failure_class=storage, exit_code=4].\r\nD: is full <disk>")


def test_event_message_is_cut_to_what_windows_takes() -> None:
    [outcome] = outcomes(FAIL | {"msg": "x" * 40000})
    message = _notify.eventlog_entry(outcome)["message"]
    assert len(message) == _notify.EVENT_MESSAGE_MAX and message.endswith(" ... (cut off)")


@pytest.mark.parametrize(("size", "shown"), [(0, "0 bytes"), (1023, "1023 bytes"), (1536, "1.5 KB"),
                                             (5 * 1024 ** 3, "5.0 GB"), (3 * 1024 ** 5, "3072.0 TB")])
def test_human_size(size: int, shown: str) -> None:
    assert _notify.human_size(size) == shown


def test_secrets_and_webhook_paths_are_hidden() -> None:
    url = "https://prod.westeurope.logic.azure.com:443/workflows/abc/triggers?sig=TOKEN123"
    assert _notify.url_origin(url) == "https://prod.westeurope.logic.azure.com:443/********"
    assert _notify.url_origin("not a url") == "********"
    assert _notify.url_origin("http://[::1") == "********"
    assert _notify.redact_text(f"failed to reach {url} with pw s3cret", [url, "s3cret", ""]) == (
        "failed to reach ******** with pw ********")

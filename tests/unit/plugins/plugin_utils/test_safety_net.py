"""The safety net decisions: options, the task name, whether the net fired, what the step reports."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._safety_net import (
    DELETE_SECONDS,
    EXPIRE_SECONDS,
    SafetyNetError,
    net_fired,
    net_plan,
    net_report,
)

NET = "alteryx.server safety net AlteryxService"


def test_plan_names_the_task_after_the_service_and_sets_its_lifetime():
    assert net_plan("AlteryxService", 7200, None) == {
        "SafetyNetSeconds": 7200, "SafetyNetName": NET, "SafetyNetExpireSeconds": EXPIRE_SECONDS,
        "SafetyNetDeleteSeconds": DELETE_SECONDS}
    assert net_plan("AlteryxService", 60, "my net")["SafetyNetName"] == "my net"


def test_no_net_sends_no_name():
    assert net_plan("AlteryxService", 0, "ignored")["SafetyNetName"] == ""


@pytest.mark.parametrize("seconds, name, message", [
    (-1, None, "must be 0 (no safety net) or at least 2, not -1"),
    (1, None, "must be 0 (no safety net) or at least 2, not 1"),
    (60, "a\\b", "is not a valid scheduled task name"),
    (60, "x" * 201, "is not a valid scheduled task name"),
    (60, "  ", "is not a valid scheduled task name"),
    (60, 'say "hi"', "is not a valid scheduled task name"),
], ids=["negative", "too-short", "backslash", "too-long", "blank", "quote"])
def test_plan_refuses_what_task_scheduler_would_or_a_net_born_dead(seconds, name, message):
    with pytest.raises(SafetyNetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        net_plan("AlteryxService", seconds, name)


@pytest.mark.parametrize("trigger, last_run, fired", [
    ("2024-01-31T02:00:00.0000000Z", "2024-01-31T02:00:00.0000000Z", True),
    ("2024-01-31T02:00:00.0000000Z", "2024-01-31T02:05:00.0000000Z", True),
    ("2024-01-31T02:00:00+00:00", "2024-01-31T01:59:59.5+00:00", True),  # within the clock's second
    ("2024-01-31T02:00:00.0000000Z", "1999-11-30T00:00:00.0000000Z", False),  # never ran
    ("2024-01-31T02:00:00.0000000Z", "2024-01-30T02:00:00.0000000Z", False),  # an earlier net's run, kept by -Force
    ("2024-01-31T02:00:00.0000000Z", "", False),
    ("", "2024-01-31T02:00:00.0000000Z", False),
], ids=["at-trigger", "after", "tolerance", "never", "earlier-run", "no-last-run", "no-trigger"])
def test_net_fired(trigger, last_run, fired):
    assert net_fired(trigger, last_run) is fired


def raw(**changes):
    facts = {"safety_net_name": NET, "safety_net_registered": False, "safety_net_at_utc": "",
             "safety_net_found": False, "safety_net_last_run_utc": "", "safety_net_last_result": 0,
             "safety_net_removed": False, "state": "Running"}
    facts.update(changes)
    return facts


def test_report_of_a_registration():
    facts = raw(safety_net_registered=True, safety_net_at_utc="2024-01-31T02:00:00.0000000Z")
    report = net_report(facts, "stopped")
    assert report["result"] == {"safety_net_name": NET, "safety_net_registered": True,
                                "safety_net_at_utc": "2024-01-31T02:00:00.0000000Z", "safety_net_fired": False,
                                "safety_net_result": None, "safety_net_removed": False}
    assert [level for level, _ in report["messages"]] == ["INFO"]
    assert facts == {"state": "Running"}, "the raw net facts are taken out of the script result"


def test_report_of_a_net_removed_before_it_fired():
    report = net_report(raw(safety_net_found=True, safety_net_at_utc="2024-01-31T02:00:00Z",
                            safety_net_last_run_utc="1999-11-30T00:00:00Z", safety_net_last_result=267011,
                            safety_net_removed=True), "started")
    assert report["result"]["safety_net_fired"] is False and report["result"]["safety_net_result"] is None
    assert report["messages"] == [("DEBUG", f"safety net '{NET}' removed before it fired")]


@pytest.mark.parametrize("code, outcome", [(0, "started the service"), (1056, "ran, sc.exe start exited 1056")])
def test_report_of_a_net_that_fired(code, outcome):
    report = net_report(raw(safety_net_found=True, safety_net_at_utc="2024-01-31T02:00:00Z",
                            safety_net_last_run_utc="2024-01-31T02:00:00Z", safety_net_last_result=code,
                            safety_net_removed=True), "started")
    assert report["result"]["safety_net_fired"] is True and report["result"]["safety_net_result"] == code
    [(level, text)] = report["messages"]
    assert level == "WARNING" and outcome in text and "raise safety_net_seconds" in text


def test_report_of_a_net_that_could_not_be_removed():
    report = net_report(raw(safety_net_found=True, safety_net_at_utc="2024-01-31T02:00:00Z",
                            safety_net_last_run_utc="1999-11-30T00:00:00Z", safety_net_last_result=267011),
                        "started")
    assert report["result"]["safety_net_removed"] is False
    assert [level for level, _ in report["messages"]] == ["WARNING"]


def test_report_of_a_start_that_found_no_net():
    report = net_report(raw(), "started")
    assert report["messages"] == [("DEBUG", f"no safety net '{NET}' was left to remove")]
    assert net_report(raw(safety_net_name=""), "started")["messages"] == []

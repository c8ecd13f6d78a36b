"""alteryx_backup_cli.outcomes: per-host outcomes from ansible-runner events, and the table."""

from __future__ import annotations

from typing import Any

import pytest
from alteryx_backup_cli.outcomes import HostOutcome, RunCollector, render_table

ARCHIVE = "D:\\Alteryx\\Backups\\ServerBackup_Full_20240131_020000.zip"
FINAL_MSG = "Full backup failed in 'Read the Alteryx installation' [failure_class=storage, exit_code=4]: disk full"


def event(kind: str, host: str | None = None, **data: Any) -> dict[str, Any]:
    if host is not None:
        data["host"] = host
    return {"event": kind, "uuid": "u", "counter": 1, "event_data": data}


def ok(host: str, action: str, res: dict[str, Any], play: str = "play-1") -> dict[str, Any]:
    return event("runner_on_ok", host, resolved_action=f"alteryx.server.{action}", task_action=action, res=res,
                 play_uuid=play, task=action)


def failed(host: str, res: dict[str, Any], task: str = "a step", play: str = "play-1",
           ignore_errors: bool = False) -> dict[str, Any]:
    return event("runner_on_failed", host, res={"failed": True, **res}, task=task, play_uuid=play,
                 ignore_errors=ignore_errors, resolved_action="ansible.builtin.fail")


def stats(failures: dict[str, int] | None = None, dark: dict[str, int] | None = None,
          ok_hosts: dict[str, int] | None = None, custom: dict[str, Any] | None = None) -> dict[str, Any]:
    processed = {h: 1 for group in (failures, dark, ok_hosts) for h in (group or {})}
    return event("playbook_on_stats", ok=ok_hosts or {}, changed={}, failures=failures or {}, dark=dark or {},
                 skipped={}, rescued={}, ignored={}, processed=processed, artifact_data=custom or {})


def collect(*events: dict[str, Any], check: bool = False) -> list[HostOutcome]:
    collector = RunCollector()
    for item in events:
        assert collector(item) is False, "the handler keeps no event files"
    return collector.outcomes(check=check)


def only(*events: dict[str, Any], check: bool = False) -> HostOutcome:
    [outcome] = collect(*events, check=check)
    return outcome


def test_success_reads_mode_and_archive_from_the_steps() -> None:
    outcome = only(ok("n1", "alteryx_backup_plan", {"mode": "DatabaseOnly"}),
                   ok("n1", "alteryx_archive", {"archive": {"path": ARCHIVE, "size": 4096}}),
                   stats(ok_hosts={"n1": 11}))
    assert outcome == HostOutcome(host="n1", result="ok", mode="DatabaseOnly", failure_class="", exit_code=0,
                                  archive=ARCHIVE, size=4096)


def test_check_mode_success_is_checked() -> None:
    assert only(ok("n1", "alteryx_backup_plan", {"mode": "Full"}), stats(ok_hosts={"n1": 3}), check=True).result \
        == "checked"


def test_the_final_failed_tasks_keys_win() -> None:
    """Once the role ends with alteryx_fail, its keys decide, even if an earlier step said otherwise."""
    outcome = only(failed("n1", {"failure_class": "mongodb", "exit_code": 5, "msg": "dump failed"}, task="dump"),
                   failed("n1", {"failure_class": "storage", "exit_code": 4, "msg": FINAL_MSG}, task="final"),
                   stats(failures={"n1": 1}))
    assert (outcome.result, outcome.failure_class, outcome.exit_code) == ("failed", "storage", 4)
    assert (outcome.failed_task, outcome.msg) == ("final", FINAL_MSG)


def test_a_final_fail_with_only_msg_falls_back_to_the_rescued_step() -> None:
    """The role today: ansible.builtin.fail carries only msg; the step the rescue handled has the keys."""
    outcome = only(failed("n1", {"failure_class": "service_timeout", "exit_code": 2, "msg": "stop hung"}),
                   failed("n1", {"msg": "Full backup failed [failure_class=validation, exit_code=3]"}),
                   stats(failures={"n1": 1}))
    assert (outcome.failure_class, outcome.exit_code) == ("service_timeout", 2)


def test_set_stats_come_before_the_rescued_step() -> None:
    custom = {"alteryx_backup": {"n1": {"mode": "Full", "archive": "", "size": 0, "failure_class": "mongodb",
                                        "exit_code": 5}}}
    outcome = only(failed("n1", {"failure_class": "general", "exit_code": 1}), failed("n1", {"msg": "failed"}),
                   stats(failures={"n1": 1}, custom=custom))
    assert (outcome.failure_class, outcome.exit_code, outcome.mode) == ("mongodb", 5, "Full")


def test_the_fallback_stays_within_the_play_that_failed() -> None:
    """A failure rescued in an earlier play says nothing about a later play's failure."""
    outcome = only(failed("n1", {"failure_class": "storage", "exit_code": 4}, play="play-1"),
                   failed("n1", {"msg": "boom"}, play="play-2"),
                   stats(failures={"n1": 1}))
    assert (outcome.failure_class, outcome.exit_code) == ("general", 1)


def test_failure_without_any_key_is_general() -> None:
    outcome = only(failed("n1", {"msg": "template error"}), stats(failures={"n1": 1}))
    assert (outcome.result, outcome.failure_class, outcome.exit_code) == ("failed", "general", 1)


def test_ignored_failures_are_not_failures() -> None:
    outcome = only(failed("n1", {"failure_class": "storage"}, ignore_errors=True), stats(ok_hosts={"n1": 2}))
    assert (outcome.result, outcome.exit_code) == ("ok", 0)


def test_a_rescued_failure_on_a_host_that_then_succeeds_is_success() -> None:
    """Ansible's recap moves a rescued failure to 'rescued': the host counts as succeeded."""
    outcome = only(failed("n1", {"failure_class": "storage"}), stats(ok_hosts={"n1": 5}))
    assert (outcome.result, outcome.exit_code) == ("ok", 0)


def test_unreachable_host_is_general() -> None:
    outcome = only(event("runner_on_unreachable", "n1", res={"unreachable": True, "msg": "ssh: connect refused"}),
                   stats(dark={"n1": 1}))
    assert (outcome.result, outcome.failure_class, outcome.exit_code) == ("unreachable", "general", 1)
    assert outcome.msg == "ssh: connect refused"


def test_without_a_recap_every_seen_failure_counts() -> None:
    """ansible-playbook died before its recap: what was seen is all there is."""
    outcomes = collect(failed("n1", {"failure_class": "mongodb"}),
                       event("runner_on_unreachable", "n2", res={"msg": "gone"}),
                       ok("n3", "alteryx_backup_plan", {"mode": "Full"}))
    assert [(o.host, o.result, o.exit_code) for o in outcomes] == [("n1", "failed", 5), ("n2", "unreachable", 1),
                                                                  ("n3", "ok", 0)]


def test_hosts_keep_the_order_they_appeared_in_and_recap_only_hosts_are_listed() -> None:
    outcomes = collect(event("runner_on_start", "b"), event("runner_on_start", "a"),
                       stats(ok_hosts={"a": 1, "b": 1, "c": 1}))
    assert [o.host for o in outcomes] == ["b", "a", "c"]


def test_set_stats_fill_mode_archive_and_size() -> None:
    custom = {"alteryx_backup": {"n1": {"mode": "ConfigOnly", "archive": ARCHIVE, "size": 2048, "failure_class": None,
                                        "exit_code": 0}},
              "unrelated": {"x": 1}}
    outcome = only(stats(ok_hosts={"n1": 4}, custom=custom))
    assert (outcome.mode, outcome.archive, outcome.size, outcome.exit_code) == ("ConfigOnly", ARCHIVE, 2048, 0)


@pytest.mark.parametrize("custom", [{"alteryx_backup": "text"}, {"alteryx_backup": {"n1": ["x"]}}, {}])
def test_malformed_set_stats_are_ignored(custom: dict[str, Any]) -> None:
    outcome = only(failed("n1", {"failure_class": "validation"}), stats(failures={"n1": 1}, custom=custom))
    assert outcome.exit_code == 3


def test_events_without_a_host_or_result_are_ignored() -> None:
    assert collect(event("playbook_on_start"), event("runner_on_failed", None, res="x"), event("verbose")) == []


def test_table_lists_every_host_with_its_columns() -> None:
    table = render_table([HostOutcome("c1-controller", "ok", "Full", "", 0, ARCHIVE, 10),
                          HostOutcome("c2-controller", "failed", "Full", "storage", 4)])
    lines = table.splitlines()
    assert lines[0].split() == ["host", "mode", "result", "failure_class", "exit", "code", "archive"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["c1-controller", "Full", "ok", "-", "0", ARCHIVE]
    assert lines[3].split() == ["c2-controller", "Full", "failed", "storage", "4", "-"]
    assert lines[2].index(ARCHIVE) == lines[0].index("archive")

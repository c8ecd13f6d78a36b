"""The alteryx_summary callback's table (issue 11, part E)."""

from __future__ import annotations

from types import SimpleNamespace

from ansible_collections.alteryx.server.plugins.callback import alteryx_summary as summary

OK = {"mode": "Full", "archive": "D:\\Alteryx\\Backups\\ServerBackup_Full_x.zip", "size": 251_000,
      "destinations_failed": 0, "status": "Success", "failure_class": None, "exit_code": 0, "cluster": "c1",
      "downtime_seconds": 0.87}
FAILED = {"mode": "Full", "archive": "", "size": 0, "failure_class": "mongodb", "exit_code": 5}


def test_the_table_has_a_row_per_host_sorted_by_cluster_then_host():
    text = summary.render({"worker1": {**OK, "archive": "", "size": 0, "downtime_seconds": 0}, "controller": OK,
                           "other": {**FAILED, "cluster": "c0"}})
    lines = text.splitlines()
    assert lines[0].split() == ["host", "cluster", "mode", "archive", "size", "downtime", "result", "exit", "code"]
    assert set(lines[1]) == {"-", " "}
    assert [line.split()[0] for line in lines[2:]] == ["other", "controller", "worker1"]
    assert lines[3].split() == ["controller", "c1", "Full", OK["archive"], "245.1", "KB", "0.9", "s", "Success", "0"]
    assert lines[2].split() == ["other", "c0", "Full", "-", "-", "-", "Failed", "(mongodb)", "5"]
    # Columns line up: every row starts its mode cell where the header's starts.
    assert all(line[lines[0].index("mode"):].startswith("Full") for line in lines[2:])


def test_a_warning_names_the_failed_destinations_and_missing_keys_show_a_dash():
    rows = summary.rows({"h": {"mode": "Full", "status": "Warning", "destinations_failed": 2, "exit_code": 0}})
    assert rows == [("h", "-", "Full", "-", "-", "-", "Warning (2 destination(s) failed)", "0")]


def test_nothing_is_printed_without_backup_statistics():
    shown = []
    callback = summary.CallbackModule()
    callback._display = SimpleNamespace(banner=shown.append, display=shown.append)
    callback.v2_playbook_on_stats(SimpleNamespace(custom={"_run": {"other": 1}}))
    callback.v2_playbook_on_stats(SimpleNamespace(custom={}))
    assert shown == []
    callback.v2_playbook_on_stats(SimpleNamespace(custom={"_run": {"alteryx_backup": {"controller": OK}}}))
    assert shown[0] == "ALTERYX BACKUP SUMMARY" and "controller" in shown[1]


def test_sizes_for_people():
    assert [summary.human_size(v) for v in (None, 0, 812, 1536, 3 * 1024**3, "x")] == \
        ["-", "-", "812 B", "1.5 KB", "3.0 GB", "-"]

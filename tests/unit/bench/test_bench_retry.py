"""A failed benchmark run is reported by its error lines and measured again, then gives up (issue 13)."""

from __future__ import annotations

import pytest
from _bench_retry import RunFailed, attempt, failure_lines

OUTPUT = """PLAY [x] ****
TASK [alteryx.server.backup : Validate] ****
[ERROR]: Task failed: [Errno 2] No such file or directory: '/tmp/x.sent'
fatal: [c45-controller]: FAILED! =>
    msg: 'Task failed: [Errno 2] No such file or directory'
PLAY RECAP ****
"""


def test_failure_lines_keep_only_what_says_what_failed():
    lines = failure_lines(OUTPUT).splitlines()
    assert lines == ["[ERROR]: Task failed: [Errno 2] No such file or directory: '/tmp/x.sent'",
                     "fatal: [c45-controller]: FAILED! =>", "msg: 'Task failed: [Errno 2] No such file or directory'"]


def test_output_without_error_lines_is_given_by_its_tail():
    assert failure_lines("x" * 5000).endswith("x" * 2000)
    assert len(failure_lines("x" * 5000)) == 2000


def test_a_failed_run_is_measured_again_and_its_cause_printed(capsys):
    calls = []

    def measure():
        calls.append(1)
        if len(calls) == 1:
            raise RunFailed("first run: fatal: [h]")
        return 42

    assert attempt("10 cluster(s)", measure, retries=1) == 42
    assert len(calls) == 2
    assert "10 cluster(s): a run failed" in capsys.readouterr().out


def test_a_run_failing_every_time_stops_the_benchmark_with_its_cause():
    def measure():
        raise RunFailed("fatal: [h]: always")

    with pytest.raises(SystemExit, match="50 cluster\\(s\\): fatal: \\[h\\]: always"):
        attempt("50 cluster(s)", measure, retries=2)

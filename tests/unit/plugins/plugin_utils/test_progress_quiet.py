"""Progress lines, connection-loss wording and quiet results (issue 11, part E)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils import _host, _quiet
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError


def test_progress_line_names_host_step_elapsed_and_bytes():
    assert _host.progress_line("controller", "dump window", 125.7, {"bytes": 1288490189, "files": 21}) == \
        "controller: dump window running for 2m05s, 1.2 GB in 21 file(s) written so far"
    assert _host.progress_line("n1", "archive", 9, None) == \
        "n1: archive running for 9s, bytes written so far unknown (the size could not be read)"


@pytest.mark.parametrize("value, seconds", [(60, 60), ("0", 0), (5, 5)])
def test_progress_seconds_accepts_whole_seconds(value, seconds):
    assert _host.progress_seconds(value) == seconds


@pytest.mark.parametrize("value", [-1, "soon", None, True])
def test_progress_seconds_refuses_anything_else(value):
    with pytest.raises(AlteryxStepError) as caught:
        _host.progress_seconds(value)
    assert caught.value.failure_class == "validation" and _host.PROGRESS_VAR in caught.value.msg


def _action():
    return SimpleNamespace(_templar=SimpleNamespace(template=lambda v: v))


def test_progress_prints_every_interval_and_survives_a_failed_measurement(monkeypatch):
    shown, clock = [], [100.0]
    monkeypatch.setattr(_host.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(_host, "Display", lambda: SimpleNamespace(display=shown.append))
    answers = iter([{"bytes": 2048, "files": 2}, AlteryxStepError("gone", "general")])

    def measure():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    reporter = _host._Progress(_action(), {"inventory_hostname": "h", _host.PROGRESS_VAR: 10}, "archive", measure)
    clock[0] = 105.0
    reporter.tick()
    assert shown == []
    clock[0] = 110.5
    reporter.tick()
    clock[0] = 115.0
    reporter.tick()
    clock[0] = 121.0
    reporter.tick()
    assert shown == ["h: archive running for 10s, 2.0 KB in 2 file(s) written so far",
                     "h: archive running for 21s, bytes written so far unknown (the size could not be read)"]


def test_progress_off_never_measures(monkeypatch):
    monkeypatch.setattr(_host.time, "monotonic", lambda: 10_000.0)
    reporter = _host._Progress(_action(), {_host.PROGRESS_VAR: 0}, "dump window",
                               lambda: pytest.fail("measured although progress is off"))
    reporter.tick()


@pytest.mark.parametrize("step, says, never", [
    ("dump window", "starts the service again by itself", "does not stop"),
    ("archive", "The archive step does not stop or start the service", "dump window"),
    ("facts", "The facts step does not stop or start the service", "dump window"),
    ("service stopped", "may or may not be stopped", "dump window"),
])
def test_connection_loss_names_the_step_that_was_running(step, says, never):
    text = _host.after_lost_connection(step)
    assert says in text and never not in text


def test_a_lost_connection_during_a_config_only_step_does_not_speak_of_the_dump_window():
    from ansible.errors import AnsibleConnectionFailure

    def boom(**_):
        raise AnsibleConnectionFailure("reset by peer")
    action = SimpleNamespace(_task=SimpleNamespace(no_log=False, async_val=0), _execute_module=boom)
    with pytest.raises(AlteryxStepError) as caught:
        _host.run_script(action, "alteryx_stage_files", {}, {}, step="critical files")
    assert "during the critical files step" in caught.value.msg
    assert "dump window" not in caught.value.msg


def test_quiet_shows_one_line_at_v_and_everything_at_vvv(monkeypatch):
    shown = []
    monkeypatch.setattr(_quiet, "Display", lambda: SimpleNamespace(display=shown.append, verbosity=0))
    big = {"changed": True, "files": ["x"] * 500, "log": [{"level": "SUCCESS", "message": "done", "time": "t"}]}
    assert "_ansible_verbose_override" not in _quiet.quiet(dict(big), "h", verbosity=0)
    assert _quiet.quiet(dict(big), "h", verbosity=1)["_ansible_verbose_override"] is True
    assert shown == ["h: done"]
    assert "_ansible_verbose_override" not in _quiet.quiet(dict(big), "h", verbosity=3)
    assert _quiet.summary_line({"msg": "m", "log": big["log"]}) == "m"
    assert _quiet.summary_line({"log": [{"level": "DEBUG", "message": "x"}]}) == ""

"""A detached job started by one task (run_script(wait=False)) and awaited by another (await_script) behaves as
the job run_script starts and waits for in one call: same calls, result, failures and run log bookkeeping."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.alteryx.server.plugins.plugin_utils import _host, _runlog
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

STARTED = {"started": True, "finished": False, "ansible_job_id": "j7.42", "results_file": "x"}
DONE = {"finished": True, "changed": True, "result": {"dump_path": "D:\\x", "files": []}}


class Host:
    """A fake action whose host answers the start with ``start`` and each status poll with the next of ``polls``;
    records every call as (module, mode or '', no_log at that moment)."""

    def __init__(self, start: dict[str, Any] | Exception = STARTED, polls: list[Any] | None = None) -> None:
        self._task = SimpleNamespace(no_log=False, async_val=0)
        self._templar = SimpleNamespace(template=lambda value: value)
        self.start, self.polls = start, list(polls if polls is not None else [DONE])
        self.calls: list[tuple[str, str, bool]] = []
        self.run_log: dict[str, str] | None = None
        self.WRITES_RUN_LOG = True

    def get_shell_option(self, name: str, default: str = "") -> str:
        return default

    def _execute_module(self, module_name: str, module_args: dict[str, Any], task_vars: dict, **kw: Any) -> dict:
        self.calls.append((module_name, module_args.get("mode", ""), self._task.no_log))
        if module_name.endswith("win_powershell"):
            assert kw.get("wrap_async") and self._task.async_val
            reply = self.start
        elif module_args["mode"] == "cleanup":
            return {}
        else:
            reply = self.polls.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def _start(host: Host, **kw: Any) -> dict[str, Any]:
    return _host.run_script(host, "alteryx_dump_window", {"DumpPath": "D:\\x"}, {}, async_timeout=600,
                            poll_interval=0.01, step="dump window", wait=False, **kw)


def test_wait_false_makes_one_call_and_returns_a_handle_without_polling() -> None:
    host = Host()
    before = time.time()
    job = _start(host)
    assert [c[0] for c in host.calls] == ["ansible.windows.win_powershell"]
    assert set(job) == set(_host.JOB_KEYS)
    assert job["ansible_job_id"] == "j7.42" and job["script"] == "alteryx_dump_window"
    assert job["step"] == "dump window" and job["timeout"] == 600 and job["poll_interval"] == 0.01
    assert job["no_log"] is False and job["log_pending"] == -1 and before <= job["started"] <= time.time()


def test_the_await_returns_what_one_call_returns() -> None:
    one_call = Host(polls=[{"finished": False}, DONE])
    expected = _host.run_script(one_call, "alteryx_dump_window", {"DumpPath": "D:\\x"}, {}, async_timeout=600,
                                poll_interval=0.01, step="dump window")
    split = Host(polls=[{"finished": False}, DONE])
    job = _start(split)
    assert _host.await_script(split, job, {}) == expected == {"dump_path": "D:\\x", "files": [], "_changed": True,
                                                               "_warnings": []}
    assert split.calls == one_call.calls  # start, two polls, cleanup


def test_a_lost_start_reply_fails_the_start_as_in_one_call() -> None:
    host = Host(start=AnsibleConnectionFailure("read timed out"))
    with pytest.raises(AlteryxStepError) as caught:
        _start(host)
    assert caught.value.failure_class == "general"
    assert caught.value.msg.startswith("lost the reply to the start of the host job for the dump window step")
    assert "starts the service again by itself" in caught.value.msg


def test_a_job_that_ended_before_it_signalled_fails_the_start_with_the_script_failure() -> None:
    host = Host(start={"failed": True, "result": {"failure_class": "mongodb", "message": "no exe"}})
    with pytest.raises(AlteryxStepError) as caught:
        _start(host)
    assert (caught.value.failure_class, caught.value.msg) == ("mongodb", "no exe")


def test_a_start_reply_without_a_job_id_is_a_failed_start() -> None:
    host = Host(start={"started": True})
    with pytest.raises(AlteryxStepError) as caught:
        _start(host)
    assert caught.value.failure_class == "general" and "did not start" in caught.value.msg


def test_the_watchdog_timeout_is_reported_by_the_await() -> None:
    host = Host(polls=[{"finished": True, "failed": True, "msg": "failure during async watchdog: timed out waiting "
                                                                  "for module completion"}])
    job = _start(host)
    with pytest.raises(AlteryxStepError) as caught:
        _host.await_script(host, job, {})
    assert caught.value.failure_class == "service_timeout" and "the async watchdog ended it" in caught.value.msg
    assert "(restarting the service) did not run" in caught.value.msg


def test_polls_lost_in_a_row_fail_the_await_and_name_the_job() -> None:
    host = Host(polls=[AnsibleConnectionFailure("reset")] * 3)
    job = _start(host)
    with pytest.raises(AlteryxStepError) as caught:
        _host.await_script(host, job, {})
    assert caught.value.failure_class == "general" and caught.value.result == {"ansible_job_id": "j7.42"}
    assert "lost track of host job j7.42 (dump window step) after 3 failed polls" in caught.value.msg


def test_an_await_that_comes_after_the_deadline_still_polls_once() -> None:
    host = Host()
    job = {**_start(host), "started": time.time() - 10_000}
    assert _host.await_script(host, job, {})["dump_path"] == "D:\\x"
    assert [c[1] for c in host.calls] == ["", "status", "cleanup"]


def test_an_await_past_the_deadline_of_a_job_still_running_gives_up_after_that_poll() -> None:
    host = Host(polls=[{"finished": False}] * 1000)  # polled for FIRST_DELAY seconds, then given up
    job = {**_start(host), "started": time.time() - 10_000}
    with pytest.raises(AlteryxStepError) as caught:
        _host.await_script(host, job, {})
    assert caught.value.failure_class == "service_timeout" and "did not finish within 600 seconds" in caught.value.msg


def test_a_secret_makes_start_and_polls_no_log() -> None:
    host = Host()
    job = _start(host, sensitive={"Password": "pw"})
    assert job["no_log"] is True
    _host.await_script(host, job, {})
    assert [c[2] for c in host.calls] == [True, True, True] and host._task.no_log is False


def test_the_await_marks_the_run_log_lines_the_start_carried(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_runlog, "_spool", lambda run_id: tmp_path / f"{run_id}.jsonl")
    _runlog.spool_add("r1", [_runlog.entry("INFO", "one"), _runlog.entry("INFO", "two")])
    host = Host()
    host.run_log = {"run_id": "r1", "path": "D:\\Logs\\r1.log"}
    job = _start(host)
    assert job["log_pending"] == 2 and _runlog.spool_read("r1")[1] == 0  # not yet: the script may not have run
    _runlog.spool_add("r1", [_runlog.entry("INFO", "three")])  # a line spooled meanwhile stays pending
    _host.await_script(host, job, {})
    assert _runlog.spool_read("r1")[1] == 2


def test_progress_lines_count_from_the_start_of_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(_host, "Display", lambda: SimpleNamespace(display=shown.append, verbosity=0))
    host = Host(polls=[{"finished": False}, DONE])
    job = {**_start(host), "started": time.time() - 125, "poll_interval": 0.01}
    _host.await_script(host, job, {"inventory_hostname": "n1", _host.PROGRESS_VAR: 60},
                       progress=lambda: {"bytes": 1024, "files": 1})
    assert shown and shown[0].startswith("n1: dump window running for 2m05s, 1.0 KB in 1 file(s)")

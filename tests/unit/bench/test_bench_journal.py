"""The benchmark's reading of a host journal and the floor playbook it generates from it (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from _bench_floor import ECHO, floor_playbook
from _bench_journal import HostRun, Job, host_run

POLL = "ansible.windows.async_status"


def _write(root: Path, entries: list[dict]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "journal.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    return root


def _poll(t: float, jid: str, mode: str = "status") -> dict:
    return {"t": t, "kind": "call", "call": POLL, "args": {"jid": jid, "mode": mode}}


JOURNAL = [
    {"t": 1.0, "kind": "received", "what": "ansible.windows.win_powershell:alteryx_facts", "bytes": 1000},
    {"t": 1.1, "kind": "call", "call": "ansible.windows.win_powershell:alteryx_facts", "async": False},
    {"t": 2.0, "kind": "event", "event": "async_job_started", "jid": "j1.1", "call": "x:window"},
    {"t": 2.1, "kind": "event", "event": "service_stopped"},
    _poll(2.5, "j1.1"),
    {"t": 3.0, "kind": "event", "event": "emongodump"},
    _poll(3.5, "j1.1"),
    {"t": 3.6, "kind": "call", "call": "x:inside", "async": False},
    {"t": 3.9, "kind": "event", "event": "service_running"},
    {"t": 4.0, "kind": "call", "call": "x:window", "async": True},
    {"t": 4.0, "kind": "event", "event": "async_job_finished", "jid": "j1.1"},
    _poll(4.5, "j1.1"),
    _poll(4.6, "j1.1", "cleanup"),
    {"t": 5.0, "kind": "event", "event": "async_job_started", "jid": "j2.2", "call": "x:archive"},
    {"t": 5.5, "kind": "call", "call": "x:archive", "async": True},
    {"t": 5.5, "kind": "event", "event": "async_job_finished", "jid": "j2.2"},
    _poll(6.0, "j2.2"),
    _poll(6.1, "j2.2", "cleanup"),
    _poll(6.2, "unknown.9"),  # a poll of a job this run did not start is nobody's
    {"t": 7.0, "kind": "received", "what": "put_file", "bytes": 234},
]


def test_a_journal_reads_into_calls_jobs_polls_bytes_and_the_window(tmp_path: Path):
    run = host_run(_write(tmp_path / "h", JOURNAL))
    assert (run.calls, run.plain_calls) == (4, 2)
    assert [(j.call, j.polls, j.cleanups) for j in run.jobs] == [("x:window", 3, 1), ("x:archive", 1, 1)]
    assert (run.polls, run.cleanups) == (4, 2)
    assert run.dump_polls == 3  # the job that was running when emongodump ran
    assert run.bytes_received == 1234
    assert run.inside_window == 1
    assert abs(run.downtime - 1.8) < 1e-9


def test_a_run_without_a_dump_or_a_window_has_none(tmp_path: Path):
    entries = [e for e in JOURNAL if e.get("event") not in ("emongodump", "service_stopped", "service_running")]
    run = host_run(_write(tmp_path / "h", entries))
    assert run.dump_polls is None
    assert (run.inside_window, run.downtime) == (0, 0.0)


def test_the_floor_makes_the_same_calls_and_polls_with_trivial_tasks(tmp_path: Path):
    shape = HostRun(calls=4, plain_calls=2, jobs=[Job("x:window", 0.0, polls=3, cleanups=1),
                                                  Job("x:archive", 1.0, polls=0, cleanups=1)])
    play = yaml.safe_load(floor_playbook(shape, tmp_path / "floor.yml").read_text())
    tasks = play[0]["tasks"]
    assert play[0]["gather_facts"] is False
    plain = [t for t in tasks if "ansible.windows.win_powershell" in t and "async" not in t]
    starts = [t for t in tasks if t.get("async")]
    assert len(plain) == 2 and len(starts) == 2
    assert all(t["ansible.windows.win_powershell"]["script"] == ECHO for t in plain + starts)
    assert all(t["poll"] == 0 for t in starts)
    polls = [t for t in tasks if "loop" in t]
    assert [len(t["loop"]) for t in polls] == [3]  # a job without polls gets no poll task
    cleanups = [t for t in tasks if t.get("ansible.builtin.async_status", {}).get("mode") == "cleanup"]
    assert [t["ansible.builtin.async_status"]["jid"] for t in cleanups] == [
        "{{ _floor_job1.ansible_job_id }}", "{{ _floor_job2.ansible_job_id }}"]

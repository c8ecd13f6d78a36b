"""What a backup run did on one winsim host, read from its journal: calls, async jobs and their polls, bytes received.

Nothing here knows the role's task names or step order: an async job is any ``async_job_started`` event, its polls are
the ``async_status`` calls naming its job id, the dump job is the job during which ``AlteryxService.exe emongodump``
ran, and bytes are the ``received`` entries the winsim connection writes for every command and file it is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

POLL = "ansible.windows.async_status"


@dataclass
class Job:
    """One detached job: its call key, ``status`` polls and ``cleanup`` calls."""

    call: str
    started: float
    finished: float | None = None
    polls: int = 0
    cleanups: int = 0


@dataclass
class HostRun:
    """The shape and cost of a run on one host."""

    calls: int = 0  # module calls that are not polls (a job's own module call included)
    plain_calls: int = 0  # module calls that are neither polls nor async jobs
    jobs: list[Job] = field(default_factory=list)
    bytes_received: int = 0
    inside_window: int = 0
    downtime: float = 0.0
    dump_polls: int | None = None  # polls of the job during which emongodump ran

    @property
    def polls(self) -> int:
        return sum(job.polls for job in self.jobs)

    @property
    def cleanups(self) -> int:
        return sum(job.cleanups for job in self.jobs)


def read_journal(host_root: Path) -> list[dict]:
    lines = (host_root / "journal.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def host_run(host_root: Path) -> HostRun:
    """Read one host's journal into a HostRun."""
    journal = read_journal(host_root)
    run = HostRun()
    jobs: dict[str, Job] = {}
    for entry in journal:
        kind = entry.get("kind")
        if kind == "received":
            run.bytes_received += int(entry["bytes"])
        elif kind == "event" and entry.get("event") == "async_job_started":
            jobs[entry["jid"]] = Job(call=entry.get("call", ""), started=entry["t"])
        elif kind == "event" and entry.get("event") == "async_job_finished" and entry.get("jid") in jobs:
            jobs[entry["jid"]].finished = entry["t"]
        elif kind == "call" and entry.get("call") == POLL:
            args = entry.get("args") or {}
            job = jobs.get(str(args.get("jid", "")))
            if job is not None:
                if args.get("mode") == "cleanup":
                    job.cleanups += 1
                else:
                    job.polls += 1
        elif kind == "call":
            run.calls += 1
            run.plain_calls += 0 if entry.get("async") else 1
    run.jobs = list(jobs.values())
    dump = next((e["t"] for e in journal if e.get("event") == "emongodump"), None)
    if dump is not None:
        holder = next((j for j in run.jobs if j.started <= dump and (j.finished is None or dump <= j.finished)), None)
        run.dump_polls = holder.polls if holder else None
    stop = next((e for e in journal if e.get("event") == "service_stopped"), None)
    start = next((e for e in journal if e.get("event") == "service_running" and stop and e["t"] > stop["t"]), None)
    if stop and start:
        run.downtime = start["t"] - stop["t"]
        run.inside_window = sum(1 for e in journal if e.get("kind") == "call" and e.get("call") != POLL
                                and not e.get("async") and stop["t"] < e["t"] < start["t"])
    return run

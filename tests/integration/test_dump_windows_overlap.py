"""No fork waits on a host's dump: one task starts every controller's dump window, a later one awaits them, so with
fewer forks than hosts the dumps still run side by side (issue 13); a host whose start failed is never awaited."""

from __future__ import annotations

import json
import subprocess

from conftest import REPO, Fleet, ansible_env

HOSTS = [f"c{n}-controller" for n in range(1, 5)]
DUMP_SECONDS = 4.0
P = "ansible.windows.win_powershell:"


def _fleet(tmp_path) -> Fleet:
    fleet = Fleet(tmp_path / "fleet", clusters=len(HOSTS))
    for name in HOSTS:
        state = fleet.state(name)
        state["mongo"]["dump_seconds"] = DUMP_SECONDS
        fleet.set_state(name, mongo=state["mongo"])
    return fleet


def _run(fleet: Fleet, forks: int) -> subprocess.CompletedProcess:
    return subprocess.run(fleet.command("playbooks/backup_full.yml") + ["-f", str(forks)], capture_output=True,
                          text=True, env=ansible_env(), cwd=REPO, timeout=600)


def _dump_span(fleet: Fleet, name: str) -> tuple[float, float]:
    """When the host's emongodump began (AlteryxService.exe called with the verb) and ended."""
    journal = fleet.journal(name)
    began = next(e["t"] for e in journal if e.get("event") == "alteryxservice_exe" and e.get("verb") == "emongodump")
    return began, next(e["t"] for e in journal if e.get("event") == "emongodump")


def test_with_two_forks_four_dumps_overlap(tmp_path):
    fleet = _fleet(tmp_path)
    run = _run(fleet, forks=2)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    spans = {name: _dump_span(fleet, name) for name in HOSTS}
    first_end = min(end for _began, end in spans.values())
    # Every dump started before the first one ended: none waited for a fork held by another host's dump.
    assert all(began < first_end for began, _end in spans.values()), json.dumps(spans)
    for name in HOSTS:
        assert len(fleet.archives(name)) == 1
        assert fleet.state(name)["services"]["AlteryxService"]["state"] == "running"
        # Started by one call, awaited by polls of a later task, cleaned up once.
        assert fleet.calls(name).count(P + "alteryx_dump_window") == 1
        assert fleet.calls(name).count("ansible.windows.async_status") >= 2
    assert "TASK [alteryx.server.backup : Wait for the dump window and judge the dump]" in run.stdout


def test_a_host_whose_start_failed_is_not_awaited_and_comes_back(tmp_path):
    fleet = _fleet(tmp_path)
    # The start's reply is lost after the job started on the host.
    fleet.faults([{"call": P + "alteryx_dump_window", "occurrence": 1, "kind": "drop"}], name=HOSTS[1])
    run = _run(fleet, forks=2)
    assert run.returncode != 0
    assert "lost the reply to the start of the host job for the dump window step" in run.stdout, run.stdout[-3000:]
    polled_by_the_wait = [e for e in fleet.journal(HOSTS[1])
                          if e.get("kind") == "call" and e["call"] == "ansible.windows.async_status"]
    assert polled_by_the_wait == []
    # The failure path waited for the job's window marker: the service is back, nothing was published.
    assert fleet.state(HOSTS[1])["services"]["AlteryxService"]["state"] == "running"
    assert fleet.archives(HOSTS[1]) == [] and not fleet.staging_dirs(HOSTS[1])
    for name in (HOSTS[0], *HOSTS[2:]):
        assert len(fleet.archives(name)) == 1, name

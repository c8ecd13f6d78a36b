"""The floor: a playbook that makes a backup run's host calls and nothing else, as cheaply as ansible-core can.

For a measured run shape (``HostRun`` of one host) it writes one task per plain module call (``win_powershell`` with
winsim's trivial echo script, the cheapest module winsim answers), and per async job one task starting the same
trivial script detached (``async``, ``poll: 0``), one ``async_status`` task looping once per poll the job had, and
one ``async_status`` cleanup per cleanup. So it sends the same number of module calls and polls to the same winsim
hosts; what the backup costs beyond it is the collection's own work (its action plugins, templating, task count).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from _bench_journal import HostRun

ECHO = "# winsim: echo\n"


def floor_playbook(shape: HostRun, path: Path) -> Path:
    """Write the floor playbook for ``shape`` to ``path`` and return it."""
    tasks: list[dict] = []
    for n in range(1, shape.plain_calls + 1):
        tasks.append({"name": f"Call {n}", "ansible.windows.win_powershell": {"script": ECHO}})
    for n, job in enumerate(shape.jobs, start=1):
        tasks.append({"name": f"Job {n}", "ansible.windows.win_powershell": {"script": ECHO}, "async": 3600,
                      "poll": 0, "register": f"_floor_job{n}"})
        if job.polls:
            tasks.append({"name": f"Job {n} polls", "ansible.builtin.async_status": {
                "jid": f"{{{{ _floor_job{n}.ansible_job_id }}}}"}, "loop": list(range(job.polls))})
        for m in range(job.cleanups):
            tasks.append({"name": f"Job {n} cleanup {m + 1}", "ansible.builtin.async_status": {
                "jid": f"{{{{ _floor_job{n}.ansible_job_id }}}}", "mode": "cleanup"}})
    play = [{"name": "Floor: the backup's host calls and polls, nothing else", "hosts": "all",
             "gather_facts": False, "tasks": tasks}]
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return path


def with_role_validation(floor: Path, path: Path, repo: Path) -> Path:
    """Write ``floor`` with one task in front: the backup role's argument validation as ansible-core runs it before a
    role (``validate_argument_spec`` with the role's ``main`` spec, every role default defined), and return it.

    What the role must cost beyond the floor, whatever its steps do: its spec is required (meta/argument_specs.yml)."""
    play = yaml.safe_load(floor.read_text())
    spec = yaml.safe_load((repo / "roles" / "backup" / "meta" / "argument_specs.yml").read_text())
    play[0]["vars_files"] = [str(repo / "roles" / "backup" / "defaults" / "main.yml")]
    play[0]["tasks"].insert(0, {"name": "Validate the role's arguments", "ansible.builtin.validate_argument_spec": {
        "argument_spec": spec["argument_specs"]["main"]["options"], "provided_arguments": {}}})
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return path

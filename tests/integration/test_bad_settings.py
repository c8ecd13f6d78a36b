"""Every bad setting is refused before anything on the node is touched.

One ansible-playbook run covers every case: each case is its own inventory host whose host vars carry
the bad setting, and all of them point at the same simulated controller. Its journal must stay empty
(no host call at all) and its service Running. A positive-control host, on a fleet of its own, runs a
real Full backup with the defaults.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FAST_VARS, REPO, Fleet, ansible_env

PLAYBOOK = "playbooks/backup_full.yml"
VALIDATE_TASK = "Validate the mode and name everything this run creates"
P = "ansible.windows.win_powershell:"
POSITIVE_HOST = "defaults_pass"
MONGODB = "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB"


def _shown(value: Any) -> str:
    """A value as a compact test id; backslashes as / because pytest would show each one doubled twice."""
    if isinstance(value, str):
        return f"'{value}'".replace("\\", "/")
    return json.dumps(value, separators=(",", ":")).replace("\\\\", "/")  # JSON writes each backslash as two


@dataclass(frozen=True)
class Case:
    """One refused setting (or several at once): host vars and the variables the message must name."""

    settings: dict[str, Any]

    @property
    def id(self) -> str:
        return ",".join(f"{name}={_shown(value)}" for name, value in self.settings.items())

    def host_vars(self) -> dict[str, Any]:
        return {f"alteryx_backup_{name}": value for name, value in self.settings.items()}


# Refused by validate_settings in the plan task (failure_class validation, exit code 3).
REFUSED = [Case(settings) for settings in [
    {"retention_days": -1},
    {"retention_days": "30"},
    {"retention_days": 1.5},
    {"retention_days": 10**12},
    {"retention_days": {"Full": -1}},
    {"retention_days": {"DB": "7"}},
    {"retention_days": {"Weekly": 3}},
    {"min_keep": -1},
    {"min_keep": 0},
    {"max_service_wait": 0},
    {"max_service_wait": -1},
    {"max_workflow_wait": -1},
    {"job_timeout": -1},
    {"job_timeout": 1000},  # shorter than max_workflow_wait + 2 x max_service_wait + 300
    {"step_timeout": 0},
    {"poll_interval": -1},
    {"poll_interval": 0},
    {"lock_stale_seconds": -1},
    {"copy_retries": -1},
    {"copy_retries": 101},
    {"copy_retry_delay": -1},
    {"free_space_factor": -1},
    {"free_space_factor": 0.5},
    {"free_space_factor": 1e308},
    {"free_space_factor": float("nan")},
    {"free_space_factor": float("inf")},
    {"min_archive_bytes": {"Full": -1}},
    {"min_archive_bytes": {"Full": 1.5}},
    {"local_path": MONGODB},
    {"local_path": "C:\\ProgramData\\Alteryx"},
    {"local_path": "C:\\Program Files\\Alteryx\\Backups"},
    {"local_path": "C:\\Program Files (x86)\\Backups"},
    {"local_path": "C:\\Windows\\Temp"},
    {"local_path": "D:\\Alteryx\\..\\..\\Windows"},
    {"local_path": "D:\\.\\Backups"},
    {"local_path": "Backups"},
    {"local_path": ".\\Backups"},
    {"local_path": "D:Backups"},
    {"local_path": "\\\\fileserver\\backups"},
    {"local_path": "D:\\Back<ups"},
    {"local_path": "D:\\Back|ups"},
    {"local_path": "D:\\Back?ups"},
    {"local_path": "D:\\Back*ups"},
    {"local_path": 'D:\\Back"ups'},
    {"log_path": "Logs"},
    {"local_path": "Backups", "log_path": "D:\\Logs\\..\\Logs"},  # a log folder of its own is reported too
    {"log_path": "C:\\Windows\\Logs"},
    {"network_paths": ["D:\\Backups"]},
    {"network_paths": ["\\\\fileserver"]},
    {"network_paths": ["backups"]},
    {"min_keep": 0, "copy_retries": -1, "local_path": "Backups", "free_space_factor": 0.5},  # all reported at once
]]

# Refused by the role's argument spec before the role's first task: Ansible's type check, no failure_class.
REFUSED_BY_ARGSPEC = [Case(settings) for settings in [
    {"min_keep": "abc"},
    {"min_keep": 1.5},
    {"force_stop_workflows": "maybe"},
    {"keys_required": "maybe"},
]]


def _host_name(index: int) -> str:
    return f"bad_{index:02d}"


HOSTS = {case.id: _host_name(index) for index, case in enumerate(REFUSED + REFUSED_BY_ARGSPEC)}


@dataclass
class Outcome:
    """Where one inventory host's run ended: the failed task's name and result (None when it succeeded)."""

    task: str | None
    result: dict[str, Any]


def _outcomes(report: dict[str, Any]) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") and host not in outcomes:
                    # Role tasks are reported as "<role> : <task name>".
                    outcomes[host] = Outcome(task["task"]["name"].split(" : ", 1)[-1], result)
    for host in report["stats"]:
        outcomes.setdefault(host, Outcome(None, {}))
    return outcomes


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the playbook once for every case; return the outcomes and the shared host's fleet."""
    bad_fleet = Fleet(tmp_path_factory.mktemp("bad") / "fleet")
    good_fleet = Fleet(tmp_path_factory.mktemp("good") / "fleet")
    hosts: dict[str, Any] = {HOSTS[case.id]: {"winsim_root": str(bad_fleet.host()), **case.host_vars()}
                             for case in REFUSED + REFUSED_BY_ARGSPEC}
    hosts[POSITIVE_HOST] = {"winsim_root": str(good_fleet.host())}
    inventory = {"all": {
        # Group vars, not -e: extra vars would override the bad host vars (poll_interval, copy_retry_delay).
        "vars": {**yaml.safe_load(bad_fleet.inventory.read_text())["all"]["vars"], **FAST_VARS},
        "hosts": hosts,
    }}
    path = bad_fleet.root / "bad_settings_inventory.yml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    env = {**ansible_env(), "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_FORKS": "20"}
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(path), str(REPO / PLAYBOOK)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=600, check=False)
    assert proc.stdout.strip(), proc.stderr
    return {"outcomes": _outcomes(json.loads(proc.stdout)), "bad_fleet": bad_fleet, "good_fleet": good_fleet,
            "stderr": proc.stderr}


def _assert_host_untouched(fleet: Fleet) -> None:
    assert fleet.calls() == [], "a refused setting reached the host"
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert not fleet.backups_dir().exists(), "a refused run created the backup folder"


def test_defaults_pass_validation_and_back_up(run: dict[str, Any]) -> None:
    outcome = run["outcomes"][POSITIVE_HOST]
    assert outcome.task is None, f"the defaults failed in {outcome.task}: {outcome.result.get('msg')}"
    assert len(run["good_fleet"].archives()) == 1


@pytest.mark.parametrize("case", REFUSED, ids=[case.id for case in REFUSED])
def test_bad_setting_is_refused_before_any_host_call(run: dict[str, Any], case: Case) -> None:
    outcome = run["outcomes"][HOSTS[case.id]]
    assert outcome.task == VALIDATE_TASK, f"refused in {outcome.task!r} instead: {outcome.result.get('msg')}"
    assert outcome.result["failure_class"] == "validation"
    assert outcome.result["exit_code"] == 3
    lines = outcome.result["msg"].splitlines()
    assert lines[0].startswith(f"{len(case.settings)} invalid backup setting(s)"), lines
    for name, value in case.settings.items():
        [line] = [line for line in lines if line.startswith(f"alteryx_backup_{name}=")]
        assert line.startswith(f"alteryx_backup_{name}={value!r}: "), line
        assert "; allowed" in line
    _assert_host_untouched(run["bad_fleet"])


@pytest.mark.parametrize("case", REFUSED_BY_ARGSPEC, ids=[case.id for case in REFUSED_BY_ARGSPEC])
def test_wrongly_typed_setting_is_refused_by_the_argument_spec(run: dict[str, Any], case: Case) -> None:
    outcome = run["outcomes"][HOSTS[case.id]]
    assert outcome.task and outcome.task.startswith("Validating arguments against arg spec"), outcome.task
    for name in case.settings:
        assert f"alteryx_backup_{name}" in outcome.result["msg"]
    _assert_host_untouched(run["bad_fleet"])


def _move_mongodb_data(fleet: Fleet, data_path: str) -> None:
    """Point the embedded MongoDB at ``data_path`` in the override RuntimeSettings.xml, as System Settings would."""
    settings = fleet.host() / "drives" / "C" / "ProgramData" / "Alteryx" / "RuntimeSettings.xml"
    text = settings.read_bytes().decode("utf-8-sig")
    assert "<Controller>" in text
    text = text.replace("<Controller>", f"<Controller>\r\n    <EmbeddedMongoDBRootPath>{data_path}</EmbeddedMongoDBRootPath>", 1)
    settings.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def test_local_path_inside_the_reported_mongodb_folder_is_refused_after_facts_only(fleet: Fleet) -> None:
    _move_mongodb_data(fleet, "D:\\AlteryxData\\MongoDB")
    # The folder exists, so the only thing wrong is where the backups would go.
    (fleet.host() / "drives" / "D" / "AlteryxData" / "MongoDB").mkdir(parents=True)
    run = fleet.playbook(PLAYBOOK, extra={"alteryx_backup_local_path": "D:\\AlteryxData\\MongoDB\\Backups"})
    assert run.rc != 0, run.output
    assert "failure_class=validation" in run.output or '"failure_class": "validation"' in run.output, run.output
    assert "alteryx_backup_local_path" in run.output
    # The read-only facts call, then the failure's cleanup, which writes no log there (nothing to release).
    # Nothing but the read-only facts call and the cleanup, then the run's Windows Event Log entry (no file).
    assert fleet.calls() == [f"{P}alteryx_facts", f"{P}alteryx_finalize", "ansible.windows.win_eventlog",
                             "community.windows.win_eventlog_entry"]
    cleanup = [e for e in fleet.journal() if e.get("call") == f"{P}alteryx_finalize"][0]
    assert cleanup["args"]["parameters"]["LogPath"] == ""
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert list((fleet.host() / "drives" / "D" / "AlteryxData" / "MongoDB").iterdir()) == []

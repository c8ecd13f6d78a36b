"""alteryx_backup_cli.main: argument parsing, mode and config checks, the ansible-playbook arguments, exit codes.

ansible_runner.run is replaced by a fake that replays events, so nothing here runs Ansible.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import ansible_runner
import pytest
from alteryx_backup_cli import main as cli
from alteryx_backup_cli.outcomes import HostOutcome
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils import _naming
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

REPO_ROOT = Path(__file__).resolve().parents[3]


def parse(*argv: str) -> Any:
    return cli.build_parser().parse_args(list(argv))


# --- arguments -----------------------------------------------------------------------------------------------


def test_options_like_ansible_playbook() -> None:
    options = parse("-i", "inv1.yml", "--inventory", "inv2.yml", "-l", "controller", "--mode", "DB", "--config",
                    "c.json", "--check", "-e", "a=1", "--extra-vars", '{"b": 2}', "-e", "@vars.yml", "-vvv",
                    "--playbook", "alteryx.server.backup_full")
    assert options.inventory == ["inv1.yml", "inv2.yml"]
    assert options.limit == "controller"
    assert (options.mode, options.config, options.check) == ("DB", "c.json", True)
    assert options.extra_vars == ["a=1", '{"b": 2}', "@vars.yml"]
    assert options.verbose == 3
    assert options.playbook == "alteryx.server.backup_full"


def test_defaults() -> None:
    options = parse()
    assert (options.inventory, options.limit, options.mode, options.config, options.check, options.extra_vars,
            options.verbose, options.playbook) == (None, None, None, None, False, [], 0, None)


def test_short_check_and_verbose_forms() -> None:
    options = parse("-C", "-v", "-v")
    assert options.check and options.verbose == 2


@pytest.mark.parametrize("argv", [["--bogus"], ["-i"], ["--mode"], ["extra-positional"]])
def test_usage_errors_exit_1_not_argparses_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's own exit code 2 would read as "service timeout" to a scheduler."""
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 1
    assert "usage: alteryx-backup" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--inventory", "--limit", "--mode", "--config", "--check", "--extra-vars", "--verbose",
                   "--playbook"):
        assert option in out


# --- mode --------------------------------------------------------------------------------------------------


def test_modes_equal_the_collections() -> None:
    assert cli.MODES == _naming.MODES
    assert cli.MODE_TAGS == _naming.MODE_TAGS


@pytest.mark.parametrize(("given_mode", "mode"), [
    ("Full", "Full"), ("full", "Full"), ("DatabaseOnly", "DatabaseOnly"), ("DB", "DatabaseOnly"),
    ("db", "DatabaseOnly"), ("ConfigOnly", "ConfigOnly"), ("Config", "ConfigOnly"), (" config ", "ConfigOnly"),
])
def test_mode_forms(given_mode: str, mode: str) -> None:
    assert cli.normalize_mode(given_mode) == mode


@pytest.mark.parametrize("bad", ["Weekly", "", "Ful", "Database", "Full,DB", "DB Only"])
def test_invalid_mode_is_exit_6(bad: str) -> None:
    with pytest.raises(cli.UsageError) as exc:
        cli.normalize_mode(bad)
    assert exc.value.code == 6
    assert "Full, DatabaseOnly (DB), ConfigOnly (Config)" in str(exc.value)


@given(st.text(max_size=14) | st.sampled_from(["Full", "db", " CONFIG ", "DatabaseOnly\t", "ConfigOnly"]))
def test_mode_check_agrees_with_the_role(value: str) -> None:
    """The command refuses exactly the modes the role's plan step refuses, and names the same canonical mode."""
    try:
        expected: str | None = _naming.normalize_mode(value)
    except AlteryxStepError:
        expected = None
    try:
        got: str | None = cli.normalize_mode(value)
    except cli.UsageError:
        got = None
    assert got == expected


def test_invalid_mode_exits_6_before_anything_runs(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def never(**_: Any) -> None:
        raise AssertionError("ansible-runner must not run for an invalid mode")

    monkeypatch.setattr(ansible_runner, "run", never)
    assert cli.main(["-i", "inventory.yml", "--mode", "Weekly"]) == 6
    err = capsys.readouterr().err
    assert "invalid backup mode 'Weekly'" in err and "exit code 6 (invalid_mode)" in err


# --- config file -------------------------------------------------------------------------------------------


def test_config_path_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "backup-config.json").write_text('{"BackupMode": "DB"}')
    monkeypatch.chdir(tmp_path)
    assert cli.read_config("backup-config.json") == str(tmp_path / "backup-config.json")


@pytest.mark.parametrize(("content", "problem"), [
    (None, "cannot read"), ("{not json", "not valid JSON"), ("[1, 2]", "must hold a JSON object"),
])
def test_unusable_config_is_exit_3_before_anything_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str], content: str | None,
                                                        problem: str) -> None:
    config = tmp_path / "backup-config.json"
    if content is not None:
        config.write_text(content)
    monkeypatch.setattr(ansible_runner, "run", lambda **_: pytest.fail("ansible-runner must not run"))
    assert cli.main(["--config", str(config)]) == 3
    assert problem in capsys.readouterr().err


# --- playbook and ansible-playbook arguments ---------------------------------------------------------------


def test_default_playbook_is_the_checkouts_backup_playbook() -> None:
    assert cli.default_playbook() == str(REPO_ROOT / "playbooks" / "backup.yml")


def test_default_playbook_outside_a_collection_is_the_fqcn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "site-packages" / "alteryx_backup_cli" / "main.py"
    fake.parent.mkdir(parents=True)
    fake.touch()
    monkeypatch.setattr(cli, "__file__", str(fake))
    assert cli.default_playbook() == "alteryx.server.backup"


def test_resolve_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "site.yml").write_text("---\n")
    monkeypatch.chdir(tmp_path)
    assert cli.resolve_playbook("site.yml") == str(tmp_path / "site.yml")
    assert cli.resolve_playbook("alteryx.server.backup_full") == "alteryx.server.backup_full"
    assert cli.resolve_playbook(None) == cli.default_playbook()


def test_ansible_args_keep_ansible_playbooks_order_and_our_options_win() -> None:
    options = parse("-i", "a.yml", "-i", "b,c,", "-l", "c1-*", "-e", "alteryx_backup_mode=Full", "-e", "@x.yml",
                    "--check", "-vv")
    args = cli.ansible_args(options, "DatabaseOnly", "/etc/backup-config.json")
    assert args == ["-i", "a.yml", "-i", "b,c,", "--limit", "c1-*", "-e", "alteryx_backup_mode=Full", "-e", "@x.yml",
                    "-e", json.dumps({"alteryx_backup_mode": "DatabaseOnly",
                                      "alteryx_backup_config_file": "/etc/backup-config.json"}),
                    "--check", "-vv"]
    assert shlex.split(shlex.join(args)) == args  # survives ansible-runner's cmdline round trip


def test_ansible_args_without_mode_leave_the_roles_default() -> None:
    assert cli.ansible_args(parse("-i", "inv"), None, None) == ["-i", "inv"]


def test_runner_env_uses_this_pythons_ansible_playbook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANSIBLE_NOCOLOR", raising=False)
    monkeypatch.delenv("ANSIBLE_FORCE_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    env = cli.runner_env()
    bindir = str(Path(sys.executable).parent)
    assert env["PATH"].split(":")[0] == bindir
    assert env["ANSIBLE_NOCOLOR"] == "1"


def test_runner_env_respects_a_colour_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANSIBLE_FORCE_COLOR", "1")
    assert "ANSIBLE_NOCOLOR" not in cli.runner_env()


# --- exit code of a run --------------------------------------------------------------------------------------


def outcome(code: int, host: str = "n1") -> HostOutcome:
    return HostOutcome(host=host, result="ok" if code == 0 else "failed", exit_code=code)


@pytest.mark.parametrize(("outcomes", "status", "rc", "code"), [
    ([outcome(0)], "successful", 0, 0),
    ([outcome(0), outcome(0, "n2")], "successful", 0, 0),
    ([outcome(0), outcome(4, "n2")], "failed", 2, 4),
    ([outcome(1), outcome(5, "n2"), outcome(3, "n3")], "failed", 2, 5),
    ([], "successful", 0, 1),  # no host matched: nothing was backed up
    ([], "failed", 1, 1),  # syntax error, missing inventory...
    ([outcome(0)], "failed", 250, 1),  # every host fine but ansible-playbook itself failed
    ([outcome(0)], "canceled", 254, 1),
    ([outcome(2)], "canceled", 254, 2),
])
def test_exit_code(outcomes: list[HostOutcome], status: str, rc: int, code: int) -> None:
    assert cli.exit_code(outcomes, status, rc) == code


# --- a whole run with a fake ansible-runner ------------------------------------------------------------------


def _event(kind: str, host: str | None = None, **data: Any) -> dict[str, Any]:
    return {"event": kind, "event_data": {**({"host": host} if host else {}), **data}}


def test_run_passes_everything_to_ansible_runner_and_returns_the_fleet_code(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    archive = "D:\\Alteryx\\Backups\\ServerBackup_DB_20240131_020000.zip"

    def fake_run(**kwargs: Any) -> SimpleNamespace:
        seen.update(kwargs)
        seen["private_exists"] = Path(kwargs["private_data_dir"]).is_dir()
        handler = kwargs["event_handler"]
        for item in (
            _event("runner_on_ok", "c1", resolved_action="alteryx.server.alteryx_backup_plan", res={"mode": "DatabaseOnly"}),
            _event("runner_on_ok", "c1", resolved_action="alteryx.server.alteryx_archive",
                   res={"archive": {"path": archive, "size": 10}}),
            _event("runner_on_ok", "c2", resolved_action="alteryx.server.alteryx_backup_plan", res={"mode": "DatabaseOnly"}),
            _event("runner_on_failed", "c2", res={"failure_class": "mongodb", "exit_code": 5, "msg": "dump failed"},
                   task="Stop the service, dump MongoDB and start the service again", play_uuid="p"),
            _event("runner_on_failed", "c2", res={"msg": "DatabaseOnly backup failed"}, task="Fail", play_uuid="p"),
            _event("playbook_on_stats", ok={"c1": 11, "c2": 4}, failures={"c2": 1}, dark={}, processed={"c1": 1, "c2": 1},
                   artifact_data={}),
        ):
            handler(item)
        return SimpleNamespace(status="failed", rc=2)

    monkeypatch.setattr(ansible_runner, "run", fake_run)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["-i", "fleet.yml", "--mode", "db", "-l", "c*", "-e", "x=1", "-v"])
    assert code == 5
    assert seen["private_exists"] and not Path(seen["private_data_dir"]).exists(), "private data dir is temporary"
    assert seen["project_dir"] == str(tmp_path)
    assert seen["playbook"] == str(REPO_ROOT / "playbooks" / "backup.yml")
    assert shlex.split(seen["cmdline"]) == ["-i", "fleet.yml", "--limit", "c*", "-e", "x=1", "-e",
                                            '{"alteryx_backup_mode": "DatabaseOnly"}', "-v"]
    assert seen["quiet"] is False
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith(("c1 ", "c2 "))]
    assert rows == [["c1", "DatabaseOnly", "ok", "-", "0", archive], ["c2", "DatabaseOnly", "failed", "mongodb", "5", "-"]]
    assert out.rstrip().endswith("alteryx-backup: failed - 2 host(s), 1 failed - exit code 5 (mongodb)")


def test_run_on_no_host_says_so_and_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(ansible_runner, "run", lambda **_: SimpleNamespace(status="successful", rc=0))
    assert cli.main(["-i", "empty.yml", "--check"]) == 1
    assert "No host was backed up" in capsys.readouterr().out

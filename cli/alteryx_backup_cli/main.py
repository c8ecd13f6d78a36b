"""``alteryx-backup``: run the alteryx.server backup playbook through ansible-runner and exit with the spec's code.

0 success, 1 general, 2 service timeout, 3 validation, 4 storage, 5 MongoDB, 6 invalid mode (see
docs/exit-codes.md). The mode is checked before anything runs: an invalid one exits 6 without contacting a host.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from alteryx_backup_cli import __version__
from alteryx_backup_cli.exit_codes import (
    CLASS_OF_CODE,
    GENERAL,
    INVALID_MODE,
    SUCCESS,
    VALIDATION,
    fleet_exit_code,
)
from alteryx_backup_cli.outcomes import HostOutcome, RunCollector, render_table

PROG = "alteryx-backup"
MODES: tuple[str, ...] = ("Full", "DatabaseOnly", "ConfigOnly")
MODE_TAGS: dict[str, str] = {"Full": "Full", "DatabaseOnly": "DB", "ConfigOnly": "Config"}
_MODE_LOOKUP = {key.lower(): mode for mode in MODES for key in (mode, MODE_TAGS[mode])}
FQCN_PLAYBOOK = "alteryx.server.backup"


class UsageError(Exception):
    """A command-line problem; ``code`` is the exit code it ends with."""

    def __init__(self, message: str, code: int = GENERAL) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error, which is "service timeout" here: exit 1 (general) instead."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(GENERAL, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Back up Alteryx Server hosts with the alteryx.server collection and exit with the spec's code: "
                    "0 success, 1 general, 2 service timeout, 3 validation, 4 storage, 5 MongoDB, 6 invalid mode.",
        epilog="A run over several hosts exits 0 only when every host succeeded; otherwise with the most severe code "
               "in the order 2, 5, 4, 3, 6, 1. A table of every host follows the Ansible output. "
               "See docs/exit-codes.md.",
    )
    parser.add_argument("-i", "--inventory", action="append", metavar="INVENTORY",
                        help="inventory file, directory or host list, as for ansible-playbook (repeatable)")
    parser.add_argument("-l", "--limit", metavar="SUBSET", help="limit the run to these hosts or groups")
    parser.add_argument("--mode", metavar="MODE",
                        help="Full, DatabaseOnly or ConfigOnly (short forms DB and Config, any case); "
                             "default: the config file's mode, else Full")
    parser.add_argument("--config", metavar="FILE",
                        help="backup-config.json on this controller (sets alteryx_backup_config_file)")
    parser.add_argument("-C", "--check", action="store_true", help="dry run: report what would be done")
    parser.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS",
                        help="extra variables as for ansible-playbook: key=value, JSON/YAML or @file (repeatable); "
                             "--mode and --config win over the same variables given here")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more output (-vvv for more)")
    parser.add_argument("--playbook", metavar="PLAYBOOK",
                        help="playbook to run (a file or a collection playbook); default: the collection's "
                             "playbooks/backup.yml next to this package, else alteryx.server.backup")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def normalize_mode(value: str) -> str:
    """The canonical mode for ``value`` (mode or short form, any case, blanks ignored); UsageError(6) otherwise."""
    mode = _MODE_LOOKUP.get(value.strip().lower())
    if mode is None:
        valid = ", ".join(f"{m} ({MODE_TAGS[m]})" if MODE_TAGS[m] != m else m for m in MODES)
        raise UsageError(f"invalid backup mode {value!r}; valid modes are {valid}", INVALID_MODE)
    return mode


def read_config(path: str) -> str:
    """Absolute path of the config file, checked to be a readable JSON object; UsageError(3) otherwise."""
    config = Path(path).expanduser().resolve()
    try:
        data = json.loads(config.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UsageError(f"cannot read the config file {config}: {exc.strerror or exc}", VALIDATION) from exc
    except ValueError as exc:
        raise UsageError(f"the config file {config} is not valid JSON: {exc}", VALIDATION) from exc
    if not isinstance(data, dict):
        raise UsageError(f"the config file {config} must hold a JSON object", VALIDATION)
    return str(config)


def default_playbook() -> str:
    """playbooks/backup.yml of the collection this package sits in (checkout or installed), else its FQCN."""
    collection = Path(__file__).resolve().parents[2]
    candidate = collection / "playbooks" / "backup.yml"
    if candidate.is_file() and ((collection / "galaxy.yml").is_file() or (collection / "MANIFEST.json").is_file()):
        return str(candidate)
    return FQCN_PLAYBOOK


def resolve_playbook(value: str | None) -> str:
    if not value:
        return default_playbook()
    path = Path(value).expanduser()
    return str(path.resolve()) if path.is_file() else value


def ansible_args(options: argparse.Namespace, mode: str | None, config: str | None) -> list[str]:
    """ansible-playbook arguments (without the playbook), in the order ansible-playbook applies them."""
    args: list[str] = []
    for inventory in options.inventory or []:
        args += ["-i", inventory]
    if options.limit:
        args += ["--limit", options.limit]
    for extra in options.extra_vars:
        args += ["-e", extra]
    ours: dict[str, Any] = {}
    if mode:
        ours["alteryx_backup_mode"] = mode
    if config:
        ours["alteryx_backup_config_file"] = config
    if ours:  # last, so the dedicated options win over the same variable in -e
        args += ["-e", json.dumps(ours)]
    if options.check:
        args.append("--check")
    if options.verbose:
        args.append("-" + "v" * options.verbose)
    return args


def runner_env() -> dict[str, str]:
    """Variables added to this process's environment for ansible-playbook."""
    env: dict[str, str] = {}
    here = Path(sys.executable).parent
    if (here / "ansible-playbook").is_file():  # the ansible-playbook of the Python this command runs on
        env["PATH"] = os.pathsep.join([str(here), os.environ.get("PATH", "")])
    elif shutil.which("ansible-playbook") is None:
        raise UsageError("ansible-playbook was not found on PATH; install ansible-core")
    # ansible-playbook runs on a pseudo terminal: no colour codes when our own output is not a terminal.
    if not sys.stdout.isatty() and "ANSIBLE_FORCE_COLOR" not in os.environ and "ANSIBLE_NOCOLOR" not in os.environ:
        env["ANSIBLE_NOCOLOR"] = "1"
    return env


def exit_code(outcomes: list[HostOutcome], status: str, rc: int | None) -> int:
    """The command's exit code: the fleet rule over every host; 1 when the run itself failed or ran on no host."""
    code = fleet_exit_code(o.exit_code for o in outcomes)
    if code == SUCCESS and (not outcomes or status != "successful" or rc not in (0, None)):
        return GENERAL
    return code


def summary(outcomes: list[HostOutcome], code: int, status: str, check: bool) -> str:
    lines = []
    if outcomes:
        lines += ["", render_table(outcomes)]
    else:
        lines += ["", "No host was backed up: no host matched the inventory and limit, or the run stopped before "
                      "its first task."]
    if status == "canceled":
        lines.append("The run was interrupted.")
    failed = [o for o in outcomes if o.exit_code != SUCCESS]
    verdict = "would succeed (check mode)" if check and code == SUCCESS else (
        "succeeded" if code == SUCCESS else "failed")
    counts = f"{len(outcomes)} host(s), {len(failed)} failed"
    label = "success" if code == SUCCESS else CLASS_OF_CODE[code]
    lines.append(f"{PROG}: {verdict} - {counts} - exit code {code} ({label})")
    return "\n".join(lines)


def run(options: argparse.Namespace) -> int:
    mode = normalize_mode(options.mode) if options.mode is not None else None
    config = read_config(options.config) if options.config is not None else None
    playbook = resolve_playbook(options.playbook)
    envvars = runner_env()
    import ansible_runner  # imported late: --help, --version and argument errors stay fast

    collector = RunCollector()
    with tempfile.TemporaryDirectory(prefix="alteryx-backup-") as private:
        result = ansible_runner.run(
            private_data_dir=private,
            project_dir=os.getcwd(),  # ansible-playbook runs where this command runs: same ansible.cfg lookup
            playbook=playbook,
            cmdline=shlex.join(ansible_args(options, mode, config)),
            envvars=envvars,
            event_handler=collector,
            suppress_env_files=True,
            quiet=False,
        )
        status, rc = result.status, result.rc
    outcomes = collector.outcomes(check=options.check)
    code = exit_code(outcomes, status, rc)
    sys.stdout.flush()
    print(summary(outcomes, code, status, options.check), flush=True)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        return run(options)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        label = CLASS_OF_CODE.get(exc.code, "general")
        print(f"{PROG}: nothing was run - exit code {exc.code} ({label})", file=sys.stderr)
        return exc.code

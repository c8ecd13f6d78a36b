"""Fixtures for integration tests: real ansible-playbook runs against winsim fleets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WINSIM = REPO / "tests" / "winsim"
sys.path.insert(0, str(WINSIM))
sys.path.insert(0, str(REPO / "tests" / "tools"))  # shared test helpers (spec_manifest_shape)
sys.path.append(str(REPO / ".build" / "collections"))  # the collection's code (_secret_box.decrypt_cms) for checks

from winsim_engine.fleet import new_fleet  # noqa: E402

# The test key pair of the secrets' encryption: every run exports the controller secrets encrypted to this certificate
# (the role refuses plaintext by default); tests decrypt with SECRETS_KEY.
SECRETS_CERT = REPO / "tests" / "tools" / "fixtures" / "secrets" / "test-secrets.crt"
SECRETS_KEY = REPO / "tests" / "tools" / "fixtures" / "secrets" / "test-secrets.key"
# Fast settings for a simulated host: no 30 s retry delays, quick polls.
FAST_VARS = {"alteryx_backup_poll_interval": 0.2, "alteryx_backup_copy_retry_delay": 0,
             "alteryx_backup_secrets_recipient": str(SECRETS_CERT)}
MODE_TAGS = {"Full": "Full", "DatabaseOnly": "DB", "ConfigOnly": "Config"}


def ansible_env() -> dict[str, str]:
    env = dict(os.environ)
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_COLLECTIONS_PATH"] = f"{REPO / '.build' / 'collections'}:{WINSIM}"
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Fleet:
    """A winsim fleet and helpers to run playbooks against it and inspect the hosts."""

    def __init__(self, root: Path, **options) -> None:
        self.root = root
        self.inventory = new_fleet(root, **options)

    def host(self, name: str = "controller") -> Path:
        return self.root / "hosts" / name

    def command(self, playbook: str, *, extra: dict | None = None, check: bool = False, limit: str | None = None,
                verbosity: int = 0) -> list[str]:
        """The ansible-playbook command line for ``playbook`` against this fleet, with the fast settings."""
        cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(self.inventory),
               str(REPO / playbook), "-e", json.dumps({**FAST_VARS, **(extra or {})})]
        if check:
            cmd.append("--check")
        if limit:
            cmd += ["-l", limit]
        if verbosity:
            cmd.append("-" + "v" * verbosity)
        return cmd

    def playbook(self, playbook: str, *, extra: dict | None = None, check: bool = False, limit: str | None = None,
                 verbosity: int = 0, timeout: int = 300, env: dict[str, str] | None = None) -> Run:
        proc = subprocess.run(self.command(playbook, extra=extra, check=check, limit=limit, verbosity=verbosity),
                              capture_output=True, text=True, env={**ansible_env(), **(env or {})}, cwd=REPO,
                              timeout=timeout)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def start(self, playbook: str, *, extra: dict | None = None) -> subprocess.Popen:
        """Start ``playbook`` without waiting, in a session of its own (``os.killpg`` kills the whole controller);
        stdout and stderr arrive together on ``stdout``."""
        return subprocess.Popen(self.command(playbook, extra=extra), env=ansible_env(), cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def journal(self, name: str = "controller") -> list[dict]:
        lines = (self.host(name) / "journal.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def calls(self, name: str = "controller") -> list[str]:
        return [e["call"] for e in self.journal(name) if e["kind"] == "call"]

    def state(self, name: str = "controller") -> dict:
        return json.loads((self.host(name) / "state.json").read_text())

    def set_state(self, name: str = "controller", **changes) -> None:
        state = self.state(name)
        state.update(changes)
        (self.host(name) / "state.json").write_text(json.dumps(state))

    def faults(self, rules: list[dict], name: str = "controller") -> None:
        (self.host(name) / "faults.json").write_text(json.dumps(rules))

    def reset_journal(self, name: str = "controller") -> None:
        (self.host(name) / "journal.jsonl").write_text("")
        state = self.state(name)
        state["counters"] = {}
        (self.host(name) / "state.json").write_text(json.dumps(state))

    def backups_dir(self, name: str = "controller") -> Path:
        return self.host(name) / "drives" / "D" / "Alteryx" / "Backups"

    def logs_dir(self, name: str = "controller") -> Path:
        """The default host log folder, D:\\Alteryx\\BackupLogs (the spec's LogDirectory)."""
        return self.host(name) / "drives" / "D" / "Alteryx" / "BackupLogs"

    def temp_dir(self, name: str = "controller") -> Path:
        """The default staging parent, D:\\Temp (the spec's TempDirectory)."""
        return self.host(name) / "drives" / "D" / "Temp"

    def staging_dirs(self, name: str = "controller") -> list[Path]:
        """Every staging folder left in the temp folder or the backup folder."""
        return [p for folder in (self.temp_dir(name), self.backups_dir(name)) if folder.is_dir()
                for p in folder.glob("*.staging")]

    def archives(self, name: str = "controller") -> list[Path]:
        folder = self.backups_dir(name)
        return sorted(folder.glob("ServerBackup_*.zip")) if folder.is_dir() else []

    def share(self) -> Path:
        return self.root / "shares" / "fileserver" / "backups"

    def cluster_of(self, name: str = "controller") -> str:
        """The alteryx_cluster of host ``name`` in this fleet's inventory."""
        inventory = yaml.safe_load(self.inventory.read_text())
        clusters = inventory["all"]["children"]["alteryx_clusters"]["children"]
        return next(c for c, group in clusters.items() if name in (group.get("hosts") or {}))

    def share_dir(self, name: str = "controller") -> Path:
        """Where host ``name``'s network copies go: <share>\\<cluster>\\<host>."""
        return self.share() / self.cluster_of(name) / name

    def everything_published(self) -> list[Path]:
        """Every backup-looking file or partial anywhere in the fleet's drives and shares."""
        found = []
        for base in (self.root / "hosts", self.root / "shares"):
            found += [p for p in base.rglob("ServerBackup_*") if p.is_file()]
        return found


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return Fleet(tmp_path / "fleet")


def zip_names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename for i in zf.infolist()}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "config_file: runs that read a backup-config.json file")

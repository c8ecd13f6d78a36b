"""The built collection is installable and carries no test code."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from conftest import REPO, ansible_env


def test_build_contains_no_test_code(tmp_path):
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    subprocess.run([str(galaxy), "collection", "build", "--output-path", str(tmp_path), str(REPO)], check=True,
                   env=ansible_env(), capture_output=True, cwd=REPO)
    [tarball] = tmp_path.glob("alteryx-server-*.tar.gz")
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert "plugins/action/alteryx_emongodump.py" in names
    assert "roles/backup/tasks/main.yml" in names
    assert "plugins/plugin_utils/powershell/alteryx_dump_window.ps1" in names
    assert not [n for n in names if n.startswith(("tests", ".venv", ".build", "extensions", "demo"))]
    assert not [n for n in names if "winsim" in n]
    install = tmp_path / "installed"
    proc = subprocess.run([str(galaxy), "collection", "install", "--offline", "--no-deps", "--force", "-p", str(install),
                           str(tarball)], env=ansible_env(), capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (install / "ansible_collections" / "alteryx" / "server" / "playbooks" / "backup_full.yml").is_file()

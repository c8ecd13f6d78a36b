"""The built collection is installable, carries no test code, and its README links only to what it ships."""

from __future__ import annotations

import posixpath
import re
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
        readme = tar.extractfile("README.md").read().decode("utf-8")
    assert "plugins/action/alteryx_emongodump.py" in names
    assert "roles/backup/tasks/main.yml" in names
    assert "plugins/plugin_utils/powershell/alteryx_dump_window.ps1" in names
    assert not [n for n in names if n.startswith(("tests", ".venv", ".build", "extensions", "demo"))]
    assert not [n for n in names if "winsim" in n]
    assert not dangling_links(readme, set(names)), "README links to files the build leaves out"
    install = tmp_path / "installed"
    proc = subprocess.run([str(galaxy), "collection", "install", "--offline", "--no-deps", "--force", "-p", str(install),
                           str(tarball)], env=ansible_env(), capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (install / "ansible_collections" / "alteryx" / "server" / "playbooks" / "backup_full.yml").is_file()


# [text](target) of Markdown, not images; the target up to the first space (a title may follow).
MARKDOWN_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)[^)]*\)")


def dangling_links(markdown: str, names: set[str]) -> list[str]:
    """Relative link targets of ``markdown`` (at the collection root) that are neither a file nor a folder in ``names``.

    URLs (``scheme:``) and in-page anchors are not files of the tarball and are left alone.
    """
    dangling = []
    for target in MARKDOWN_LINK.findall(markdown):
        path = target.split("#", 1)[0]
        if not path or re.match(r"^[a-z][a-z0-9+.-]*:", path):
            continue
        path = posixpath.normpath(path)
        if path not in names and not any(name.startswith(path + "/") for name in names):
            dangling.append(target)
    return dangling


def test_dangling_links_finds_what_the_tarball_lacks():
    names = {"README.md", "docs/clusters.md", "roles/backup/README.md", "playbooks/backup.yml"}
    markdown = ("[a](docs/clusters.md) [b](docs/winsim.md) [c](playbooks/) [d](https://example.com/x.md) "
                "[e](roles/backup/README.md#variables) [f](#install) ![img](missing.png) [g](docs/development.md \"t\")")
    assert dangling_links(markdown, names) == ["docs/winsim.md", "docs/development.md"]

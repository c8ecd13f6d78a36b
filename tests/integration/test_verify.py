"""playbooks/verify.yml on archives the backup role made on winsim: a fresh one passes, damaged ones fail.

verify.yml runs on the controller with no inventory (implicit localhost), as an administrator would run it:
``ansible-playbook playbooks/verify.yml -e alteryx_verify_path=PATH``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, Fleet, Run, ansible_env

sys.path.insert(0, str(REPO / ".build" / "collections"))  # verify_archives builds manifests with the collection

from verify_archives import flip_bit, rewrite  # noqa: E402

VERDICT = re.compile(r"(ServerBackup_Full_\d{8}_\d{6}\.zip): (PASSED|FAILED) - ")


def _verify(path: Path | str, cwd: Path = REPO, **extra: object) -> Run:
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO / "playbooks" / "verify.yml"),
               "-e", json.dumps({"alteryx_verify_path": str(path), **extra})]
    # PWD as a shell sets it: the role reads a relative path against it.
    proc = subprocess.run(command, capture_output=True, text=True, env={**ansible_env(), "PWD": str(cwd)}, cwd=cwd,
                          timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Full backup of a winsim controller: its archive, sidecar and manifest copy."""
    fleet = Fleet(tmp_path_factory.mktemp("verify") / "fleet")
    run = fleet.playbook("playbooks/backup_full.yml")
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return archive


@pytest.fixture
def archive(backup: Path, tmp_path: Path) -> Path:
    """A private copy of the backup (archive, sidecar, manifest copy) for a test to damage."""
    for suffix in ("", ".sha256", ".manifest.json"):
        (tmp_path / f"{backup.name}{suffix}").write_bytes(Path(f"{backup}{suffix}").read_bytes())
    return tmp_path / backup.name


def test_fresh_archive_passes(archive: Path) -> None:
    run = _verify(archive.parent)
    assert run.rc == 0, run.output
    assert VERDICT.findall(run.stdout) == [(archive.name, "PASSED")]
    assert "failed=0" in run.stdout


def test_flipped_byte_fails(archive: Path) -> None:
    flip_bit(archive, archive.stat().st_size // 2)
    run = _verify(archive)
    assert run.rc != 0
    assert VERDICT.findall(run.stdout) == [(archive.name, "FAILED")]
    assert f"sidecar {archive.name}.sha256: expected" in " ".join(run.stdout.split())


def test_bson_that_lost_a_document_fails(archive: Path) -> None:
    """The dump lost one document and was re-zipped with every checksum recomputed (manifest hashes, zip CRCs,
    sidecar, manifest copy): only the document counts give it away."""
    users = "MongoDB/AlteryxGallery/users.bson"

    def drop_first(entries: dict[str, bytes]) -> None:
        data = entries[users]
        entries[users] = data[int.from_bytes(data[:4], "little"):]

    rewrite(archive, drop_first, fix_copy=True)
    run = _verify(archive)
    assert run.rc != 0
    text = " ".join(run.stdout.split())
    assert VERDICT.findall(run.stdout) == [(archive.name, "FAILED")]
    assert "checks failed (documents, dump_log)" in text
    assert f"documents {users}: expected 60, found 59" in text and f"dump_log {users}: expected 60, found 59" in text


def test_report_only_run_succeeds_and_names_the_failure(archive: Path) -> None:
    flip_bit(archive, 200)
    run = _verify(archive, alteryx_verify_fail_on_error=False)
    assert run.rc == 0, run.output
    assert VERDICT.findall(run.stdout) == [(archive.name, "FAILED")]


def test_missing_path_fails_clearly(tmp_path: Path) -> None:
    run = _verify(tmp_path / "nowhere")
    assert run.rc != 0 and "does not exist" in run.output
    empty = _verify("")
    assert empty.rc != 0 and "Set alteryx_verify_path" in empty.output


def test_relative_path_means_the_folder_ansible_playbook_runs_in(archive: Path) -> None:
    run = _verify(archive.name, cwd=archive.parent)
    assert run.rc == 0, run.output
    assert VERDICT.findall(run.stdout) == [(archive.name, "PASSED")]

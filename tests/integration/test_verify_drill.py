"""playbooks/verify.yml with the restore drill: archives a winsim backup made, drilled into nx-27017 on loopback.

The drill server has SCRAM authentication (tests/tools/mongo_server.py); the connection string travels in an
extra-vars file, as an administrator would pass it (``-e @drill.yml``), never on the command line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import REPO, Fleet, Run, ansible_env

sys.path.insert(0, str(REPO / ".build" / "collections"))  # verify_archives builds manifests with the collection

import subprocess  # noqa: E402

from mongo_server import MongoTestServer, canary_password  # noqa: E402
from verify_archives import rewrite  # noqa: E402

USER = "drill"
PASSWORD = canary_password()
USERS = "MongoDB/AlteryxGallery/users.bson"


@pytest.fixture(scope="module")
def server():
    with MongoTestServer({USER: PASSWORD}) as srv:
        yield srv


@pytest.fixture(scope="module")
def backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fleet = Fleet(tmp_path_factory.mktemp("drill") / "fleet")
    # The drill needs only the dump: no secrets to export (and no recipient certificate to set up).
    run = fleet.playbook("playbooks/backup_full.yml", extra={"alteryx_backup_export_secrets": False})
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return archive


@pytest.fixture
def archive(backup: Path, tmp_path: Path) -> Path:
    for suffix in ("", ".sha256", ".manifest.json"):
        (tmp_path / f"{backup.name}{suffix}").write_bytes(Path(f"{backup}{suffix}").read_bytes())
    return tmp_path / backup.name


def _uri(server: MongoTestServer, password: str = PASSWORD) -> str:
    return f"mongodb://{USER}:{quote(password, safe='')}@{server.host}:{server.port}/?authSource=admin"


def _drill(archive: Path, uri: str, *flags: str) -> Run:
    extra = archive.parent / "drill-vars.json"
    extra.write_text(json.dumps({"alteryx_verify_path": str(archive), "alteryx_verify_drill_uri": uri,
                                 "alteryx_verify_drill_sample": 10}))
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO / "playbooks" / "verify.yml"),
               "-e", f"@{extra}", *flags]
    proc = subprocess.run(command, capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _scratch(server: MongoTestServer) -> list[str]:
    client = server.client(USER, PASSWORD)
    try:
        return [n for n in client.list_database_names() if n.startswith("alteryx_drill_")]
    finally:
        client.close()


def test_fresh_archive_drills_clean(server: MongoTestServer, archive: Path) -> None:
    run = _drill(archive, _uri(server))
    assert run.rc == 0, run.output
    assert f"{archive.name}: PASSED" in run.stdout and f"{archive.name}: DRILL PASSED" in run.stdout
    assert PASSWORD not in run.output
    assert _scratch(server) == []


def test_duplicate_id_only_a_drill_finds_fails_and_leaves_no_scratch_database(server: MongoTestServer,
                                                                             archive: Path) -> None:
    """The dump's last document is replaced by a copy of its first: the counts, the log, every checksum agree, so
    verification passes - but MongoDB refuses the duplicate _id, as a real restore would."""

    def duplicate(entries: dict[str, bytes]) -> None:
        data, docs, at = entries[USERS], [], 0
        while at < len(data):
            size = int.from_bytes(data[at:at + 4], "little")
            docs.append(data[at:at + size])
            at += size
        entries[USERS] = b"".join([*docs[:-1], docs[0]])

    rewrite(archive, duplicate, fix_copy=True)
    run = _drill(archive, _uri(server))
    text = " ".join(run.stdout.split())
    assert run.rc != 0
    assert f"{archive.name}: PASSED" in text and f"{archive.name}: DRILL FAILED" in text
    assert f"count {USERS}: expected 60, found 59" in text and f"load {USERS}: expected every document inserted" in text
    assert _scratch(server) == []


def test_bson_that_lost_a_document_fails_before_any_load(server: MongoTestServer, archive: Path) -> None:
    rewrite(archive, lambda e: e.update({USERS: e[USERS][int.from_bytes(e[USERS][:4], "little"):]}), fix_copy=True)
    run = _drill(archive, _uri(server))
    assert run.rc != 0
    assert f"{archive.name}: FAILED" in run.stdout and "DRILL" not in run.stdout
    assert _scratch(server) == []


def test_wrong_credentials_fail_clearly_without_printing_them(server: MongoTestServer, archive: Path) -> None:
    wrong = "wrong-" + PASSWORD
    run = _drill(archive, _uri(server, wrong), "-vvv")
    assert run.rc != 0
    assert "Restore drill not run: the drill server refused the login (authentication failed)" in run.stdout
    assert wrong not in run.output and PASSWORD not in run.output

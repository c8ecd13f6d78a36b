"""restore.yml from a damaged archive changes nothing on the node: one real ansible-playbook run per corruption class.

The thousands of generated cases run in process (tests/winsim/tests/test_restore_property.py); these runs prove the
same through Ansible itself - the role, its variables, the connection, async jobs. Every class is damaged the way the
property damages it, on the archive a winsim Full backup published, then ``restore.yml`` runs with the archive's own
scope (Full: the database part first). The run must fail and the node must be as before: every file and folder (the
host's journal and counters aside), and the service running.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
from conftest import REPO, Fleet

sys.path.insert(0, str(REPO / ".build" / "collections"))  # verify_archives builds manifests with the collection

from verify_archives import rewrite  # noqa: E402

USERS = "MongoDB/AlteryxGallery/users.bson"
BOOKKEEPING = {"journal.jsonl", "state.json", "faults.json"}
# Where the restore's safety backup puts its archive and host log (the backup role's defaults on winsim).
SAFETY_BACKUP_FOLDERS = ("drives/D/Alteryx/Backups/", "drives/D/Alteryx/BackupLogs/")


def _backup(fleet: Fleet) -> Path:
    # Secrets play no part in these restores (and would need a recipient certificate to export).
    run = fleet.playbook("playbooks/backup_full.yml", extra={"alteryx_backup_export_secrets": False})
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return archive


def _node(fleet: Fleet) -> dict:
    root = fleet.host()
    files = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
             for p in sorted(root.rglob("*")) if p.relative_to(root).as_posix() not in BOOKKEEPING}
    return {"files": files, "service": fleet.state()["services"]["AlteryxService"]["state"]}


def _restore_changes_nothing(fleet: Fleet) -> str:
    """Run restore.yml; assert it failed and changed nothing but add its safety backup (the archive and its host
    log, in the backup and log folders), which it takes before the database restore - by design: it is the way
    back. Returns the output on one line."""
    before = _node(fleet)
    run = fleet.playbook("playbooks/restore.yml")
    after = _node(fleet)
    assert run.rc != 0, run.output
    assert after["service"] == before["service"] == "running"
    changed = sorted({path for path, _digest in set(before["files"].items()) ^ set(after["files"].items())})
    unexpected = [p for p in changed if p in before["files"] or not p.startswith(SAFETY_BACKUP_FOLDERS)]
    assert unexpected == [], f"the failed restore changed the node: {unexpected[:10]}"
    return " ".join(run.output.split())


@pytest.fixture
def archive(fleet: Fleet) -> Path:
    return _backup(fleet)


def test_flipped_byte(fleet: Fleet, archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 3] ^= 0x01
    archive.write_bytes(bytes(data))
    output = _restore_changes_nothing(fleet)
    assert "is damaged, nothing was restored" in output


def test_manifest_edited_to_match_a_changed_file(fleet: Fleet, archive: Path) -> None:
    def change(entries: dict[str, bytes]) -> None:
        name = next(n for n in entries if n.startswith("Config/") and n.endswith(".xml"))
        entries[name] = entries[name] + b"\n<!-- changed -->"

    rewrite(archive, change, fix_sidecar=False)
    output = _restore_changes_nothing(fleet)
    assert "is damaged, nothing was restored" in output and "its .sha256 sidecar says" in output


def test_bson_that_lost_documents_rezipped_consistently(fleet: Fleet, archive: Path) -> None:
    def drop_two(entries: dict[str, bytes]) -> None:
        data = entries[USERS]
        first = int.from_bytes(data[:4], "little")
        second = int.from_bytes(data[first:first + 4], "little")
        entries[USERS] = data[first + second:]

    rewrite(archive, drop_two, fix_copy=True)
    output = _restore_changes_nothing(fleet)
    assert "The database restore is not sound" in output and "document(s) restored, the manifest counts" in output


def test_missing_collection_rezipped_consistently(fleet: Fleet, archive: Path) -> None:
    def remove(entries: dict[str, bytes]) -> None:
        del entries[USERS]
        del entries[USERS.replace(".bson", ".metadata.json")]

    rewrite(archive, remove, fix_copy=True)
    output = _restore_changes_nothing(fleet)
    assert "The database restore is not sound" in output


def test_restore_log_with_failed_documents(fleet: Fleet, archive: Path) -> None:
    state = fleet.state()
    fleet.set_state(mongo={**state["mongo"], "restore_failed_documents": 3})
    output = _restore_changes_nothing(fleet)
    assert "3 document(s) failed to restore" in output

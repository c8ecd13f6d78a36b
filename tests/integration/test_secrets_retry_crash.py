"""Secrets never leak; network copies retry; a killed controller never leaves the service down."""

from __future__ import annotations

import json
import os
import signal
import time
import zipfile

import pytest
from conftest import SECRETS_KEY

from ansible_collections.alteryx.server.plugins.plugin_utils._secret_box import decrypt_cms

CANARIES = {"server_secret": "CANARYTOKEN" + "7" * 53, "emongo_password": "CanaryMongoUserPw91",
            "emongo_admin_password": "CanaryMongoAdminPw73"}
PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "DatabaseOnly": "playbooks/backup_database.yml",
             "ConfigOnly": "playbooks/backup_config.yml"}


@pytest.mark.parametrize("mode", list(PLAYBOOKS))
def test_secret_canaries_appear_only_in_the_archive_secret_files(fleet, mode):
    fleet.set_state(secrets=CANARIES)
    run = fleet.playbook(PLAYBOOKS[mode], verbosity=4)
    assert run.rc == 0, run.output[-2000:]
    places = {"ansible output": run.output, "journal": (fleet.host() / "journal.jsonl").read_text()}
    for log in fleet.logs_dir().glob("*.log"):
        places[log.name] = log.read_text()
    [archive] = fleet.archives()
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            if not name.startswith("Secrets/"):
                places[f"archive:{name}"] = zf.read(name).decode("utf-8", "replace")
        secret_files = {n: zf.read(n) for n in zf.namelist() if n.startswith("Secrets/")}
    for where, text in places.items():
        for canary in CANARIES.values():
            assert canary not in text, f"a secret leaked into {where}"
    if mode == "DatabaseOnly":
        assert secret_files == {}
    else:
        # Encrypted to the test certificate: no canary in the file, the key opens it.
        assert not any(c.encode() in data for c in CANARIES.values() for data in secret_files.values())
        key = SECRETS_KEY.read_bytes()
        assert CANARIES["server_secret"].encode() in decrypt_cms(secret_files["Secrets/ControllerToken.cms"], key)
        assert CANARIES["emongo_admin_password"].encode() in decrypt_cms(secret_files["Secrets/MongoPasswords.cms"], key)


def test_network_copy_retries_until_the_share_answers(fleet):
    fleet.set_state(offline_shares={"fileserver": 2})
    run = fleet.playbook(PLAYBOOKS["Full"], extra={"alteryx_backup_network_paths": ["\\\\fileserver\\backups"]})
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    assert (fleet.share_dir() / archive.name).is_file()
    [log] = fleet.logs_dir().glob("*.log")
    text = log.read_text()
    assert "failed on attempt 1 of 4" in text and "failed on attempt 2 of 4" in text
    assert "succeeded on attempt 3" in text


def test_network_copy_that_never_succeeds_warns_and_keeps_the_local_archive(fleet):
    """The spec: an unreachable share warns; the local archive stays, nothing of this run is left on the share."""
    fleet.set_state(offline_shares={"fileserver": 5})
    run = fleet.playbook(PLAYBOOKS["Full"], extra={"alteryx_backup_network_paths": ["\\\\fileserver\\backups"]})
    assert run.rc == 0, run.output[-3000:]
    assert "failed after 4 tries" in run.output
    [archive] = fleet.archives()
    assert archive.with_name(archive.name + ".sha256").is_file()
    assert list(fleet.share().rglob("ServerBackup_*")) == []


def test_killed_controller_during_dump_still_restarts_service_and_next_run_cleans_up(fleet):
    state = fleet.state()
    state["mongo"]["dump_seconds"] = 4
    fleet.set_state(mongo=state["mongo"])
    proc = fleet.start(PLAYBOOKS["Full"])
    deadline = time.time() + 60
    while time.time() < deadline and not any(e.get("event") == "service_stopped" for e in fleet.journal()):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert fleet.state()["services"]["AlteryxService"]["state"] != "running", "killed too late to prove anything"
    deadline = time.time() + 30
    while time.time() < deadline and fleet.state()["services"]["AlteryxService"]["state"] != "running":
        time.sleep(0.2)
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running", "the host job did not restart the service"
    assert fleet.staging_dirs(), "the interrupted run should have left its staging folder"
    deadline = time.time() + 30
    while time.time() < deadline and (fleet.backups_dir() / ".alteryx_backup.lock.window").exists():
        time.sleep(0.2)
    # Same controller, its ansible-playbook gone: the lock is taken over at once, not after lock_stale_seconds.
    run = fleet.playbook(PLAYBOOKS["Full"])
    assert run.rc == 0, run.output
    assert "Took over the lock of an interrupted run" in run.output
    assert len(fleet.staging_dirs()) == 0
    assert len(fleet.archives()) == 1


def test_a_live_lock_blocks_a_second_run_without_touching_it(fleet):
    lock = fleet.backups_dir() / ".alteryx_backup.lock"
    lock.parent.mkdir(parents=True)
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    lock.write_text(json.dumps({"run_id": "other-run", "controller_host": "awx-1", "controller_pid": "7",
                                "controller_started": "1", "started_utc": now,
                                "staging_path": "D:\\Alteryx\\Backups\\other.staging"}))
    run = fleet.playbook(PLAYBOOKS["Full"])
    assert run.rc != 0 and "Another backup holds" in run.output and "run other-run" in run.output, run.output
    assert "from awx-1" in run.output
    assert json.loads(lock.read_text())["run_id"] == "other-run"
    assert not [e for e in fleet.journal() if e.get("event") == "service_stopped"]

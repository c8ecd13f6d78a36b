"""restore.yml takes a safety backup first, sets the controller token of the archive, and refuses safely."""

from __future__ import annotations

from conftest import SECRETS_KEY

PROGRAM_DATA = ("drives", "C", "ProgramData", "Alteryx")
P = "ansible.windows.win_powershell:"
# Every backup encrypts the exported secrets to the test certificate (conftest's FAST_VARS); the restore decrypts.
KEY = {"alteryx_restore_secrets_key": str(SECRETS_KEY)}


def _settings(fleet, name="controller"):
    return fleet.host(name).joinpath(*PROGRAM_DATA, "RuntimeSettings.xml")


def _full_backup(fleet):
    run = fleet.playbook("playbooks/backup_full.yml")
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return archive


def test_a_safety_backup_comes_first_and_the_encrypted_token_is_set_again(fleet):
    archive = _full_backup(fleet)
    token = fleet.state()["secrets"]["server_secret"]
    original = _settings(fleet).read_bytes()
    # Changed, still a working controller (a node whose settings enable no role gets no safety archive).
    _settings(fleet).write_bytes(original.replace(b"<Engine>", b"<Engine><NumThreads>16</NumThreads>"))
    fleet.set_state(secrets={**fleet.state()["secrets"], "server_secret": "REGENERATED"})
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "ConfigOnly",
                                                         "alteryx_restore_archive": archive_win(archive)},
                         verbosity=4)
    assert run.rc == 0, run.output[-5000:]
    assert _settings(fleet).read_bytes() == original
    assert fleet.state()["secrets"]["server_secret"] == token
    # The safety archive sits in PreRestore, where the default archive choice of a later restore does not look.
    assert fleet.archives() == [archive]
    [safety] = sorted((fleet.backups_dir() / "PreRestore").glob("ServerBackup_*.zip"))
    assert safety.name.startswith("ServerBackup_Config_")
    assert f"safety backup D:\\Alteryx\\Backups\\PreRestore\\{safety.name}" in " ".join(run.output.split())
    calls = fleet.calls()
    # The safety archive is made before the first stop of the restore, and the token is set after the files.
    first_restore = calls.index(P + "alteryx_restore_config")
    assert calls.index(P + "alteryx_archive") < first_restore
    assert calls.index(P + "alteryx_restore_secret") > first_restore
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    # The token is nowhere in the output (at -vvvv), the journal or any file of the host but Alteryx's own store.
    assert token not in run.output
    for path in fleet.host().rglob("*"):
        if path.is_file() and path.name != "state.json":
            assert token.encode() not in path.read_bytes(), path


def test_a_failed_safety_backup_touches_nothing(fleet):
    archive = _full_backup(fleet)
    before = _settings(fleet).read_bytes()
    fleet.reset_journal()
    # No certificate for the safety backup's secrets: the backup refuses, so the restore never starts.
    run = fleet.playbook("playbooks/restore.yml", extra={**KEY, "alteryx_restore_scope": "ConfigOnly",
                                                         "alteryx_backup_secrets_recipient": "",
                                                         "alteryx_restore_archive": archive_win(archive)})
    assert run.rc != 0
    assert "Refuse to export the controller secrets without encryption" in run.output
    assert _settings(fleet).read_bytes() == before
    assert P + "alteryx_restore_config" not in fleet.calls()
    assert not list(fleet.host().rglob("*.pre-restore-*"))
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def archive_win(path):
    return "D:\\Alteryx\\Backups\\" + path.name



def test_an_encrypted_token_without_a_key_is_refused_before_anything_stops(fleet):
    archive = _full_backup(fleet)
    fleet.reset_journal()
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "Full",
                                                         "alteryx_restore_archive": archive_win(archive)})
    assert run.rc != 0 and "failure_class: validation" in run.output, run.output
    assert "Secrets/ControllerToken.cms" in run.output and "alteryx_restore_secrets_key" in run.output
    assert not [c for c in fleet.calls() if "service_state" in c or "restore_" in c and "restore_check" not in c]
    assert len(fleet.archives()) == 1 and not (fleet.backups_dir() / "PreRestore").exists(), "no safety backup either"

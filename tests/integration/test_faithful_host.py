"""Behaviours that only show on a host as strict as Windows: real win_powershell conversion and
change reporting, SCM rules, hidden files, encodings Windows writes."""

from __future__ import annotations

import json
import time
import zipfile

import pytest

PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "DatabaseOnly": "playbooks/backup_database.yml",
             "ConfigOnly": "playbooks/backup_config.yml"}


@pytest.mark.parametrize(("initial", "wanted"), [("running", "started"), ("stopped", "stopped"),
                                                 ("stopped", "started"), ("running", "stopped")])
def test_service_state_reports_a_change_only_when_it_made_one(fleet, initial, wanted):
    services = fleet.state()["services"]
    services["AlteryxService"]["state"] = initial
    fleet.set_state(services=services)
    results = fleet.root / "service_state.json"
    run = fleet.playbook("tests/integration/playbooks/service_state.yml",
                         extra={"service_state_wanted": wanted, "service_state_results": str(results)})
    assert run.rc == 0, run.output
    first, second = json.loads(results.read_text())
    made_change = (initial == "running") != (wanted == "started")
    assert first["changed"] is made_change
    assert second["changed"] is False
    assert second["state"] == ("running" if wanted == "started" else "stopped")


@pytest.mark.parametrize("mode", list(PLAYBOOKS))
def test_retention_deletes_expired_archives_of_the_mode(fleet, mode):
    tag = {"Full": "Full", "DatabaseOnly": "DB", "ConfigOnly": "Config"}[mode]
    folder = fleet.backups_dir()
    folder.mkdir(parents=True, exist_ok=True)
    expired = [folder / f"ServerBackup_{tag}_20200101_010000.zip", folder / f"ServerBackup_{tag}_20200102_010000.zip"]
    for path in expired:
        path.write_bytes(b"PK old archive")
        (folder / (path.name + ".sha256")).write_text("0" * 64 + f"  {path.name}\n")
    other_mode = folder / ("ServerBackup_Config_20200101_010000.zip" if tag != "Config" else
                          "ServerBackup_DB_20200101_010000.zip")
    other_mode.write_bytes(b"PK other mode")
    run = fleet.playbook(PLAYBOOKS[mode])
    assert run.rc == 0, run.output
    assert not [p for p in expired if p.exists()], "expired archives of the mode were not deleted"
    assert not list(folder.glob(f"ServerBackup_{tag}_2020*.sha256")), "sidecars of deleted archives left behind"
    assert other_mode.exists(), "retention of one mode deleted another mode's archive"
    assert len([p for p in fleet.archives() if p.name.startswith(f"ServerBackup_{tag}_")]) == 1


def test_real_host_acceptance_playbook_passes_on_winsim(fleet):
    run = fleet.playbook("tests/integration/playbooks/real_host_acceptance.yml")
    assert run.rc == 0, run.output
    assert {p.name.split("_")[1] for p in fleet.archives()} == {"Full", "DB", "Config"}


@pytest.mark.parametrize("encoding", ["utf-16", "ansi", "utf-8"])
def test_runtime_settings_in_each_encoding_windows_writes_are_backed_up_byte_for_byte(tmp_path, encoding):
    from conftest import Fleet, zip_names

    fleet = Fleet(tmp_path / "fleet", settings_encoding=encoding)
    run = fleet.playbook(PLAYBOOKS["ConfigOnly"])
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    assert "Config/RuntimeSettings.xml" in zip_names(archive)
    source = fleet.host() / "drives" / "C" / "ProgramData" / "Alteryx" / "RuntimeSettings.xml"
    with zipfile.ZipFile(archive) as zf:
        assert zf.read("Config/RuntimeSettings.xml") == source.read_bytes()


def test_hidden_key_file_is_backed_up(fleet):
    run = fleet.playbook(PLAYBOOKS["ConfigOnly"])
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("BackupManifest.json"))
    assert "Config/Keys/recovery.key" in {f["RelativePathInArchive"] for f in manifest["BackedUpFiles"]}


def test_service_that_falls_back_to_stopped_is_reported_at_once_and_started_by_the_rescue(fleet):
    services = fleet.state()["services"]
    services["AlteryxService"]["crash_on_start"] = 1
    fleet.set_state(services=services)
    started = time.monotonic()
    run = fleet.playbook(PLAYBOOKS["Full"], extra={"alteryx_backup_max_service_wait": 60})
    assert run.rc != 0
    assert "failure_class=service_timeout" in run.output and "fell back to Stopped" in run.output, run.output[-3000:]
    assert time.monotonic() - started < 50, "the crash was only noticed when the whole wait timed out"
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running", "the rescue did not start the service"
    assert fleet.everything_published() == []


def test_rescue_waits_for_a_dump_job_whose_start_reply_was_lost(fleet):
    """The job keeps running after the reply is lost; the failed run ends only once the job brought the service back.

    The rescue's cleanup is held up for 2 s so that the job is inside its 4 s dump when the cleanup comes (without
    the hold-up the job may see the lock gone first and touch nothing, which the fault matrix covers).
    """
    mongo = fleet.state()["mongo"]
    mongo["dump_seconds"] = 4
    fleet.set_state(mongo=mongo)
    fleet.faults([{"call": "ansible.windows.win_powershell:alteryx_dump_window", "occurrence": 1, "kind": "drop"},
                  {"call": "ansible.windows.win_powershell:alteryx_finalize", "occurrence": 1, "kind": "hang",
                   "seconds": 2}])
    run = fleet.playbook(PLAYBOOKS["Full"])
    assert run.rc != 0 and "failure_class=general" in run.output, run.output[-3000:]
    journal = fleet.journal()
    events = [e.get("event") for e in journal if e.get("kind") == "event"]
    assert "service_stopped" in events, "the job did not get to stop the service: the test proves nothing"
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running", "the run ended with the service down"
    [cleanup] = [e for e in journal if e["kind"] == "call" and e["call"] == "ansible.windows.win_powershell:alteryx_finalize"]
    stopped = next(e for e in journal if e.get("event") == "service_stopped")
    started = [e for e in journal if e.get("event") == "service_running" and e["t"] >= stopped["t"]]
    assert started and started[0]["t"] <= cleanup["t"], "the cleanup ended before the job had started the service again"
    assert fleet.everything_published() == []
    assert not list(fleet.staging_dirs()), "the dump wrote into a staging folder after the cleanup"
    assert not list(fleet.backups_dir().glob(".alteryx_backup.lock*")), "lock or window marker left behind"

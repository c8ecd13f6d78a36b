"""Issue 11, truthful messages, against winsim: a failed dump's log survives the failure cleanup and the message
names it; an unreachable or malformed UNC destination gets the advice that fits its error; --check writes nothing
and claims no SUCCESS."""

from __future__ import annotations

import json
import subprocess

from conftest import FAST_VARS, ansible_env

P = "ansible.windows.win_powershell:"
FINALIZE_TASK = "Write the host log, remove the staging folder and release the lock"


def test_a_failed_dump_keeps_its_log_beside_the_host_log_and_the_message_names_it(fleet):
    # The disk fills during the dump window only: emongodump writes mongoDump.log ("Failed: ...") and exits 0.
    fleet.faults([{"call": P + "alteryx_dump_window", "occurrence": 1, "kind": "disk_full"}])
    run = fleet.playbook("playbooks/backup_database.yml")
    assert run.rc != 0, run.output[-3000:]
    [log] = fleet.logs_dir().glob("BackupLog_DatabaseOnly_*[0-9].log")
    kept = log.with_name(log.name[:-len(".log")] + ".mongoDump.log")
    assert "Failed: error writing data: There is not enough space on the disk." in kept.read_text()
    kept_win = "D:\\Alteryx\\BackupLogs\\" + kept.name
    assert f"the dump's log is kept at {kept_win}" in run.output
    errors = [line for line in log.read_text(encoding="utf-8").splitlines() if "[ERROR]" in line]
    assert any(f"emongodump failed: Mongodump failed: 14 (the dump's log is kept at {kept_win}" in e for e in errors)
    # Kept before the failure cleanup, which still removed the staging folder.
    calls = fleet.calls()
    assert calls.index(P + "alteryx_keep_file") < calls.index(P + "alteryx_finalize")
    assert fleet.staging_dirs() == []
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_a_good_dump_keeps_no_extra_log(fleet):
    run = fleet.playbook("playbooks/backup_database.yml")
    assert run.rc == 0, run.output[-3000:]
    assert P + "alteryx_keep_file" not in fleet.calls()
    assert not list(fleet.logs_dir().glob("*.mongoDump.log"))


def test_a_share_that_does_not_exist_gets_the_name_and_port_advice_not_delegation(fleet):
    run = fleet.playbook("playbooks/backup_config.yml", extra={"alteryx_backup_network_paths": ["\\\\nas99\\backups"]})
    assert run.rc != 0, run.output[-3000:]
    assert "Destination not writable: \\\\nas99\\backups" in run.output
    assert "The network path was not found" in run.output
    assert "Check the server and share names" in run.output and "445" in run.output
    assert "delegate" not in run.output


def _preflight_playbook(tmp_path, destination: str) -> dict:
    """The alteryx_preflight module alone (the role refuses a malformed UNC path before any host call)."""
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(json.dumps([{
        "name": "Preflight with one destination", "hosts": "controller", "gather_facts": False,
        "tasks": [{"name": "Preflight", "alteryx.server.alteryx_preflight": {
            "run_id": "r1", "local_dir": "D:\\Alteryx\\Backups", "lock_path": "D:\\Alteryx\\Backups\\.lock",
            "staging_path": "D:\\Temp\\r1.staging", "destinations": [destination]}}]}]))
    return playbook


def _run_json(fleet, playbook, *args: str) -> dict:
    proc = subprocess.run(["ansible-playbook", "-i", str(fleet.inventory), str(playbook), *args],
                          capture_output=True, text=True, timeout=300,
                          env={**ansible_env(), "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    return json.loads(proc.stdout[proc.stdout.index("{"):])


def test_a_malformed_unc_path_is_told_to_fix_the_path(fleet, tmp_path):
    report = _run_json(fleet, _preflight_playbook(tmp_path, "\\\\fileserver"))
    result = report["plays"][0]["tasks"][0]["hosts"]["controller"]
    assert result["failed"] is True and result["failure_class"] == "storage"
    assert result["msg"].startswith("Destination not writable: \\\\fileserver: ")
    assert "Fix the path" in result["msg"] and "delegate" not in result["msg"]
    assert "hresult" not in result.get("preflight", {})


def test_check_mode_writes_no_file_on_the_host_and_claims_no_success(fleet):
    before = {p for p in (fleet.host() / "drives").rglob("*")}
    report = _run_json(fleet, "playbooks/backup_full.yml", "--check", "-e", json.dumps(FAST_VARS))
    finalize = next(t["hosts"]["controller"] for p in report["plays"] for t in p["tasks"]
                    if t["task"]["name"].endswith(FINALIZE_TASK))
    text = finalize["log_text"]
    assert "[SUCCESS]" not in text
    last = text.splitlines()[-1].split(" ", 2)[2]
    assert last.startswith("[INFO] Check mode: Full backup of controller would succeed (nothing was written): "), last
    assert "succeeded" not in last
    assert not list((fleet.host() / "drives").rglob("BackupLog_*"))
    assert {p for p in (fleet.host() / "drives").rglob("*")} == before
    assert P + "alteryx_finalize" not in fleet.calls() and P + "alteryx_keep_file" not in fleet.calls()


def test_a_failed_copy_of_the_dump_log_is_reported_and_the_cleanup_still_runs(fleet):
    fleet.faults([{"call": P + "alteryx_dump_window", "occurrence": 1, "kind": "disk_full"},
                  {"call": P + "alteryx_keep_file", "occurrence": 1, "kind": "fail"}])
    run = fleet.playbook("playbooks/backup_database.yml")
    assert run.rc != 0 and "failure_class=mongodb" in run.output, run.output[-3000:]
    assert "mongoDump.log could not be kept (" in run.output
    assert "the failure cleanup removes it with the staging folder" in run.output
    assert not list(fleet.logs_dir().glob("*.mongoDump.log"))
    assert fleet.staging_dirs() == [] and fleet.everything_published() == []
    assert not (fleet.backups_dir() / ".alteryx_backup.lock").exists()
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_a_dropped_connection_while_keeping_the_log_still_reports_the_dump_failure(fleet):
    fleet.faults([{"call": P + "alteryx_dump_window", "occurrence": 1, "kind": "disk_full"},
                  {"call": P + "alteryx_keep_file", "occurrence": 1, "kind": "drop"}])
    run = fleet.playbook("playbooks/backup_database.yml")
    assert run.rc != 0 and "failure_class=mongodb" in run.output, run.output[-3000:]
    assert "emongodump failed: Mongodump failed: 14" in run.output
    assert "lost the connection to the host during the dump log copy step" in run.output
    assert fleet.staging_dirs() == [] and fleet.state()["services"]["AlteryxService"]["state"] == "running"

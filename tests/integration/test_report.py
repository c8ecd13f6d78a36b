"""playbooks/report.yml against a winsim fleet: one fresh server (a real Full backup), one stale (its archives aged),
one with no backup and one unreachable - the run fails and the report names each; all fresh - it passes."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import Fleet

SHARE = "\\\\fileserver\\backups"
P = "ansible.windows.win_powershell:"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    """Four single-node clusters; c1 and c2 backed up for real (local folder and share), c3 and c4 never."""
    fleet = Fleet(tmp_path_factory.mktemp("report") / "fleet", clusters=4)
    run = fleet.playbook("playbooks/backup_full.yml", limit="c1-controller,c2-controller",
                         extra={"alteryx_backup_network_paths": [SHARE]})
    assert run.rc == 0, run.output[-3000:]
    return fleet


def _report(fleet: Fleet, folder: Path, limit: str | None = None, **extra: object):
    run = fleet.playbook("playbooks/report.yml", limit=limit,
                         extra={"alteryx_report_dir": str(folder), "alteryx_backup_network_paths": [SHARE], **extra})
    return run, json.loads((folder / "report.json").read_text())


def _age(paths: list[Path], hours: float) -> None:
    then = time.time() - hours * 3600
    for path in paths:
        os.utime(path, (then, then))


def test_stale_missing_and_unreachable_servers_fail_the_report(fleet: Fleet, tmp_path: Path) -> None:
    stale = [p for folder in (fleet.backups_dir("c2-controller"), fleet.share_dir("c2-controller"))
             for p in folder.glob("ServerBackup_*")]
    assert len(stale) == 6  # archive, sidecar and manifest copy, local and on the share
    _age(stale, 100)
    fleet.faults([{"call": P + "alteryx_backup_inventory", "occurrence": 1, "kind": "refused"}], name="c4-controller")

    run, report = _report(fleet, tmp_path)

    assert run.rc != 0
    status = {h["host"]: h["status"] for h in report["hosts"]}
    assert status == {"c1-controller": "OK", "c2-controller": "STALE", "c3-controller": "MISSING",
                      "c4-controller": "UNREACHABLE"}
    fresh = next(h for h in report["hosts"] if h["host"] == "c1-controller")["modes"]["Full"]
    assert fresh["age_hours"] < 1
    assert len(fresh["backup"]["copies"]) == 2  # the local archive and its copy on the share
    text = " ".join(run.output.split())
    assert "failure_class: validation" in text, text[-3000:]
    for line in ("c2-controller: STALE - newest good Full backup", "c3-controller: MISSING - no good Full backup",
                 "c4-controller: UNREACHABLE - the host could not be reached"):
        assert line in text, text[-3000:]
    assert "c1-controller: OK" not in text
    markdown = (tmp_path / "report.md").read_text()
    assert "| c2-controller | Full | STALE |" in markdown and "| c4-controller | Full | UNREACHABLE |" in markdown
    assert "c3-controller" in (tmp_path / "report.html").read_text()


def test_all_fresh_servers_pass_and_verification_hashes_the_newest(fleet: Fleet, tmp_path: Path) -> None:
    run, report = _report(fleet, tmp_path, limit="c1-controller", alteryx_report_verify=True)

    assert run.rc == 0, run.output[-3000:]
    assert report["ok"] and report["summary"] == "1 server: 1 OK"
    assert report["hosts"][0]["modes"]["Full"]["backup"]["verification"] == "verified"


def test_a_damaged_newest_archive_does_not_count(fleet: Fleet, tmp_path: Path) -> None:
    """c1's local archive is truncated: verification finds the mismatch; its share copy still counts."""
    [archive] = fleet.backups_dir("c1-controller").glob("ServerBackup_Full_*.zip")
    data = archive.read_bytes()
    try:
        archive.write_bytes(data[:-10] + b"\0" * 10)
        run, report = _report(fleet, tmp_path, limit="c1-controller", alteryx_report_verify=True)
    finally:
        archive.write_bytes(data)
    assert run.rc == 0, run.output[-3000:]
    backup = report["hosts"][0]["modes"]["Full"]["backup"]
    assert backup["copies"] == [f"{SHARE}\\cluster1\\c1-controller\\{archive.name}"]
    assert "differs from its sidecar's" in " ".join(backup["bad_copies"][0]["problems"])

"""Host-side protection (REQ-SEC-7/8) and the manifest signing key checked by the plan, end to end.

A Full backup of a winsim controller with a network destination: the staging folder (seen in the journal - the run
removes it), the local archive, its sidecar and manifest copy and the host log are for Administrators, SYSTEM and the
run's account only; with ``alteryx_backup_restrict_acls: false`` they inherit the drive's rules; the network copies
inherit the share's either way. A signing key that cannot be used fails validation before any host call.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Fleet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from winsim_engine.host import DRIVE_DEFAULT_RULES, SHARE_DEFAULT_RULES, Host

SHARE = "\\\\fileserver\\backups"
RESTRICTED_BASE = {"BUILTIN\\Administrators", "NT AUTHORITY\\SYSTEM"}


def _pairs(host: Host, path: str) -> set[tuple[str, str]]:
    return {(rule["identity"], rule["rights"]) for rule in host.access_rules(path)["rules"]}


def _published(fleet: Fleet) -> tuple[Host, list[str], list[str], list[str]]:
    host = Host(fleet.host())
    [archive] = fleet.archives()
    local = host.win_path(archive)
    [log] = fleet.logs_dir().glob("*.log")
    remote = host.win_path(fleet.share_dir() / archive.name)
    suffixes = ("", ".sha256", ".manifest.json")
    return host, [local + s for s in suffixes], [remote + s for s in suffixes], [host.win_path(log)]


@pytest.fixture(scope="module")
def restricted(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    fleet = Fleet(tmp_path_factory.mktemp("acls") / "fleet")
    run = fleet.playbook("playbooks/backup_full.yml", extra={"alteryx_backup_network_paths": [SHARE]})
    assert run.rc == 0, run.output
    return fleet


def test_archive_sidecar_manifest_copy_and_log_are_for_the_administrators_only(restricted: Fleet) -> None:
    host, local, _remote, logs = _published(restricted)
    me = host.current_user()
    for path in local + logs + [host.win_path(restricted.backups_dir()), host.win_path(restricted.logs_dir())]:
        rules = host.access_rules(path)
        assert {r["identity"] for r in rules["rules"]} == RESTRICTED_BASE | {me}, path
        assert all(r["rights"] == "FullControl" for r in rules["rules"]), path
    # The files carry their own protected ACL (not merely what the folder passes down).
    assert all(host.access_rules(path)["protected"] for path in local + logs)


def test_the_staging_folder_was_restricted_before_anything_was_staged(restricted: Fleet) -> None:
    journal = restricted.journal()
    acl_events = [(i, e) for i, e in enumerate(journal) if e["kind"] == "event" and e["event"] == "set_acl"]
    staging = [(i, e) for i, e in acl_events if e["path"].endswith(".staging")]
    assert staging, "no ACL was set on the staging folder"
    index, event = staging[0]
    assert event["protected"] is True and set(event["identities"]) >= RESTRICTED_BASE
    staged = [i for i, e in enumerate(journal) if e["kind"] == "event" and e.get("event") == "emongodump"]
    assert staged and index < staged[0]
    assert not restricted.staging_dirs()


def test_network_copies_keep_the_shares_permissions(restricted: Fleet) -> None:
    host, _local, remote, _logs = _published(restricted)
    for path in remote:
        assert host.access_rules(path)["protected"] is False, path
        assert _pairs(host, path) == set(SHARE_DEFAULT_RULES), path
    assert not [e for e in restricted.journal() if e.get("event") == "set_acl" and e["path"].startswith("\\\\")]


def test_with_the_option_off_everything_inherits(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path / "fleet")
    run = fleet.playbook("playbooks/backup_full.yml", extra={"alteryx_backup_network_paths": [SHARE],
                                                            "alteryx_backup_restrict_acls": False})
    assert run.rc == 0, run.output
    host, local, remote, logs = _published(fleet)
    for path in local + logs:
        assert not host.access_rules(path)["protected"], path
        assert _pairs(host, path) == set(DRIVE_DEFAULT_RULES), path
    for path in remote:
        assert _pairs(host, path) == set(SHARE_DEFAULT_RULES), path
    assert not [e for e in fleet.journal() if e.get("event") == "set_acl"]


def test_a_backup_folder_on_a_volume_without_acls_fails_with_storage_before_anything_stops(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path / "fleet")
    state = fleet.state()
    state["disks"]["D"]["file_system"] = "exFAT"
    fleet.set_state(**{"disks": state["disks"]})
    run = fleet.playbook("playbooks/backup_full.yml")
    assert run.rc != 0
    assert "failure_class=storage" in run.output and "Cannot limit access to D:\\Alteryx\\BackupLogs" in run.output
    assert "alteryx_backup_restrict_acls" in run.output
    assert not [e for e in fleet.journal() if e.get("event") == "emongodump"]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


# --- the signing key, loaded by the plan ----------------------------------------------------------

def _key_file(folder: Path, kind: str) -> Path:
    path = folder / f"{kind}.pem"
    if kind == "rsa":
        key = generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    else:
        path.write_bytes(Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right-passphrase")))
    return path


@pytest.mark.parametrize(("kind", "passphrase", "expected"), [
    ("ed25519", "wrong-passphrase", "not a PEM private key, or the passphrase is wrong"),
    ("ed25519", "", "it is encrypted: set the passphrase"),
    ("rsa", "", "not an Ed25519 key"),
    ("missing", "", "Cannot read the manifest signing key"),
], ids=["wrong-passphrase", "no-passphrase", "rsa-key", "missing-file"])
def test_an_unusable_signing_key_fails_validation_before_any_host_call(tmp_path: Path, kind: str, passphrase: str,
                                                                       expected: str) -> None:
    fleet = Fleet(tmp_path / "fleet")
    key = tmp_path / "missing.pem" if kind == "missing" else _key_file(tmp_path, kind)
    run = fleet.playbook("playbooks/backup_full.yml", extra={"alteryx_backup_signing_key": str(key),
                                                            "alteryx_backup_signing_key_passphrase": passphrase})
    assert run.rc != 0
    assert expected in run.output and "Nothing was done on the node" in run.output
    assert "failure_class: validation" in run.output and "exit_code: 3" in run.output, run.output
    assert fleet.calls() == []
    assert "right-passphrase" not in run.output and (not passphrase or passphrase not in run.output)
